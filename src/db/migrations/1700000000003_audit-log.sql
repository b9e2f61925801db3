-- Up Migration

-- Who did what through the API, append-only and hash-chained: each row's hash covers its fields and
-- the previous row's hash, so an edited or deleted row breaks the chain from there on
-- (`npm run audit -- verify`).
CREATE TABLE audit_log (
  seq            bigserial   PRIMARY KEY,
  at             timestamptz NOT NULL,
  request_id     text        NOT NULL,
  sub            text,
  role           text,
  action         text        NOT NULL,
  target         text,
  outcome        text        NOT NULL,
  status         integer     NOT NULL,
  client_address text,
  prev_hash      text        NOT NULL,
  hash           text        NOT NULL UNIQUE
);
CREATE INDEX audit_log_sub ON audit_log (sub, seq);

-- Who opened an account (NULL for accounts opened before it was recorded).
ALTER TABLE accounts ADD COLUMN opened_by text;

-- Down Migration

ALTER TABLE accounts DROP COLUMN opened_by;
DROP TABLE audit_log;
