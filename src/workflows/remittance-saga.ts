import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';

import type { Activities } from '../activities';
import { ErrorType } from '../domain/errors';
import {
  instructionKey,
  isRemittanceTerminal,
  RAIL_RESULT_SIGNAL,
  type RailResult,
  RETRY_STEP_SIGNAL,
  type RemittanceFailureKind,
  type RemittanceSagaInput,
  type RemittanceState,
  type RemittanceStatus,
  type RemittanceStep,
} from '../domain/remittance';
import { remittanceSearchAttributes } from '../domain/search-attributes';
import type { RailAnswer, RailInstructionType } from '../rails/payment-rail';
import { alertOperatorsBestEffort } from './alerts';
import { forwardStep, localForwardStep, localUntilDone, untilDone } from './options';

/** Query `status`: where the remittance is, every status it has had, and its rail instructions. */
export const remittanceStatusQuery = defineQuery<RemittanceState>('status');
/** Signal `railResult`: a rail callback's outcome, verified by the API. */
export const railResultSignal = defineSignal<[RailResult]>(RAIL_RESULT_SIGNAL);
/** Signal `retryStep`: try the step of this failure record again (the retry batch, or an operator). */
export const retryStepSignal = defineSignal<[{ kind: RemittanceFailureKind }]>(RETRY_STEP_SIGNAL);

/**
 * One business remittance (issue 17): collect from A over the rail, book it on the platform account,
 * withdraw it for the payout, pay B over the rail. Each rail leg is an instruction with its own key,
 * answered by a signed callback (a signal) or, when that is late, by the rail's status endpoint. A
 * refused payout is compensated: the money goes back on the platform account, then back to A over the
 * rail. A step that cannot finish leaves a failure record and waits for the retry batch to ask again;
 * nothing is ever dropped, and the stuck alert covers the wait.
 */
export async function remittanceSaga(input: RemittanceSagaInput): Promise<RemittanceState> {
  const { remittanceId, timings } = input;
  const local = proxyLocalActivities<Activities>(localForwardStep(timings.forwardRetryIntervalMs));
  const record = proxyLocalActivities<Activities>(localUntilDone);
  const rail = proxyActivities<Activities>(forwardStep(timings.forwardRetryIntervalMs));
  const railStatus = proxyActivities<Activities>(untilDone);

  const state: RemittanceState = {
    remittanceId,
    status: 'REQUESTED',
    step: 'collect',
    history: [{ status: 'REQUESTED', step: 'requested', at: input.submittedAt }],
    instructions: {},
    repaired: [],
  };
  const results = new Map<string, RailResult>();
  const retries: RemittanceFailureKind[] = [];
  setHandler(remittanceStatusQuery, () => state);
  setHandler(railResultSignal, (result: RailResult) => {
    if (result?.key && (result.status === 'SUCCEEDED' || result.status === 'FAILED') && !results.has(result.key)) {
      results.set(result.key, result);
    }
  });
  setHandler(retryStepSignal, ({ kind }) => {
    if (kind === state.waitingOn) retries.push(kind);
  });

  const alert = (title: string, fields: Record<string, string | number | undefined>) =>
    alertOperatorsBestEffort({
      title,
      remittanceId,
      fields: { amount: `${input.amount} ${input.currency}`, status: state.status, step: state.step, ...fields },
    });
  raiseAlarmIfStuck();

  const collected = await railLeg('collect', instructionKey(remittanceId, 'collect'));
  if (collected.status === 'FAILED') {
    const reason = `the rail refused the collection: ${collected.reason ?? 'no reason given'}`;
    await moveTo({ to: 'FAILED', step: 'done', reason, event: 'remittance.failed', refunded: false });
    return state;
  }
  await moveTo({ to: 'DEPOSIT_PENDING', step: 'deposit' });

  await untilItFinishes('deposit', 'deposit', () => local.depositRemittance(input));
  settled('DEPOSITED', 'withdraw');
  await untilItFinishes('withdraw', 'withdrawal', () => local.withdrawRemittance(input));
  settled('WITHDRAWN', 'payout');

  const paid = await railLeg('payout', instructionKey(remittanceId, 'payout'));
  if (paid.status === 'SUCCEEDED') {
    await moveTo({ to: 'COMPLETED', step: 'done', event: 'remittance.completed' });
    return state;
  }
  await refundToSender(`the rail refused the payout: ${paid.reason ?? 'no reason given'}`);
  return state;

  /**
   * The compensation of a refused payout: the withdrawal is reversed on the platform account, then A's
   * money goes back over the rail. A refused refund leaves a payout-failure record and an alert; each
   * retry is a new instruction (the refused one moved nothing), until the rail takes one.
   */
  async function refundToSender(reason: string): Promise<void> {
    state.step = 'reverse';
    // Compensation never gives up: what it books retries until it is booked (an operator may have to reopen
    // the platform account), since A's money is owed either way.
    await record.reverseWithdrawal({ input, reason });
    settled('REFUNDING', 'refund', reason);
    for (let attempt = 1; ; attempt += 1) {
      const refunded = await railLeg('refund', instructionKey(remittanceId, 'refund', attempt));
      if (refunded.status === 'SUCCEEDED') break;
      const refusal = `the rail refused the refund: ${refunded.reason ?? 'no reason given'}`;
      if (await record.recordRemittanceFailure({ remittanceId, kind: 'payout', error: refusal })) {
        await alert('Remittance payout failed and its refund was refused', { reason: refusal, sender: account() });
      }
      await retryAsked('payout');
    }
    await record.bookRefund({ input, reason: `${reason}; the money went back to the sender` });
    settled('FAILED', 'done', reason);
    await record.resolveRemittanceFailure({ remittanceId, kind: 'payout' });
  }

  /**
   * Runs a step on our own stores with its three attempts; when they are spent, opens its failure record
   * (with an alert) and runs it again each time the retry batch asks, until it finishes.
   */
  async function untilItFinishes(step: RemittanceStep, kind: RemittanceFailureKind, run: () => Promise<void>) {
    state.step = step;
    let failed = false;
    for (;;) {
      try {
        await run();
        if (failed) await record.resolveRemittanceFailure({ remittanceId, kind });
        return;
      } catch (error) {
        const message = messageOf(error);
        log.warn('a remittance step failed beyond its retries', { remittanceId, kind, error: message });
        if (await record.recordRemittanceFailure({ remittanceId, kind, error: message })) {
          await alert(`Remittance ${kind} failed; a failure record is open`, { error: message });
        }
        failed = true;
        await retryAsked(kind);
      }
    }
  }

  /** Waits for the retry batch (or an operator) to ask for the step of this failure record again. */
  async function retryAsked(kind: RemittanceFailureKind): Promise<void> {
    state.waitingOn = kind;
    if (!state.repaired.includes(kind)) state.repaired.push(kind);
    await condition(() => retries.length > 0);
    retries.length = 0;
    delete state.waitingOn;
  }

  /**
   * Sends one rail instruction and answers its outcome: from its answer, its callback, or, when the
   * callback is late, the rail's status endpoint. The key never changes: an instruction whose sending
   * failed beyond its retries is sent again with the same key only once the rail says it never got it.
   */
  async function railLeg(type: RailInstructionType, key: string): Promise<RailResult> {
    state.step = type === 'collect' ? 'collect' : type;
    for (;;) {
      state.instructions[key] = 'SENT';
      const answer = await sendInstruction(type, key);
      if (answer) state.instructions[key] = answer.status;
      if (answer && answer.status !== 'PENDING' && !results.has(key)) {
        results.set(key, { key, status: answer.status, ...(answer.reason ? { reason: answer.reason } : {}) });
      }
      while (!(await condition(() => results.has(key), timings.callbackTimeoutMs))) {
        const known = await railStatus.railInstructionStatus(key);
        if (known.status === 'SUCCEEDED' || known.status === 'FAILED') {
          if (!results.has(key)) results.set(key, known);
        } else if (known.status === 'UNKNOWN' && answer === undefined) {
          break; // never received: send it again, with the same key
        }
      }
      const result = results.get(key);
      if (result) {
        state.instructions[key] = result.status;
        return result;
      }
    }
  }

  /**
   * The instruction's answer; a request the rail refused outright counts as a refused instruction; undefined
   * when the rail could not be reached within the step's attempts.
   */
  async function sendInstruction(
    type: RailInstructionType,
    key: string,
  ): Promise<Pick<RailAnswer, 'status' | 'reason'> | undefined> {
    try {
      return await rail.instructRail({ input, type, key });
    } catch (error) {
      if (isRailRefusal(error))
        return { status: 'FAILED', reason: `the rail refused the request: ${messageOf(error)}` };
      log.warn('the rail did not take an instruction; asking its status next', { key, error: messageOf(error) });
      return undefined;
    }
  }

  /** A status change with no money in it, recorded in PostgreSQL (with its event) before the saga shows it. */
  async function moveTo(transition: Parameters<Activities['advanceRemittance']>[0]['transition']): Promise<void> {
    await record.advanceRemittance({ input, transition });
    settled(transition.to, transition.step, transition.reason);
  }

  /** Shows a status PostgreSQL has recorded: in the query, the history and the search attribute. */
  function settled(status: RemittanceStatus, step: RemittanceStep, reason?: string): void {
    if (status !== state.status) {
      state.history.push({ status, step, at: new Date().toISOString(), ...(reason ? { reason } : {}) });
      upsertSearchAttributes([{ key: remittanceSearchAttributes.status, value: status }]);
    }
    if (status === 'FAILED' && reason) state.failureReason = reason;
    state.status = status;
    state.step = step;
  }

  /** One Slack alert if the remittance is not finished `stuckAfterMs` after submission. */
  function raiseAlarmIfStuck(): void {
    const dueIn = Date.parse(input.submittedAt) + timings.stuckAfterMs - Date.now();
    void (async () => {
      if (dueIn > 0) await sleep(dueIn);
      if (isRemittanceTerminal(state.status)) return;
      await alert('Remittance stuck', {
        age: `${Math.round((Date.now() - Date.parse(input.submittedAt)) / 1000)} s`,
        submittedAt: input.submittedAt,
        waitingOn: state.waitingOn,
      });
    })();
  }

  function account(): string {
    return `${input.fromBusiness.bank}/${input.fromBusiness.account}`;
  }
}

function isRailRefusal(error: unknown): boolean {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && cause.type === ErrorType.RailRefusedRequest;
}

function messageOf(error: unknown): string {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
