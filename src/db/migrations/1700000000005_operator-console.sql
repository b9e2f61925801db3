-- Up Migration

-- Staff who sign in to the console with a password (DESIGN.md's admin_users). Customers never do:
-- their tokens come from the identity provider. A username is the `sub` of the tokens it is given.
CREATE TABLE admin_users (
  username      text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  email         text        NOT NULL UNIQUE,
  role          text        NOT NULL CHECK (
                  role IN ('SUPER_ADMIN', 'RULE_ADMIN', 'AUDITOR', 'OPS_AGENT', 'RISK_ANALYST', 'READ_ONLY')),
  -- argon2id, in the PHC string format (parameters and salt included).
  password_hash text        NOT NULL,
  disabled      boolean     NOT NULL DEFAULT false,
  created_by    text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  -- Failed sign-ins since the last success; reaching the limit sets locked_until.
  failed_logins integer     NOT NULL DEFAULT 0,
  locked_until  timestamptz,
  last_login_at timestamptz
);

-- Who is working a case in the review queue: one holder per transfer, until the claim expires or the
-- case is decided. The review itself stays the saga's to accept.
CREATE TABLE review_claims (
  transfer_id uuid PRIMARY KEY REFERENCES transactions (transfer_id),
  claimed_by  text        NOT NULL,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);

-- What the rules judged (amount, velocity, daily total, anomaly score, ...), so a draft rule can be
-- tried on recent transfers before it is saved. NULL for evaluations from before it was kept.
ALTER TABLE risk_logs ADD COLUMN facts jsonb;
CREATE INDEX risk_logs_recent_facts_idx ON risk_logs (evaluated_at DESC) WHERE facts IS NOT NULL;

-- The console's health page counts the last minutes' completions.
CREATE INDEX transactions_completed_idx ON transactions (settled_at) WHERE status = 'COMPLETED';

-- Down Migration

DROP INDEX transactions_completed_idx;
DROP INDEX risk_logs_recent_facts_idx;
ALTER TABLE risk_logs DROP COLUMN facts;
DROP TABLE review_claims, admin_users;
