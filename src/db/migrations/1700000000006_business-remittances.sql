-- Up Migration

-- The businesses that may send or receive remittances: one bank account each, owned by a customer
-- (the USER whose `sub` is owner_id may remit from it).
CREATE TABLE business_profiles (
  business_id text PRIMARY KEY,
  owner_id    text        NOT NULL,
  name        text        NOT NULL,
  bank        text        NOT NULL,
  account     text        NOT NULL,
  created_by  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (bank, account)
);
CREATE INDEX business_profiles_owner_idx ON business_profiles (owner_id);

-- Each remittance: A → platform → B over one rail. The caller's idempotency key is kept with it, for
-- as long as the remittance is (DESIGN.md §4 asks at least 24 hours).
CREATE SEQUENCE remittance_numbers;
CREATE TABLE remittances (
  remittance_id   uuid PRIMARY KEY,
  number          bigint      NOT NULL UNIQUE DEFAULT nextval('remittance_numbers'),
  caller          text        NOT NULL,
  idempotency_key text        NOT NULL,
  request_hash    text        NOT NULL,
  rail            text        NOT NULL,
  from_business   text        NOT NULL REFERENCES business_profiles (business_id),
  to_business     text        NOT NULL REFERENCES business_profiles (business_id),
  amount          bigint      NOT NULL CHECK (amount > 0),
  currency        char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  reference       text        NOT NULL,
  status          text        NOT NULL CHECK (status IN (
                    'REQUESTED', 'DEPOSIT_PENDING', 'DEPOSITED', 'WITHDRAWN', 'REFUNDING', 'COMPLETED', 'FAILED')),
  step            text        NOT NULL,
  failure_reason  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (caller, idempotency_key)
);
CREATE INDEX remittances_status_idx ON remittances (status, created_at);
CREATE INDEX remittances_created_idx ON remittances (created_at DESC, remittance_id DESC);
ALTER SEQUENCE remittance_numbers OWNED BY remittances.number;

-- Every status change, as tx_history records a transfer's; a status is entered at most once.
CREATE TABLE remittance_history (
  id            bigserial PRIMARY KEY,
  remittance_id uuid        NOT NULL REFERENCES remittances (remittance_id),
  from_status   text,
  to_status     text        NOT NULL,
  step          text        NOT NULL,
  reason        text,
  occurred_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (remittance_id, to_status)
);

-- What each rail holds for the platform, from the ledger's side: a contra account, so a deposit credits
-- the platform account and debits this one, and Σ internal balances + Σ clearing balances stays the
-- funded total. Its balance is minus what the rail says it holds for the platform.
CREATE TABLE clearing_accounts (
  rail       text        NOT NULL,
  currency   char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  balance    bigint      NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rail, currency)
);

-- The double entry of each leg on the platform account: one per remittance and leg, against the
-- rail's clearing account. A debit leg is held (in Redis, and OPEN here) before it is posted; a Redis
-- rebuild reads the OPEN holds and the legs Redis has not applied yet from here.
CREATE TABLE platform_postings (
  remittance_id uuid        NOT NULL REFERENCES remittances (remittance_id),
  leg           text        NOT NULL CHECK (leg IN ('deposit', 'withdraw', 'reversal', 'refund')),
  account_id    text        NOT NULL REFERENCES accounts (account_id),
  rail          text        NOT NULL,
  currency      char(3)     NOT NULL,
  direction     text        NOT NULL CHECK (direction IN ('DEBIT', 'CREDIT')),
  amount        bigint      NOT NULL CHECK (amount > 0),
  hold_state    text        NOT NULL CHECK (hold_state IN ('NONE', 'OPEN', 'POSTED', 'VOIDED')),
  redis_applied boolean     NOT NULL DEFAULT false,
  posted_at     timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (remittance_id, leg),
  FOREIGN KEY (rail, currency) REFERENCES clearing_accounts (rail, currency)
);
CREATE INDEX platform_postings_open_idx ON platform_postings (account_id) WHERE hold_state = 'OPEN' OR NOT redis_applied;

-- Every instruction sent to a rail, written before it is sent, so a callback that overtakes the
-- instruction's answer still finds its reference.
CREATE TABLE rail_instructions (
  key            text PRIMARY KEY,
  rail           text        NOT NULL,
  remittance_id  uuid        NOT NULL REFERENCES remittances (remittance_id),
  type           text        NOT NULL CHECK (type IN ('collect', 'payout', 'refund')),
  instruction_id text,
  status         text        NOT NULL CHECK (status IN ('SENT', 'PENDING', 'SUCCEEDED', 'FAILED')),
  reason         text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rail_instructions_remittance_idx ON rail_instructions (remittance_id);

-- Every callback a rail made, verified or not, and what it did: the rail's side of the audit trail.
CREATE TABLE rail_callbacks (
  id          bigserial PRIMARY KEY,
  rail        text        NOT NULL,
  reference   text,
  status      text,
  outcome     text        NOT NULL CHECK (outcome IN (
                'applied', 'duplicate', 'progress', 'late', 'contradicts', 'unknown-reference', 'refused')),
  detail      text,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rail_callbacks_reference_idx ON rail_callbacks (reference, received_at);

-- The failure records (deposit, withdrawal, payout): a step that could not finish within its retries.
-- The retry batch asks the saga to try again, up to three times, then alerts; one OPEN record per
-- remittance and kind.
CREATE TABLE remittance_failures (
  id             bigserial PRIMARY KEY,
  remittance_id  uuid        NOT NULL REFERENCES remittances (remittance_id),
  kind           text        NOT NULL CHECK (kind IN ('deposit', 'withdrawal', 'payout')),
  status         text        NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'RESOLVED')),
  error          text        NOT NULL,
  retries        integer     NOT NULL DEFAULT 0,
  -- Set while a retry the batch asked for is running; the saga clears it with the retry's outcome.
  retrying_since timestamptz,
  exhausted_alerted_at timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  resolved_at    timestamptz
);
CREATE UNIQUE INDEX remittance_failures_open_idx ON remittance_failures (remittance_id, kind) WHERE status = 'OPEN';

-- Down Migration

DROP TABLE remittance_failures, rail_callbacks, rail_instructions, platform_postings, clearing_accounts,
  remittance_history, remittances, business_profiles;
