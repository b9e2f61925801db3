-- Up Migration

-- A rule may ask the sender to confirm the transfer (STEP_UP), and the risk log records that decision.
-- transactions.risk_decision is the saga's to widen, with its AWAITING_CONFIRMATION status.
ALTER TABLE rules DROP CONSTRAINT rules_action_check;
ALTER TABLE rules ADD CONSTRAINT rules_action_check CHECK (action IN ('SCORE', 'STEP_UP', 'REVIEW', 'BLOCK'));
ALTER TABLE risk_logs DROP CONSTRAINT risk_logs_decision_check;
ALTER TABLE risk_logs ADD CONSTRAINT risk_logs_decision_check CHECK (decision IN ('PASS', 'STEP_UP', 'REVIEW', 'BLOCK'));

-- Down Migration

ALTER TABLE risk_logs DROP CONSTRAINT risk_logs_decision_check;
ALTER TABLE risk_logs ADD CONSTRAINT risk_logs_decision_check CHECK (decision IN ('PASS', 'REVIEW', 'BLOCK'));
ALTER TABLE rules DROP CONSTRAINT rules_action_check;
ALTER TABLE rules ADD CONSTRAINT rules_action_check CHECK (action IN ('SCORE', 'REVIEW', 'BLOCK'));
