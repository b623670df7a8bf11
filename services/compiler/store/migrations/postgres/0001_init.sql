-- Compiled dialogs, their artefacts and bot configurations.
-- Every file is keyed by its canonical key events.Key(bot, path) =
-- "<bot>/<path>", stored as bytea because paths may hold bytes that are not
-- UTF-8. A deleted file keeps its row as a tombstone (deleted, seq) so an
-- older change redelivered later cannot bring it back. JSON documents use
-- json, not jsonb: jsonb reorders object keys, and tool properties and the
-- AST keep their declaration order.

CREATE TABLE scripts (
    key          bytea PRIMARY KEY,
    bot          text        NOT NULL,
    path         bytea       NOT NULL,
    seq          bigint      NOT NULL CHECK (seq > 0),
    etag         text        NOT NULL DEFAULT '',
    content_hash text        NOT NULL DEFAULT '',
    size         bigint      NOT NULL DEFAULT 0,
    ast          json,
    diagnostics  json        NOT NULL DEFAULT '[]',
    errors       integer     NOT NULL DEFAULT 0,
    warnings     integer     NOT NULL DEFAULT 0,
    tool         text        NOT NULL DEFAULT '',
    compiled_at  timestamptz NOT NULL,
    deleted      boolean     NOT NULL DEFAULT false
);
CREATE INDEX scripts_bot ON scripts (bot, path) WHERE NOT deleted;

CREATE TABLE tools (
    script_key bytea PRIMARY KEY REFERENCES scripts (key) ON DELETE CASCADE,
    bot        text    NOT NULL,
    name       text    NOT NULL,
    mcp        json    NOT NULL,
    openai     json    NOT NULL,
    active     boolean NOT NULL
);
CREATE INDEX tools_bot ON tools (bot, name);

CREATE TABLE schedules (
    script_key bytea   NOT NULL REFERENCES scripts (key) ON DELETE CASCADE,
    ord        integer NOT NULL,
    bot        text    NOT NULL,
    expr       text    NOT NULL,
    cron       text    NOT NULL,
    args       json    NOT NULL,
    dynamic    boolean NOT NULL,
    line       integer NOT NULL,
    col        integer NOT NULL,
    PRIMARY KEY (script_key, ord)
);
CREATE INDEX schedules_bot ON schedules (bot);

CREATE TABLE webhooks (
    script_key bytea   NOT NULL REFERENCES scripts (key) ON DELETE CASCADE,
    ord        integer NOT NULL,
    bot        text    NOT NULL,
    keyword    text    NOT NULL,
    endpoint   text    NOT NULL,
    dynamic    boolean NOT NULL,
    line       integer NOT NULL,
    col        integer NOT NULL,
    PRIMARY KEY (script_key, ord)
);
CREATE INDEX webhooks_bot ON webhooks (bot, endpoint);

-- KB, tool and website references (kind 'kb', 'tool', 'website').
CREATE TABLE refs (
    script_key bytea   NOT NULL REFERENCES scripts (key) ON DELETE CASCADE,
    ord        integer NOT NULL,
    bot        text    NOT NULL,
    kind       text    NOT NULL CHECK (kind IN ('kb', 'tool', 'website')),
    keyword    text    NOT NULL,
    name       text    NOT NULL,
    dynamic    boolean NOT NULL,
    line       integer NOT NULL,
    col        integer NOT NULL,
    PRIMARY KEY (script_key, ord)
);
CREATE INDEX refs_bot ON refs (bot, kind, name);

CREATE TABLE table_defs (
    script_key  bytea   NOT NULL REFERENCES scripts (key) ON DELETE CASCADE,
    ord         integer NOT NULL,
    bot         text    NOT NULL,
    name        text    NOT NULL,
    columns     json    NOT NULL,
    constraints json    NOT NULL,
    line        integer NOT NULL,
    col         integer NOT NULL,
    PRIMARY KEY (script_key, ord)
);
CREATE INDEX table_defs_bot ON table_defs (bot, name);

CREATE TABLE configs (
    key          bytea PRIMARY KEY,
    bot          text        NOT NULL,
    path         bytea       NOT NULL,
    seq          bigint      NOT NULL CHECK (seq > 0),
    etag         text        NOT NULL DEFAULT '',
    content_hash text        NOT NULL DEFAULT '',
    diagnostics  json        NOT NULL DEFAULT '[]',
    compiled_at  timestamptz NOT NULL,
    deleted      boolean     NOT NULL DEFAULT false
);
CREATE INDEX configs_bot ON configs (bot, path) WHERE NOT deleted;

CREATE TABLE config_settings (
    config_key bytea   NOT NULL REFERENCES configs (key) ON DELETE CASCADE,
    ord        integer NOT NULL,
    name       text    NOT NULL,
    value      text    NOT NULL,
    line       integer NOT NULL,
    PRIMARY KEY (config_key, ord)
);
