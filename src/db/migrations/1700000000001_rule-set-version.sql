-- Up Migration

-- One number for the whole rule set. Every rule write bumps it in the same transaction (the row lock
-- also serialises concurrent edits), so a version names exactly one consistent set of rules; workers
-- cache the set under this version and risk_logs record which one decided.
CREATE TABLE rule_set (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version   bigint  NOT NULL DEFAULT 0
);
INSERT INTO rule_set (singleton, version) VALUES (true, 0);

-- An operator's decision on a transfer UNDER_REVIEW: one per transfer, with who made it.
CREATE TABLE transfer_reviews (
  transfer_id uuid        PRIMARY KEY REFERENCES transactions (transfer_id),
  decision    text        NOT NULL CHECK (decision IN ('APPROVE', 'REJECT')),
  reason      text        NOT NULL,
  reviewer    text        NOT NULL,
  decided_at  timestamptz NOT NULL DEFAULT now()
);

-- The review queue, longest waiting first (GET /v1/reviews).
CREATE INDEX transactions_review_queue_idx ON transactions (updated_at) WHERE status = 'UNDER_REVIEW';

ALTER TABLE risk_logs ADD COLUMN reasons jsonb NOT NULL DEFAULT '[]';
ALTER TABLE risk_logs ADD COLUMN anomaly_reason text;

-- Down Migration
ALTER TABLE risk_logs DROP COLUMN anomaly_reason, DROP COLUMN reasons;
DROP INDEX transactions_review_queue_idx;
DROP TABLE transfer_reviews;
DROP TABLE rule_set;
