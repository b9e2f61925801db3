import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';

import {
  type ConfirmationAnswer,
  type ConfirmationEnding,
  type ConfirmationProgress,
  type IssuedCode,
  isConfirmationAnswer,
  MAX_RESENDS,
  MAX_WRONG_TRIES,
  RESEND_AFTER_MS,
  sameHash,
} from '../../domain/confirmation';
import { ErrorType } from '../../domain/errors';
import type { SagaState } from '../../domain/transfer';
import { confirmUpdate, resendCodeUpdate } from './definitions';

/**
 * The sender's side of a STEP_UP: the `confirm` and `resendCode` updates and the wait for an answer.
 * The handlers are installed when the saga starts, and their validators refuse everything until the
 * saga is waiting at the confirm step with a code sent, so an early or late answer gets a clear 409.
 * Wrong tries and resends are counted here, in the workflow, so a worker that dies mid-wait loses none.
 */
export function handleConfirmation(state: SagaState) {
  let code: IssuedCode | undefined;
  let ending: ConfirmationEnding | undefined;
  let wrongTries = 0;
  let resendAsked = false;
  let resendFailure: string | undefined;

  const progress = (): ConfirmationProgress => {
    const issued = code as IssuedCode;
    const resendsLeft = MAX_RESENDS - (issued.attempt - 1);
    return {
      expiresAt: issued.expiresAt,
      triesLeft: MAX_WRONG_TRIES - wrongTries,
      resendsLeft,
      resendableAt: resendsLeft > 0 ? new Date(Date.parse(issued.sentAt) + RESEND_AFTER_MS).toISOString() : null,
    };
  };
  const refuseUnlessWaiting = () => {
    if (state.step !== 'confirm' || ending !== undefined) {
      throw new Error(`transfer is ${state.status}, not AWAITING_CONFIRMATION`);
    }
    if (code === undefined) throw new Error('no code has been sent yet');
  };

  setHandler(
    confirmUpdate,
    async (answer) => {
      if (answer.decision === 'CONFIRM') {
        if (!sameHash(answer.codeHash, (code as IssuedCode).codeHash)) {
          wrongTries += 1;
          state.confirmation = progress();
          if (wrongTries < MAX_WRONG_TRIES)
            return { outcome: 'WRONG_CODE', triesLeft: MAX_WRONG_TRIES - wrongTries, state };
          ending = { end: 'TOO_MANY_WRONG_CODES', by: answer.by };
        } else {
          ending = { end: 'CONFIRMED', by: answer.by };
        }
      } else if (answer.decision === 'DECLINE') {
        ending = { end: 'DECLINED', by: answer.by };
      } else {
        ending = { end: 'CANCELLED', by: answer.by, reason: answer.reason };
      }
      await condition(() => state.step !== 'confirm');
      const outcome = ending.end === 'CONFIRMED' ? 'CONFIRMED' : 'REJECTED';
      return { outcome, triesLeft: MAX_WRONG_TRIES - wrongTries, state };
    },
    {
      validator: (answer: ConfirmationAnswer) => {
        if (!isConfirmationAnswer(answer)) {
          throw new Error('answer must be CONFIRM with a code hash, DECLINE, or CANCEL with a reason, by someone');
        }
        refuseUnlessWaiting();
        if (answer.decision === 'CONFIRM' && Date.now() >= Date.parse((code as IssuedCode).expiresAt)) {
          throw new Error('the code has expired');
        }
      },
    },
  );

  setHandler(
    resendCodeUpdate,
    async () => {
      resendAsked = true;
      resendFailure = undefined;
      await condition(() => !resendAsked);
      if (resendFailure !== undefined) {
        throw ApplicationFailure.create({ type: ErrorType.CodeNotSent, message: resendFailure, nonRetryable: true });
      }
      return progress();
    },
    {
      validator: () => {
        refuseUnlessWaiting();
        if (resendAsked) throw new Error('a new code is being sent');
        const { resendsLeft, resendableAt } = progress();
        if (resendsLeft === 0 || resendableAt === null) throw new Error('no resends are left');
        if (Date.now() < Date.parse(resendableAt)) throw new Error(`a new code can be sent from ${resendableAt}`);
      },
    },
  );

  /**
   * Sends the first code, then waits for an answer or the code's expiry, sending new codes as asked.
   * A first code that cannot be sent ends it as NOT_SENT; a resend that cannot be sent keeps the
   * code before it, and its caller hears why.
   */
  async function awaitAnswer(issue: (attempt: number) => Promise<IssuedCode>): Promise<ConfirmationEnding> {
    try {
      code = await issue(1);
    } catch (error) {
      return { end: 'NOT_SENT', reason: `no code could be sent: ${causeOf(error)}` };
    }
    state.confirmation = progress();
    while (ending === undefined) {
      const left = Date.parse(code.expiresAt) - Date.now();
      if (left <= 0 || !(await condition(() => ending !== undefined || resendAsked, left))) {
        ending = { end: 'EXPIRED' };
        break;
      }
      if (resendAsked) {
        try {
          code = await issue(code.attempt + 1);
        } catch (error) {
          resendFailure = `the code could not be sent again: ${causeOf(error)}`;
        }
        resendAsked = false;
        state.confirmation = progress();
      }
    }
    state.confirmation = undefined;
    return ending;
  }

  return { awaitAnswer };
}

/** An activity failure's own message (its cause), not the wrapper's "Activity task failed". */
function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
