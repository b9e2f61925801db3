import {
  platformAccountId,
  RAIL_RESULT_SIGNAL,
  type RailResult,
  RETRY_STEP_SIGNAL,
  type RemittanceRequest,
  type RemittanceSagaInput,
  type RemittanceStatus,
  remittanceWorkflowId,
} from '../domain/remittance';
import { type Principal, isStaff } from '../domain/roles';
import { remittanceSearchAttributes } from '../domain/search-attributes';
import { TASK_QUEUE } from '../domain/temporal';
import { remittanceIdFor, requestHash as hashOf } from '../domain/transfer-id';
import { CallbackRefusedError } from '../rails/payment-rail';
import { bankAccountKey, type BusinessProfile } from '../remittances/business-profiles';
import type { CallbackOutcome } from '../remittances/remittance-ledger';
import { signalRemittanceSaga } from '../remittances/saga-signals';
import type {
  RailInstructionRow,
  RemittanceFailureRow,
  RemittanceHistoryRow,
  RemittancePosition,
  RemittanceRow,
} from '../remittances/remittance-reads';
import type { remittanceSaga } from '../workflows';
import type { UseCaseContext } from './context';
import { RequestRefused } from './errors';
import { refuseUnlessStarted } from './transfers';

/** A remittance as the API shapes it: its row, and for staff its instructions and failure records too. */
export interface RemittanceRecord {
  row: RemittanceRow;
  history: RemittanceHistoryRow[];
  instructions: RailInstructionRow[];
  failures: RemittanceFailureRow[];
}

/**
 * Accepts a business remittance and starts its saga. The caller's idempotency key decides the id: the
 * same key and body find the same remittance (also under concurrent duplicates), another body is a
 * conflict. Both bank accounts must be registered business profiles, and a customer may only remit
 * from a profile it owns. Nothing is written for a refused request.
 */
export async function submitRemittance(
  context: UseCaseContext,
  principal: Principal,
  key: string,
  request: RemittanceRequest,
): Promise<RemittanceRecord> {
  const requestHash = hashOf(request);
  const earlier = await context.remittanceReads.byCallerKey(principal.sub, key);
  if (earlier) return answerRepeat(context, earlier, requestHash);

  const { from, to } = await businessesOf(context, principal, request);
  const remittanceId = remittanceIdFor(principal.sub, key);
  const rail = context.config.rail.name;
  const accepted = await context.remittances.accept({
    remittanceId,
    caller: principal.sub,
    key,
    requestHash,
    rail,
    fromBusinessId: from.businessId,
    toBusinessId: to.businessId,
    facts: {
      rail,
      fromBusiness: request.fromBusiness,
      toBusiness: request.toBusiness,
      amount: request.amount,
      currency: request.currency,
      reference: request.reference,
    },
  });
  const row = await context.remittanceReads.byCallerKey(principal.sub, key);
  if (!row) throw new Error(`remittance ${remittanceId} vanished after it was accepted`);
  // Undefined: a concurrent twin with the same key recorded it first.
  if (!accepted) return answerRepeat(context, row, requestHash);
  await startSaga(context, row);
  context.serviceMetrics.remittancesSubmitted.inc();
  context.logger.info({ remittanceId, number: row.number }, 'remittance accepted');
  return { row, history: [], instructions: [], failures: [] };
}

/** The same key again: a conflict for another body, else the remittance as far as it has come. */
async function answerRepeat(context: UseCaseContext, row: RemittanceRow, requestHash: string) {
  if (row.requestHash !== requestHash) {
    throw new RequestRefused(
      'conflict',
      'idempotency-key-reused',
      'this Idempotency-Key was used with a different body',
      'Idempotency-Key',
    );
  }
  // Its start may have failed (Temporal unreachable): starting is idempotent per workflow id.
  if (row.status === 'REQUESTED') await startSaga(context, row);
  return recordOf(context, row);
}

/** A remittance its owner (the USER owning the sending business) or staff may see; anyone else gets 404. */
export async function getRemittance(
  context: UseCaseContext,
  principal: Principal,
  remittanceId: string,
): Promise<RemittanceRecord> {
  const row = await context.remittanceReads.get(remittanceId);
  if (!row || (!isStaff(principal) && row.fromBusiness.ownerId !== principal.sub)) {
    throw new RequestRefused('not-found', 'remittance-not-found', `no remittance ${remittanceId}`);
  }
  return recordOf(context, row);
}

/** The staff listing, newest first. */
export async function listRemittances(
  context: UseCaseContext,
  filter: { status?: RemittanceStatus; limit: number; after?: RemittancePosition },
): Promise<{ items: RemittanceRow[]; next?: RemittancePosition }> {
  const items = await context.remittanceReads.list(filter);
  const last = items.at(-1);
  return {
    items,
    ...(items.length === filter.limit && last
      ? { next: { createdAt: last.createdAt, remittanceId: last.remittanceId } }
      : {}),
  };
}

/**
 * An operator asks for another round of retries of an open failure record (its three are spent, and
 * the cause is fixed): the count starts again and the saga is asked at once.
 */
export async function retryRemittanceFailure(
  context: UseCaseContext,
  failureId: string,
): Promise<RemittanceFailureRow> {
  const rearmed = await context.remittances.retryNow(failureId);
  if (!rearmed) {
    throw new RequestRefused(
      'conflict',
      'failure-record-not-retryable',
      `failure record ${failureId} is not open, or a retry of it is running`,
    );
  }
  await signalRemittanceSaga(context.temporal, rearmed.remittanceId, RETRY_STEP_SIGNAL, { kind: rearmed.kind });
  const { failures } = await context.remittanceReads.details(rearmed.remittanceId);
  const failure = failures.find((one) => one.id === failureId);
  if (!failure) throw new Error(`failure record ${failureId} vanished`);
  return failure;
}

/**
 * A rail's callback: verified (signature and a 5-minute window), matched to the instruction it reports
 * on, and recorded; an outcome seen for the first time goes to the saga as a `railResult` signal. A
 * repeat changes nothing. Every call leaves a row in rail_callbacks, whatever its answer.
 */
export async function receiveRailCallback(
  context: UseCaseContext,
  railName: string,
  headers: { timestamp?: string; signature?: string },
  rawBody: string,
  /** Told the callback's reference once it verified: the audit trail's target. */
  noteReference: (reference: string) => void = () => undefined,
): Promise<{ outcome: Exclude<CallbackOutcome, 'unknown-reference'> }> {
  const { rail, remittances } = context;
  if (railName !== rail.name) {
    await remittances.logCallback({
      rail: railName,
      reference: null,
      status: null,
      outcome: 'refused',
      detail: 'unknown rail',
    });
    throw new RequestRefused('not-found', 'rail-not-found', `no rail ${railName}`, 'path.rail');
  }
  let callback;
  try {
    callback = rail.verifyCallback(headers, rawBody);
  } catch (error) {
    if (!(error instanceof CallbackRefusedError)) throw error;
    await remittances.logCallback({
      rail: railName,
      reference: null,
      status: null,
      outcome: 'refused',
      detail: error.message,
    });
    context.serviceMetrics.railCallbacks.inc({ outcome: `refused-${error.problem}` });
    throw new RequestRefused('unauthorized', `callback-${error.problem}`, error.message, 'Rail-Signature');
  }
  noteReference(callback.key);
  const { outcome, remittanceId } = await remittances.noteInstruction(callback.key, railName, callback);
  await remittances.logCallback({ rail: railName, reference: callback.key, status: callback.status, outcome });
  context.serviceMetrics.railCallbacks.inc({ outcome });
  if (outcome === 'unknown-reference') {
    throw new RequestRefused('not-found', 'instruction-not-found', `no instruction ${callback.key}`, 'reference');
  }
  if (outcome === 'contradicts') {
    context.logger.error(
      { reference: callback.key, status: callback.status },
      'a rail callback contradicts the outcome on record',
    );
  }
  if (outcome === 'applied' && remittanceId && (callback.status === 'SUCCEEDED' || callback.status === 'FAILED')) {
    const result: RailResult = {
      key: callback.key,
      status: callback.status,
      ...(callback.reason ? { reason: callback.reason } : {}),
    };
    // The outcome is recorded; a saga that misses this signal finds it through the rail's status endpoint.
    await signalRemittanceSaga(context.temporal, remittanceId, RAIL_RESULT_SIGNAL, result).catch((error: unknown) =>
      context.logger.warn({ err: error, reference: callback.key }, 'the saga did not take a rail result'),
    );
  }
  return { outcome };
}

async function recordOf(context: UseCaseContext, row: RemittanceRow): Promise<RemittanceRecord> {
  return { row, ...(await context.remittanceReads.details(row.remittanceId)) };
}

async function businessesOf(
  context: UseCaseContext,
  principal: Principal,
  request: RemittanceRequest,
): Promise<{ from: BusinessProfile; to: BusinessProfile }> {
  if (bankAccountKey(request.fromBusiness) === bankAccountKey(request.toBusiness)) {
    throw new RequestRefused(
      'unprocessable',
      'same-business',
      'toBusiness must be another bank account than fromBusiness',
      'toBusiness',
    );
  }
  const profiles = await context.businessProfiles.byAccounts([request.fromBusiness, request.toBusiness]);
  const from = profiles.get(bankAccountKey(request.fromBusiness));
  // A customer learns nothing of profiles it does not own.
  if (!from || (!isStaff(principal) && from.ownerId !== principal.sub)) {
    throw new RequestRefused(
      'not-found',
      'business-not-found',
      'fromBusiness is not a business profile of yours',
      'fromBusiness',
    );
  }
  const to = profiles.get(bankAccountKey(request.toBusiness));
  if (!to) {
    throw new RequestRefused(
      'unprocessable',
      'business-not-found',
      'toBusiness is not a registered business profile',
      'toBusiness',
    );
  }
  return { from, to };
}

function sagaInput(context: UseCaseContext, row: RemittanceRow): RemittanceSagaInput {
  return {
    remittanceId: row.remittanceId,
    number: row.number,
    rail: row.rail,
    platformAccountId: platformAccountId(row.currency),
    fromBusiness: { bank: row.fromBusiness.bank, account: row.fromBusiness.account },
    toBusiness: { bank: row.toBusiness.bank, account: row.toBusiness.account },
    amount: row.amount,
    currency: row.currency,
    reference: row.reference,
    requestedBy: row.requestedBy,
    submittedAt: new Date(row.createdAt).toISOString(),
    timings: {
      forwardRetryIntervalMs: context.config.saga.forwardRetryIntervalMs,
      stuckAfterMs: context.config.saga.stuckAfterMs,
      callbackTimeoutMs: context.config.remittances.callbackTimeoutMs,
    },
  };
}

async function startSaga(context: UseCaseContext, row: RemittanceRow): Promise<void> {
  const input = sagaInput(context, row);
  try {
    await context.temporal.workflow.start<typeof remittanceSaga>('remittanceSaga', {
      taskQueue: TASK_QUEUE,
      workflowId: remittanceWorkflowId(input.remittanceId),
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowTaskTimeout: context.config.temporal.workflowTaskTimeoutMs,
      typedSearchAttributes: [
        { key: remittanceSearchAttributes.status, value: 'REQUESTED' },
        { key: remittanceSearchAttributes.fromBusiness, value: bankAccountKey(input.fromBusiness) },
        { key: remittanceSearchAttributes.toBusiness, value: bankAccountKey(input.toBusiness) },
        { key: remittanceSearchAttributes.amountMinor, value: input.amount },
      ],
    });
  } catch (error) {
    refuseUnlessStarted(error, 'the remittance is recorded — retry with the same Idempotency-Key to start it');
  }
}

/** Registers a business that may send or receive remittances; its id and its bank account are each taken once. */
export async function registerBusiness(
  context: UseCaseContext,
  principal: Principal,
  profile: BusinessProfile,
): Promise<BusinessProfile> {
  if (!(await context.businessProfiles.register({ ...profile, createdBy: principal.sub }))) {
    throw new RequestRefused(
      'conflict',
      'business-exists',
      'a business profile with this businessId or this bank account is registered already',
      'businessId',
    );
  }
  return profile;
}
