-- Up Migration

-- The transactional outbox (DESIGN.md §5): every event is a row written in the PostgreSQL transaction
-- that makes it true, so it exists exactly when its state change committed. The relay publishes unsent
-- rows to Kafka in id order and stamps published_at; published rows are purged after a retention.
CREATE TABLE outbox (
  id           bigserial PRIMARY KEY,
  -- `<transferId>:<type>`: a step that runs again writes nothing new.
  event_id     text        NOT NULL UNIQUE,
  topic        text        NOT NULL,
  -- The Kafka record key: fromAccountId, so one sender's events stay in order.
  key          text        NOT NULL,
  payload      jsonb       NOT NULL,
  -- clock_timestamp, not now(): lag is measured from the write, not from the start of a long transaction.
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Wakes the relay when a transaction with events commits (NOTIFY is delivered at commit), so an event
-- reaches Kafka in milliseconds without the relay polling hard.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Down Migration

DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
DROP TABLE outbox;
