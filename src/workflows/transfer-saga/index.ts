import { patched } from '@temporalio/workflow';

import type { SagaState, TransferSagaInput } from '../../domain/transfer';
import { fastPathTransferSaga } from './fast-path';
import { transferSagaV1 } from './v1';

export { confirmUpdate, resendCodeUpdate, reviewSignal, reviewUpdate, statusQuery } from './definitions';

/**
 * Patch marker of the fast path: sagas started with it run {@link fastPathTransferSaga}; sagas started
 * before it (their histories have no such marker) replay and finish as {@link transferSagaV1}. Asked
 * first, before any other command, so one saga never mixes the two.
 */
const FAST_PATH_PATCH = 'fast-path-local-steps';

/** Workflow `transferSaga`: one money transfer as a saga (DESIGN.md §1). */
export async function transferSaga(input: TransferSagaInput): Promise<SagaState> {
  return patched(FAST_PATH_PATCH) ? fastPathTransferSaga(input) : transferSagaV1(input);
}
