-- Up Migration

-- Money is BIGINT minor units (cents) everywhere; no column stores a float amount.

CREATE TABLE accounts (
  account_id      text PRIMARY KEY,
  owner_id        text        NOT NULL,
  currency        char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- The settled balance; holds live in Redis and in open transactions.
  balance         bigint      NOT NULL CHECK (balance >= 0),
  -- What the account was funded with, so conservation (Σ balance = Σ initial_balance) is checkable.
  initial_balance bigint      NOT NULL CHECK (initial_balance >= 0),
  status          text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_owner_idx ON accounts (owner_id);

CREATE TABLE transactions (
  transfer_id     uuid PRIMARY KEY,
  from_account_id text        NOT NULL REFERENCES accounts (account_id),
  to_account_id   text        NOT NULL REFERENCES accounts (account_id),
  amount          bigint      NOT NULL CHECK (amount > 0),
  currency        char(3)     NOT NULL,
  memo            text,
  requested_by    text        NOT NULL,
  status          text        NOT NULL CHECK (
                    status IN ('PENDING', 'UNDER_REVIEW', 'COMPLETED', 'DECLINED', 'BLOCKED', 'REJECTED', 'FAILED')),
  step            text        NOT NULL,
  -- The sender's hold as PostgreSQL knows it. When Redis loses its data, a balance is rebuilt as
  -- settled balance − Σ OPEN holds, so this column (not Redis) is the truth about holds.
  hold_state      text        NOT NULL CHECK (hold_state IN ('NONE', 'OPEN', 'POSTED', 'VOIDED')),
  -- Whether Redis has applied this transfer's last PostgreSQL change (post or void); a rebuild that
  -- already includes the change marks it applied in Redis, so the pending update is skipped, not doubled.
  redis_applied   boolean     NOT NULL DEFAULT true,
  risk_decision   text        CHECK (risk_decision IN ('PASS', 'REVIEW', 'BLOCK')),
  risk_score      double precision,
  failure_reason  text,
  submitted_at    timestamptz NOT NULL,
  settled_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (from_account_id <> to_account_id)
);
CREATE INDEX transactions_status_idx ON transactions (status, submitted_at);
CREATE INDEX transactions_from_idx ON transactions (from_account_id, submitted_at);
CREATE INDEX transactions_unapplied_idx ON transactions (from_account_id, to_account_id) WHERE hold_state = 'OPEN' OR NOT redis_applied;
CREATE INDEX transactions_to_idx ON transactions (to_account_id, submitted_at);

-- Double entry: one debit and one credit per settled transfer. The unique key is what makes
-- "at most one settlement per transfer" a database guarantee rather than a hope.
CREATE TABLE ledger_entries (
  id          bigserial PRIMARY KEY,
  transfer_id uuid        NOT NULL REFERENCES transactions (transfer_id),
  account_id  text        NOT NULL REFERENCES accounts (account_id),
  direction   text        NOT NULL CHECK (direction IN ('DEBIT', 'CREDIT')),
  amount      bigint      NOT NULL CHECK (amount > 0),
  posted_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (transfer_id, direction)
);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, posted_at);

-- Every status change a client can see; a status is entered at most once per transfer.
CREATE TABLE tx_history (
  id          bigserial PRIMARY KEY,
  transfer_id uuid        NOT NULL REFERENCES transactions (transfer_id),
  from_status text,
  to_status   text        NOT NULL,
  step        text        NOT NULL,
  reason      text,
  actor       text,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (transfer_id, to_status)
);

-- What syncCompensation and reconciliation repaired, and why.
CREATE TABLE correction_log (
  id          bigserial PRIMARY KEY,
  transfer_id uuid,
  account_id  text,
  kind        text        NOT NULL,
  detail      jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX correction_log_transfer_idx ON correction_log (transfer_id);

CREATE TABLE rules (
  rule_id        text PRIMARY KEY,
  version        integer          NOT NULL CHECK (version > 0),
  name           text             NOT NULL,
  description    text,
  condition_json jsonb            NOT NULL,
  score          double precision NOT NULL,
  action         text             NOT NULL CHECK (action IN ('SCORE', 'REVIEW', 'BLOCK')),
  enabled        boolean          NOT NULL DEFAULT true,
  shadow         boolean          NOT NULL DEFAULT false,
  updated_by     text             NOT NULL,
  updated_at     timestamptz      NOT NULL DEFAULT now()
);

-- Every version of every rule; a version, once written, is never overwritten.
CREATE TABLE rule_history (
  rule_id        text             NOT NULL,
  version        integer          NOT NULL,
  name           text             NOT NULL,
  description    text,
  condition_json jsonb            NOT NULL,
  score          double precision NOT NULL,
  action         text             NOT NULL,
  enabled        boolean          NOT NULL,
  shadow         boolean          NOT NULL,
  deleted        boolean          NOT NULL DEFAULT false,
  changed_by     text             NOT NULL,
  changed_at     timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (rule_id, version)
);

CREATE TABLE risk_logs (
  id               bigserial PRIMARY KEY,
  transfer_id      uuid             NOT NULL UNIQUE REFERENCES transactions (transfer_id),
  decision         text             NOT NULL CHECK (decision IN ('PASS', 'REVIEW', 'BLOCK')),
  combined_score   double precision NOT NULL,
  anomaly_score    double precision NOT NULL,
  rule_set_version text             NOT NULL,
  model_version    text             NOT NULL,
  evaluated_at     timestamptz      NOT NULL DEFAULT now()
);

CREATE TABLE risk_rule_hits (
  id           bigserial PRIMARY KEY,
  transfer_id  uuid             NOT NULL REFERENCES transactions (transfer_id),
  rule_id      text             NOT NULL,
  rule_version integer          NOT NULL,
  hit          boolean          NOT NULL,
  shadow       boolean          NOT NULL,
  score        double precision NOT NULL,
  reason       text,
  UNIQUE (transfer_id, rule_id)
);

-- Events a consumer or the saga could not deliver or apply; resolved when repaired or re-driven.
CREATE TABLE dlq_events (
  id          bigserial PRIMARY KEY,
  source      text        NOT NULL,
  event_id    text,
  transfer_id uuid,
  payload     jsonb       NOT NULL,
  error       text        NOT NULL,
  status      text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'RESOLVED')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz
);
CREATE INDEX dlq_events_open_idx ON dlq_events (status, created_at);

-- Scoped to the caller: two users may pick the same key without colliding.
CREATE TABLE idempotency_keys (
  caller       text        NOT NULL,
  key          text        NOT NULL,
  request_hash text        NOT NULL,
  -- The normalised request, so a transfer can be shown before its saga has recorded it.
  request      jsonb       NOT NULL,
  transfer_id  uuid        NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- Consumer de-duplication by eventId, per consumer group, durable across restarts.
CREATE TABLE processed_events (
  consumer_group text        NOT NULL,
  event_id       text        NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

-- Down Migration

DROP TABLE processed_events, idempotency_keys, dlq_events, risk_rule_hits, risk_logs, rule_history, rules,
  correction_log, tx_history, ledger_entries, transactions, accounts;
