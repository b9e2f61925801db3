-- Up Migration

-- The trace an event belongs to (a W3C traceparent), written with the event while traces are on, so
-- the relay's publish and each consumer's handling join the transfer's trace. NULL when traces are off.
ALTER TABLE outbox ADD COLUMN trace_parent text;

-- Down Migration

ALTER TABLE outbox DROP COLUMN trace_parent;
