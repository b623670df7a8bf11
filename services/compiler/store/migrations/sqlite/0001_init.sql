-- The embedded (SQLite) form of migrations/postgres/0001_init.sql: the
-- same tables and columns. Keys and paths are BLOBs (paths may hold bytes
-- that are not UTF-8), JSON documents TEXT, booleans 0/1, compiled_at unix
-- milliseconds. A deleted file keeps its row as a tombstone (deleted, seq).

CREATE TABLE scripts (
    key          BLOB PRIMARY KEY,
    bot          text        NOT NULL,
    path         BLOB       NOT NULL,
    seq          INTEGER      NOT NULL CHECK (seq > 0),
    etag         text        NOT NULL DEFAULT '',
    content_hash text        NOT NULL DEFAULT '',
    size         INTEGER      NOT NULL DEFAULT 0,
    ast          TEXT,
    diagnostics  TEXT        NOT NULL DEFAULT '[]',
    errors       integer     NOT NULL DEFAULT 0,
    warnings     integer     NOT NULL DEFAULT 0,
    tool         text        NOT NULL DEFAULT '',
    compiled_at  INTEGER NOT NULL,
    deleted      INTEGER     NOT NULL DEFAULT 0
);
CREATE INDEX scripts_bot ON scripts (bot, path) WHERE deleted = 0;

CREATE TABLE tools (
    script_key BLOB PRIMARY KEY REFERENCES scripts (key) ON DELETE CASCADE,
    bot        text    NOT NULL,
    name       text    NOT NULL,
    mcp        TEXT    NOT NULL,
    openai     TEXT    NOT NULL,
    active     INTEGER NOT NULL
);
CREATE INDEX tools_bot ON tools (bot, name);

CREATE TABLE schedules (
    script_key BLOB   NOT NULL REFERENCES scripts (key) ON DELETE CASCADE,
    ord        integer NOT NULL,
    bot        text    NOT NULL,
    expr       text    NOT NULL,
    cron       text    NOT NULL,
    args       TEXT    NOT NULL,
    dynamic    INTEGER NOT NULL,
    line       integer NOT NULL,
    col        integer NOT NULL,
    PRIMARY KEY (script_key, ord)
);
CREATE INDEX schedules_bot ON schedules (bot);

CREATE TABLE webhooks (
    script_key BLOB   NOT NULL REFERENCES scripts (key) ON DELETE CASCADE,
    ord        integer NOT NULL,
    bot        text    NOT NULL,
    keyword    text    NOT NULL,
    endpoint   text    NOT NULL,
    dynamic    INTEGER NOT NULL,
    line       integer NOT NULL,
    col        integer NOT NULL,
    PRIMARY KEY (script_key, ord)
);
CREATE INDEX webhooks_bot ON webhooks (bot, endpoint);

-- KB, tool and website references (kind 'kb', 'tool', 'website').
CREATE TABLE refs (
    script_key BLOB   NOT NULL REFERENCES scripts (key) ON DELETE CASCADE,
    ord        integer NOT NULL,
    bot        text    NOT NULL,
    kind       text    NOT NULL CHECK (kind IN ('kb', 'tool', 'website')),
    keyword    text    NOT NULL,
    name       text    NOT NULL,
    dynamic    INTEGER NOT NULL,
    line       integer NOT NULL,
    col        integer NOT NULL,
    PRIMARY KEY (script_key, ord)
);
CREATE INDEX refs_bot ON refs (bot, kind, name);

CREATE TABLE table_defs (
    script_key  BLOB   NOT NULL REFERENCES scripts (key) ON DELETE CASCADE,
    ord         integer NOT NULL,
    bot         text    NOT NULL,
    name        text    NOT NULL,
    columns     TEXT    NOT NULL,
    constraints TEXT    NOT NULL,
    line        integer NOT NULL,
    col         integer NOT NULL,
    PRIMARY KEY (script_key, ord)
);
CREATE INDEX table_defs_bot ON table_defs (bot, name);

CREATE TABLE configs (
    key          BLOB PRIMARY KEY,
    bot          text        NOT NULL,
    path         BLOB       NOT NULL,
    seq          INTEGER      NOT NULL CHECK (seq > 0),
    etag         text        NOT NULL DEFAULT '',
    content_hash text        NOT NULL DEFAULT '',
    diagnostics  TEXT        NOT NULL DEFAULT '[]',
    compiled_at  INTEGER NOT NULL,
    deleted      INTEGER     NOT NULL DEFAULT 0
);
CREATE INDEX configs_bot ON configs (bot, path) WHERE deleted = 0;

CREATE TABLE config_settings (
    config_key BLOB   NOT NULL REFERENCES configs (key) ON DELETE CASCADE,
    ord        integer NOT NULL,
    name       text    NOT NULL,
    value      text    NOT NULL,
    line       integer NOT NULL,
    PRIMARY KEY (config_key, ord)
);
