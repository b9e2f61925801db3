-- Up Migration

-- Step-up confirmation (issue 18): risk may ask the sender to confirm a transfer with a one-time code.
-- The transfer waits AWAITING_CONFIRMATION; STEP_UP is a decision and a rule action beside REVIEW.
ALTER TABLE transactions DROP CONSTRAINT transactions_status_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_status_check CHECK (
  status IN ('PENDING', 'UNDER_REVIEW', 'AWAITING_CONFIRMATION', 'COMPLETED', 'DECLINED', 'BLOCKED', 'REJECTED',
             'FAILED'));
ALTER TABLE transactions DROP CONSTRAINT transactions_risk_decision_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_risk_decision_check CHECK (
  risk_decision IN ('PASS', 'REVIEW', 'STEP_UP', 'BLOCK'));
ALTER TABLE risk_logs DROP CONSTRAINT risk_logs_decision_check;
ALTER TABLE risk_logs ADD CONSTRAINT risk_logs_decision_check CHECK (decision IN ('PASS', 'REVIEW', 'STEP_UP', 'BLOCK'));
ALTER TABLE rules DROP CONSTRAINT rules_action_check;
ALTER TABLE rules ADD CONSTRAINT rules_action_check CHECK (action IN ('SCORE', 'REVIEW', 'STEP_UP', 'BLOCK'));

-- Where an account's owner gets their one-time codes (E.164). An account without one cannot be asked,
-- so risk sends its STEP_UP transfers to staff review instead.
ALTER TABLE accounts ADD COLUMN phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$');

-- Every code sent for a transfer, as a keyed hash only (HMAC-SHA256 under CONFIRMATION_CODE_SECRET over
-- `transferId:code`): the code itself is never stored. At most the first code and two resends.
CREATE TABLE confirmation_codes (
  transfer_id uuid        NOT NULL REFERENCES transactions (transfer_id),
  attempt     smallint    NOT NULL CHECK (attempt BETWEEN 1 AND 3),
  code_hash   text        NOT NULL,
  message_id  text,
  sent_at     timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (transfer_id, attempt)
);

CREATE INDEX transactions_awaiting_confirmation_idx ON transactions (updated_at)
  WHERE status = 'AWAITING_CONFIRMATION';

-- How each confirmation ended, and who ended it (the sender, a staff member) when a person did.
CREATE TABLE transfer_confirmations (
  transfer_id uuid        PRIMARY KEY REFERENCES transactions (transfer_id),
  outcome     text        NOT NULL CHECK (
                outcome IN ('CONFIRMED', 'DECLINED', 'CANCELLED', 'TOO_MANY_WRONG_CODES', 'EXPIRED', 'NOT_SENT')),
  decided_by  text,
  decided_at  timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE transfer_confirmations;
DROP TABLE confirmation_codes;
DROP INDEX transactions_awaiting_confirmation_idx;
ALTER TABLE accounts DROP COLUMN phone;
ALTER TABLE rules DROP CONSTRAINT rules_action_check;
ALTER TABLE rules ADD CONSTRAINT rules_action_check CHECK (action IN ('SCORE', 'REVIEW', 'BLOCK'));
ALTER TABLE risk_logs DROP CONSTRAINT risk_logs_decision_check;
ALTER TABLE risk_logs ADD CONSTRAINT risk_logs_decision_check CHECK (decision IN ('PASS', 'REVIEW', 'BLOCK'));
ALTER TABLE transactions DROP CONSTRAINT transactions_risk_decision_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_risk_decision_check CHECK (
  risk_decision IN ('PASS', 'REVIEW', 'BLOCK'));
ALTER TABLE transactions DROP CONSTRAINT transactions_status_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_status_check CHECK (
  status IN ('PENDING', 'UNDER_REVIEW', 'COMPLETED', 'DECLINED', 'BLOCKED', 'REJECTED', 'FAILED'));
