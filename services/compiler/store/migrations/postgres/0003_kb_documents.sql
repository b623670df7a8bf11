-- The knowledge-base documents of each bot as the compiler learns them
-- from KB changes, so a USE KB warning is re-checked when its knowledge
-- base gets its first document or loses its last one (Store.KBDocument).
-- A deleted document keeps its row (present false, seq) so an older change
-- redelivered later cannot bring it back. kb is the document's knowledge
-- base (events.Classify), bytea like path. Rows seeded from a listing of
-- the storage (Store.SeedKBs) have seq 0: any change of the path wins.
CREATE TABLE kb_documents (
    key     bytea   PRIMARY KEY,
    bot     text    NOT NULL,
    kb      bytea   NOT NULL,
    seq     bigint  NOT NULL CHECK (seq >= 0),
    present boolean NOT NULL
);
CREATE INDEX kb_documents_bot_kb ON kb_documents (bot, kb) WHERE present;

-- One row per bot with KB changes: KB writes of a bot lock it (one at a
-- time, so two replicas deleting the last two documents of a knowledge
-- base cannot both miss that it is gone); seeded once the store knows the
-- bot's knowledge bases: listed once from the storage, kept by KB changes
-- since.
CREATE TABLE kb_bots (
    bot    text PRIMARY KEY,
    seeded boolean NOT NULL DEFAULT false
);
