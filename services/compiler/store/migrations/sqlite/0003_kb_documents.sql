-- The embedded (SQLite) form of migrations/postgres/0003_kb_documents.sql.
CREATE TABLE kb_documents (
    key     BLOB    PRIMARY KEY,
    bot     text    NOT NULL,
    kb      BLOB    NOT NULL,
    seq     INTEGER NOT NULL CHECK (seq >= 0),
    present INTEGER NOT NULL
);
CREATE INDEX kb_documents_bot_kb ON kb_documents (bot, kb) WHERE present;

CREATE TABLE kb_bots (
    bot    text PRIMARY KEY,
    seeded INTEGER NOT NULL DEFAULT 0
);
