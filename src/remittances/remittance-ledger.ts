import type { Pool, PoolClient } from 'pg';

import { inTransaction } from '../db/transaction';
import type { EventData } from '../domain/events';
import {
  type PlatformLeg,
  type RemittanceFailureKind,
  type RemittanceSagaInput,
  type RemittanceStatus,
  type RemittanceStep,
} from '../domain/remittance';
import type { RemittanceEventType } from '../domain/topics';
import { writeRemittanceEvent } from '../events/outbox';

/** Raised when the saga asks for a change the remittance's current status does not allow. */
export class RemittanceTransitionError extends Error {
  override readonly name = 'RemittanceTransitionError';
}

/** The platform account cannot take the leg: closed by an operator, or short of the amount. */
export class PlatformAccountRefusedError extends Error {
  override readonly name = 'PlatformAccountRefusedError';
}

/** A status change the saga asks for, with the event that makes it public (when it has one). */
export interface RemittanceTransition {
  to: RemittanceStatus;
  step: RemittanceStep;
  reason?: string;
  event?: 'remittance.deposited' | 'remittance.withdrawn' | 'remittance.completed' | 'remittance.failed';
  /** For remittance.failed: whether A's money went back. */
  refunded?: boolean;
}

/** What a leg on the platform account left for Redis to do. */
export interface LegOutcome {
  /** Redis has already applied this leg (an earlier run got that far). */
  redisApplied: boolean;
}

/** The order statuses are entered in, so a transition that ran before is recognised and not repeated. */
const ORDER: Record<RemittanceStatus, number> = {
  REQUESTED: 0,
  DEPOSIT_PENDING: 1,
  DEPOSITED: 2,
  WITHDRAWN: 3,
  REFUNDING: 4,
  COMPLETED: 5,
  FAILED: 5,
};

/** Where a leg goes: the platform account gains (deposit, reversal) or gives back (withdraw, refund). */
const DIRECTION: Record<PlatformLeg, 'CREDIT' | 'DEBIT'> = {
  deposit: 'CREDIT',
  reversal: 'CREDIT',
  withdraw: 'DEBIT',
  refund: 'DEBIT',
};

/**
 * The remittances' write model in PostgreSQL: the request, its status history, the legs booked on the
 * platform account against the rail's clearing account, the rail instructions and callbacks, and the
 * failure records. Every write is idempotent per remittance and step, so a step may run again after a
 * crash, and each status change writes its event into the outbox in the same transaction.
 */
export class RemittanceLedger {
  constructor(private readonly pool: Pool) {}

  /**
   * Records an accepted request as REQUESTED with remittance.requested, unless the caller's key already
   * has one; answers the remittance's number, or undefined when the key was taken (by a concurrent twin).
   * The twin holds the same id (it comes from the key), so either unique index may be the one that meets
   * it: any conflict means the twin won.
   */
  async accept(request: {
    remittanceId: string;
    caller: string;
    key: string;
    requestHash: string;
    rail: string;
    fromBusinessId: string;
    toBusinessId: string;
    facts: Omit<EventData['remittance.requested'], 'number'>;
  }): Promise<{ number: number; createdAt: Date } | undefined> {
    return inTransaction(this.pool, async (client) => {
      const { facts } = request;
      const { rows } = await client.query<{ number: string; createdAt: Date }>(
        `INSERT INTO remittances (remittance_id, caller, idempotency_key, request_hash, rail, from_business, to_business,
                                  amount, currency, reference, status, step)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'REQUESTED', 'requested')
         ON CONFLICT DO NOTHING
         RETURNING number, created_at AS "createdAt"`,
        [
          request.remittanceId,
          request.caller,
          request.key,
          request.requestHash,
          request.rail,
          request.fromBusinessId,
          request.toBusinessId,
          facts.amount,
          facts.currency,
          facts.reference,
        ],
      );
      const accepted = rows[0];
      if (!accepted) return undefined;
      const number = Number(accepted.number);
      await addHistory(client, request.remittanceId, null, 'REQUESTED', 'requested', null);
      await writeRemittanceEvent(client, 'remittance.requested', request.remittanceId, { number, ...facts });
      return { number, createdAt: accepted.createdAt };
    });
  }

  /** Moves the remittance on (no money moves with it); a transition already made changes nothing. */
  async advance(input: RemittanceSagaInput, transition: RemittanceTransition): Promise<void> {
    await inTransaction(this.pool, (client) => applyTransition(client, input, transition));
  }

  /**
   * Books a credit leg (deposit, reversal) on the platform account against the rail's clearing account,
   * with the transition it makes, in one transaction. Creates the platform account on its first use. Run
   * again, it finds the leg booked and only answers whether Redis has it.
   */
  async credit(input: RemittanceSagaInput, leg: 'deposit' | 'reversal', transition: RemittanceTransition) {
    return inTransaction(this.pool, async (client): Promise<LegOutcome> => {
      await lockRemittance(client, input.remittanceId);
      const booked = await findLeg(client, input.remittanceId, leg);
      if (booked) return { redisApplied: booked.redisApplied };
      await openPlatformAccount(client, input);
      await checkPlatformAccountOpen(client, input.platformAccountId);
      await bookCredit(client, input, leg);
      await applyTransition(client, input, transition);
      return { redisApplied: false };
    });
  }

  /**
   * The first half of a debit leg (withdraw, refund): records its hold as OPEN, before Redis holds the
   * money, so that a Redis rebuild in between counts the hold. Answers the hold's state as recorded.
   */
  async holdDebit(input: RemittanceSagaInput, leg: 'withdraw' | 'refund'): Promise<'OPEN' | 'POSTED'> {
    return inTransaction(this.pool, async (client) => {
      await lockRemittance(client, input.remittanceId);
      const booked = await findLeg(client, input.remittanceId, leg);
      if (booked?.holdState === 'POSTED') return 'POSTED';
      if (booked?.holdState === 'OPEN') return 'OPEN';
      await checkPlatformAccountOpen(client, input.platformAccountId);
      await openClearingAccount(client, input);
      await client.query(
        `INSERT INTO platform_postings (remittance_id, leg, account_id, rail, currency, direction, amount, hold_state)
         VALUES ($1, $2, $3, $4, $5, 'DEBIT', $6, 'OPEN')
         ON CONFLICT (remittance_id, leg) DO NOTHING`,
        [input.remittanceId, leg, input.platformAccountId, input.rail, input.currency, input.amount],
      );
      return 'OPEN';
    });
  }

  /**
   * The second half of a debit leg: posts the held amount off the platform account onto the clearing
   * account, with the transition it makes, in one transaction. Run again, it changes nothing.
   */
  async postDebit(input: RemittanceSagaInput, leg: 'withdraw' | 'refund', transition: RemittanceTransition) {
    return inTransaction(this.pool, async (client): Promise<LegOutcome> => {
      await lockRemittance(client, input.remittanceId);
      const booked = await findLeg(client, input.remittanceId, leg);
      if (booked?.holdState === 'POSTED') return { redisApplied: booked.redisApplied };
      if (booked?.holdState !== 'OPEN')
        throw new RemittanceTransitionError(`the ${leg} of ${input.remittanceId} is not held`);
      await moveMoney(client, input, leg);
      await client.query(
        `UPDATE platform_postings SET hold_state = 'POSTED', posted_at = now() WHERE remittance_id = $1 AND leg = $2`,
        [input.remittanceId, leg],
      );
      await applyTransition(client, input, transition);
      return { redisApplied: false };
    });
  }

  /** Notes that Redis has applied a leg, so a later Redis rebuild need not replay it. */
  async markLegApplied(remittanceId: string, leg: PlatformLeg): Promise<void> {
    await this.pool.query('UPDATE platform_postings SET redis_applied = true WHERE remittance_id = $1 AND leg = $2', [
      remittanceId,
      leg,
    ]);
  }

  /**
   * Opens the failure record of a step that could not finish, or answers the one already open (a step
   * that failed again keeps its record, with the newer error). Answers whether this call opened it.
   */
  async openFailure(remittanceId: string, kind: RemittanceFailureKind, error: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ opened: boolean }>(
      `INSERT INTO remittance_failures (remittance_id, kind, error) VALUES ($1, $2, $3)
       ON CONFLICT (remittance_id, kind) WHERE status = 'OPEN'
         DO UPDATE SET error = EXCLUDED.error, retrying_since = NULL, updated_at = now()
       RETURNING (xmax = 0) AS opened`,
      [remittanceId, kind, error.slice(0, 2000)],
    );
    return rows[0]?.opened ?? false;
  }

  /** Closes the open failure record of a step that has now finished. */
  async resolveFailure(remittanceId: string, kind: RemittanceFailureKind): Promise<void> {
    await this.pool.query(
      `UPDATE remittance_failures SET status = 'RESOLVED', resolved_at = now(), retrying_since = NULL, updated_at = now()
       WHERE remittance_id = $1 AND kind = $2 AND status = 'OPEN'`,
      [remittanceId, kind],
    );
  }

  /**
   * Claims the open records whose next retry is due: fewer than `maxRetries` so far, none running (or
   * one that has run for longer than `staleAfterMs`, its saga gone quiet). Each claim counts a retry.
   */
  async claimRetries(maxRetries: number, staleAfterMs: number, limit = 50) {
    const { rows } = await this.pool.query<{
      id: string;
      remittanceId: string;
      kind: RemittanceFailureKind;
      retries: number;
    }>(
      `UPDATE remittance_failures SET retries = retries + 1, retrying_since = now(), updated_at = now()
       WHERE id IN (
         SELECT id FROM remittance_failures
         WHERE status = 'OPEN' AND retries < $1
           AND (retrying_since IS NULL OR retrying_since < now() - make_interval(secs => $2 / 1000.0))
         ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id::text, remittance_id AS "remittanceId", kind, retries`,
      [maxRetries, staleAfterMs, limit],
    );
    return rows;
  }

  /** Open records whose retries are spent and whose last retry has finished, not alerted yet; marks them alerted. */
  async claimExhausted(maxRetries: number, limit = 50) {
    const { rows } = await this.pool.query<{
      id: string;
      remittanceId: string;
      kind: RemittanceFailureKind;
      error: string;
    }>(
      `UPDATE remittance_failures SET exhausted_alerted_at = now(), updated_at = now()
       WHERE id IN (
         SELECT id FROM remittance_failures
         WHERE status = 'OPEN' AND retries >= $1 AND retrying_since IS NULL AND exhausted_alerted_at IS NULL
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id::text, remittance_id AS "remittanceId", kind, error`,
      [maxRetries, limit],
    );
    return rows;
  }

  /**
   * An operator retries an open record now: its count starts again with this retry, and no alert is
   * left standing. Answers undefined when the record is not open, or a retry of it is running.
   */
  async retryNow(id: string): Promise<{ remittanceId: string; kind: RemittanceFailureKind } | undefined> {
    const { rows } = await this.pool.query<{ remittanceId: string; kind: RemittanceFailureKind }>(
      `UPDATE remittance_failures SET retries = 1, exhausted_alerted_at = NULL, retrying_since = now(), updated_at = now()
       WHERE id = $1 AND status = 'OPEN' AND retrying_since IS NULL RETURNING remittance_id AS "remittanceId", kind`,
      [id],
    );
    return rows[0];
  }

  /** Records an instruction before it is sent, so its callback finds it even when it overtakes the answer. */
  async recordInstruction(instruction: {
    key: string;
    rail: string;
    remittanceId: string;
    type: string;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO rail_instructions (key, rail, remittance_id, type, status) VALUES ($1, $2, $3, $4, 'SENT')
       ON CONFLICT (key) DO NOTHING`,
      [instruction.key, instruction.rail, instruction.remittanceId, instruction.type],
    );
  }

  /**
   * Notes what the rail answered or reported for an instruction. An outcome, once recorded, stays: a
   * later, different one is reported as `contradicts`, a repeat as `duplicate`.
   */
  async noteInstruction(
    key: string,
    rail: string,
    report: { instructionId?: string; status: 'PENDING' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED'; reason?: string },
  ): Promise<{ outcome: CallbackOutcome; remittanceId?: string }> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ status: string; remittanceId: string }>(
        `SELECT status, remittance_id AS "remittanceId" FROM rail_instructions WHERE key = $1 AND rail = $2 FOR UPDATE`,
        [key, rail],
      );
      const current = rows[0];
      if (!current) return { outcome: 'unknown-reference' };
      const { remittanceId } = current;
      const final = current.status === 'SUCCEEDED' || current.status === 'FAILED';
      if (final) {
        if (report.status === current.status) return { outcome: 'duplicate', remittanceId };
        return {
          outcome: report.status === 'SUCCEEDED' || report.status === 'FAILED' ? 'contradicts' : 'late',
          remittanceId,
        };
      }
      const status = report.status === 'PROCESSING' ? 'PENDING' : report.status;
      await client.query(
        `UPDATE rail_instructions SET status = $3, instruction_id = COALESCE($4, instruction_id), reason = $5,
           updated_at = now()
         WHERE key = $1 AND rail = $2`,
        [key, rail, status, report.instructionId ?? null, report.reason ?? null],
      );
      return { outcome: status === 'PENDING' ? 'progress' : 'applied', remittanceId };
    });
  }

  /** One row per callback a rail made, whatever became of it. */
  async logCallback(entry: {
    rail: string;
    reference: string | null;
    status: string | null;
    outcome: CallbackOutcome | 'refused';
    detail?: string;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO rail_callbacks (rail, reference, status, outcome, detail) VALUES ($1, $2, $3, $4, $5)`,
      [
        entry.rail,
        entry.reference?.slice(0, 300) ?? null,
        entry.status,
        entry.outcome,
        entry.detail?.slice(0, 500) ?? null,
      ],
    );
  }
}

/** What a rail's report did: became the outcome, repeated it, contradicted it, showed progress, or was for nothing we sent. */
export type CallbackOutcome = 'applied' | 'duplicate' | 'contradicts' | 'progress' | 'late' | 'unknown-reference';

async function lockRemittance(client: PoolClient, remittanceId: string): Promise<RemittanceStatus> {
  const { rows } = await client.query<{ status: RemittanceStatus }>(
    'SELECT status FROM remittances WHERE remittance_id = $1 FOR NO KEY UPDATE',
    [remittanceId],
  );
  const row = rows[0];
  if (!row) throw new RemittanceTransitionError(`remittance ${remittanceId} is not recorded`);
  return row.status;
}

/**
 * Moves the remittance to `transition.to` with its history row and event, unless it is there or past it
 * already (the step ran before). COMPLETED and FAILED are final.
 */
async function applyTransition(client: PoolClient, input: RemittanceSagaInput, transition: RemittanceTransition) {
  const current = await lockRemittance(client, input.remittanceId);
  if (current === transition.to) return;
  if (ORDER[current] >= ORDER[transition.to]) {
    if (ORDER[current] === ORDER.COMPLETED) {
      throw new RemittanceTransitionError(
        `remittance ${input.remittanceId} is ${current}; it cannot become ${transition.to}`,
      );
    }
    return;
  }
  await client.query(
    `UPDATE remittances SET status = $2, step = $3, failure_reason = COALESCE($4, failure_reason), updated_at = now()
     WHERE remittance_id = $1`,
    [
      input.remittanceId,
      transition.to,
      transition.step,
      transition.to === 'FAILED' ? (transition.reason ?? null) : null,
    ],
  );
  await addHistory(client, input.remittanceId, current, transition.to, transition.step, transition.reason ?? null);
  if (transition.event) await writeEvent(client, input, transition);
}

async function writeEvent(client: PoolClient, input: RemittanceSagaInput, transition: RemittanceTransition) {
  const facts = {
    number: input.number,
    rail: input.rail,
    fromBusiness: input.fromBusiness,
    toBusiness: input.toBusiness,
    amount: input.amount,
    currency: input.currency,
    reference: input.reference,
  };
  const type: RemittanceEventType | undefined = transition.event;
  if (type === 'remittance.deposited' || type === 'remittance.withdrawn') {
    await writeRemittanceEvent(client, type, input.remittanceId, {
      ...facts,
      platformAccountId: input.platformAccountId,
    });
  } else if (type === 'remittance.completed') {
    await writeRemittanceEvent(client, type, input.remittanceId, facts);
  } else if (type === 'remittance.failed') {
    await writeRemittanceEvent(client, type, input.remittanceId, {
      ...facts,
      reason: transition.reason ?? 'failed',
      refunded: transition.refunded ?? false,
    });
  }
}

async function addHistory(
  client: PoolClient,
  remittanceId: string,
  fromStatus: RemittanceStatus | null,
  toStatus: RemittanceStatus,
  step: RemittanceStep,
  reason: string | null,
): Promise<void> {
  await client.query(
    `INSERT INTO remittance_history (remittance_id, from_status, to_status, step, reason)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (remittance_id, to_status) DO NOTHING`,
    [remittanceId, fromStatus, toStatus, step, reason],
  );
}

async function findLeg(client: PoolClient, remittanceId: string, leg: PlatformLeg) {
  const { rows } = await client.query<{ holdState: 'NONE' | 'OPEN' | 'POSTED' | 'VOIDED'; redisApplied: boolean }>(
    `SELECT hold_state AS "holdState", redis_applied AS "redisApplied" FROM platform_postings
     WHERE remittance_id = $1 AND leg = $2`,
    [remittanceId, leg],
  );
  return rows[0];
}

/** The platform account of the currency, opened empty the first time a rail's money is booked on it. */
async function openPlatformAccount(client: PoolClient, input: RemittanceSagaInput): Promise<void> {
  await client.query(
    `INSERT INTO accounts (account_id, owner_id, currency, balance, initial_balance, opened_by)
     VALUES ($1, 'platform', $2, 0, 0, 'remittanceSaga') ON CONFLICT (account_id) DO NOTHING`,
    [input.platformAccountId, input.currency],
  );
}

async function checkPlatformAccountOpen(client: PoolClient, accountId: string): Promise<void> {
  const { rows } = await client.query<{ status: string }>('SELECT status FROM accounts WHERE account_id = $1', [
    accountId,
  ]);
  const status = rows[0]?.status;
  if (status !== 'OPEN')
    throw new PlatformAccountRefusedError(`platform account ${accountId} is ${status ?? 'missing'}`);
}

/** The rail's clearing account in the currency, opened at zero the first time a leg is booked against it. */
async function openClearingAccount(client: PoolClient, input: RemittanceSagaInput): Promise<void> {
  await client.query(
    `INSERT INTO clearing_accounts (rail, currency) VALUES ($1, $2) ON CONFLICT (rail, currency) DO NOTHING`,
    [input.rail, input.currency],
  );
}

/** Books a credit leg: posted at once, since nothing is held for money coming in. */
async function bookCredit(client: PoolClient, input: RemittanceSagaInput, leg: 'deposit' | 'reversal') {
  await openClearingAccount(client, input);
  await client.query(
    `INSERT INTO platform_postings (remittance_id, leg, account_id, rail, currency, direction, amount, hold_state, posted_at)
     VALUES ($1, $2, $3, $4, $5, 'CREDIT', $6, 'NONE', now())`,
    [input.remittanceId, leg, input.platformAccountId, input.rail, input.currency, input.amount],
  );
  await moveMoney(client, input, leg);
}

/**
 * The double entry of a leg: the platform account and the rail's clearing account move by the same
 * amount in opposite directions, so their sum (and the funded total) never changes. A debit the
 * platform account cannot cover is refused.
 */
async function moveMoney(client: PoolClient, input: RemittanceSagaInput, leg: PlatformLeg): Promise<void> {
  const signed = DIRECTION[leg] === 'CREDIT' ? input.amount : -input.amount;
  const { rowCount } = await client.query(
    `UPDATE accounts SET balance = balance + $2::bigint, updated_at = now()
     WHERE account_id = $1 AND balance + $2::bigint >= 0`,
    [input.platformAccountId, signed],
  );
  if (rowCount !== 1) {
    throw new PlatformAccountRefusedError(`platform account ${input.platformAccountId} cannot cover ${input.amount}`);
  }
  await client.query(
    `UPDATE clearing_accounts SET balance = balance - $3::bigint, updated_at = now() WHERE rail = $1 AND currency = $2`,
    [input.rail, input.currency, signed],
  );
}
