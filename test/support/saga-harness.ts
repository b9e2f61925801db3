import { randomUUID } from 'node:crypto';

import type { Duration } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';

import type { Activities } from '../../src/activities';
import {
  DEFAULT_SAGA_TIMINGS,
  type RiskAssessment,
  type RiskDecision,
  type TransferSagaInput,
} from '../../src/domain/transfer';
import { transferSaga } from '../../src/workflows';
import { createTimeSkippingEnvironment, startOnceRunning } from './time-skipping';
import { workflowBundle } from './workflow-bundle';

/** A jest double typed as the activity it stands in for. */
function double<F extends (...args: never[]) => unknown>(implementation: (...args: Parameters<F>) => ReturnType<F>) {
  return jest.fn<ReturnType<F>, Parameters<F>>(implementation);
}

export type ActivityDoubles = {
  [Name in keyof Activities]: jest.Mock<ReturnType<Activities[Name]>, Parameters<Activities[Name]>>;
};

/** A risk assessment as the evaluate activity answers it, with one rule hit per reason. */
export function assessment(decision: RiskDecision, score = 0, reasons: string[] = []): RiskAssessment {
  return {
    decision,
    score,
    reasons,
    anomalyScore: 0,
    ruleSetVersion: '1',
    modelVersion: 'test',
    hits: reasons.map((reason, index) => ({ ruleId: `rule-${index}`, version: 1, score, shadow: false, reason })),
  };
}

/** The hash the sendConfirmationCode double answers for code number `attempt` (64 hex digits). */
export const codeHashFor = (attempt: number): string => String(attempt).repeat(64);

/** Doubles of every activity, happy by default; each test overrides what it needs. */
export function activityDoubles(): ActivityDoubles {
  return {
    reserveFunds: double<Activities['reserveFunds']>(async () => 'RESERVED'),
    releaseHold: double<Activities['releaseHold']>(async () => 'VOIDED'),
    recordTransfer: double<Activities['recordTransfer']>(async () => undefined),
    setTransferStatus: double<Activities['setTransferStatus']>(async () => undefined),
    recordReview: double<Activities['recordReview']>(async () => undefined),
    settleTransfer: double<Activities['settleTransfer']>(async () => undefined),
    closeTransfer: double<Activities['closeTransfer']>(async () => 'CLOSED'),
    evaluateRisk: double<Activities['evaluateRisk']>(async () => assessment('PASS')),
    withdrawVelocity: double<Activities['withdrawVelocity']>(async () => 'WITHDRAWN'),
    publishEvent: double<Activities['publishEvent']>(async () => undefined),
    alertOperators: double<Activities['alertOperators']>(async () => undefined),
    repairTransfer: double<Activities['repairTransfer']>(async () => ({ row: 'CLOSED', redis: 'VOIDED' })),
    openDeadLetter: double<Activities['openDeadLetter']>(async () => 1),
    resolveDeadLetter: double<Activities['resolveDeadLetter']>(async () => undefined),
    requestRepair: double<Activities['requestRepair']>(async () => 1),
    findUnfinishedTransfers: double<Activities['findUnfinishedTransfers']>(async () => []),
    isSagaRunning: double<Activities['isSagaRunning']>(async () => false),
    findDrift: double<Activities['findDrift']>(async () => []),
    purgeExpiredRecords: double<Activities['purgeExpiredRecords']>(async () => ({
      idempotencyKeys: 0,
      processedEvents: 0,
    })),
    advanceRemittance: double<Activities['advanceRemittance']>(async () => undefined),
    depositRemittance: double<Activities['depositRemittance']>(async () => undefined),
    withdrawRemittance: double<Activities['withdrawRemittance']>(async () => undefined),
    reverseWithdrawal: double<Activities['reverseWithdrawal']>(async () => undefined),
    bookRefund: double<Activities['bookRefund']>(async () => undefined),
    recordRemittanceFailure: double<Activities['recordRemittanceFailure']>(async () => true),
    resolveRemittanceFailure: double<Activities['resolveRemittanceFailure']>(async () => undefined),
    instructRail: double<Activities['instructRail']>(async ({ key, type }) => ({
      key,
      type,
      instructionId: `rail-${key}`,
      status: 'SUCCEEDED',
    })),
    railInstructionStatus: double<Activities['railInstructionStatus']>(async (key) => ({ key, status: 'UNKNOWN' })),
    claimRemittanceRetries: double<Activities['claimRemittanceRetries']>(async () => []),
    claimExhaustedRemittanceFailures: double<Activities['claimExhaustedRemittanceFailures']>(async () => []),
    askRemittanceSagaToRetry: double<Activities['askRemittanceSagaToRetry']>(async () => true),
    sendConfirmationCode: double<Activities['sendConfirmationCode']>(async ({ attempt, ttlMs }) => {
      const sentAt = Date.now();
      return {
        attempt,
        codeHash: codeHashFor(attempt),
        sentAt: new Date(sentAt).toISOString(),
        expiresAt: new Date(sentAt + ttlMs).toISOString(),
      };
    }),
    recordConfirmation: double<Activities['recordConfirmation']>(async () => undefined),
  };
}

/** The event types a saga wrote through publishEvent: sagas started before the fast path only. */
export const publishedTypes = (activities: ActivityDoubles) =>
  activities.publishEvent.mock.calls.map(([event]) => event.type);

/** How many of a history's events are of each type (`MARKER_RECORDED`, `TIMER_STARTED`, …). */
export function eventTypes(events: Array<{ eventType?: number | null }>): Map<string, number> {
  const types = new Map<string, number>();
  for (const { eventType } of events) {
    const name = proto.api.enums.v1.EventType[eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? 'UNKNOWN';
    types.set(name, (types.get(name) ?? 0) + 1);
  }
  return types;
}

type SagaHandle = Awaited<ReturnType<typeof startOnceRunning<typeof transferSaga>>>;

/** A time-skipping server and the workflow bundle, built once per test file. */
export class SagaHarness {
  private used = false;

  private constructor(
    public environment: TestWorkflowEnvironment,
    private readonly bundle: WorkflowBundle,
  ) {}

  static async create(): Promise<SagaHarness> {
    const environment = await createTimeSkippingEnvironment();
    const bundle = await workflowBundle();
    return new SagaHarness(environment, bundle);
  }

  teardown(): Promise<void> {
    return this.environment.teardown();
  }

  /**
   * Swaps in a fresh test server, keeping the bundle, once a test has used this one: after activity
   * retries the server stops skipping time for good, and the next test would wait out its timers.
   */
  async renewServer(): Promise<void> {
    if (!this.used) return;
    await this.environment.teardown();
    this.environment = await createTimeSkippingEnvironment();
    this.used = false;
  }

  /** A transfer submitted now, in the test server's time, with the default durations. */
  async input(): Promise<TransferSagaInput> {
    return {
      transferId: randomUUID(),
      fromAccountId: 'alice-eur',
      toAccountId: 'bob-eur',
      amount: 2_500,
      currency: 'EUR',
      requestedBy: 'alice',
      submittedAt: new Date(await this.environment.currentTimeMs()).toISOString(),
      timings: DEFAULT_SAGA_TIMINGS,
    };
  }

  /**
   * A worker of the current workflow code (or of `bundle`) with these activity doubles. A worker that a
   * test stops halfway keeps no workflow cache: the test server would hold the saga's next task on the
   * stopped worker's sticky queue instead of handing it to the next worker, as a real server does.
   */
  worker(
    activities: ActivityDoubles,
    taskQueue: string,
    { bundle = this.bundle, stoppedHalfway = false }: { bundle?: WorkflowBundle; stoppedHalfway?: boolean } = {},
  ): Promise<Worker> {
    this.used = true;
    return Worker.create({
      connection: this.environment.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities,
      ...(stoppedHalfway ? { maxCachedWorkflows: 0 } : {}),
    });
  }

  /**
   * Runs the saga to its end on a fresh worker; `during` may act on the running saga first. A test that
   * sends an update while a local step is held open may shorten `workflowTaskTimeout`: the worker only
   * takes the update when it heartbeats the workflow task, at 80 % of that timeout (10 s by default).
   */
  async run(
    activities: ActivityDoubles,
    input: TransferSagaInput,
    during?: (handle: SagaHandle) => Promise<void>,
    { workflowTaskTimeout }: { workflowTaskTimeout?: Duration } = {},
  ) {
    const { environment } = this;
    const taskQueue = `test-${randomUUID()}`;
    const worker = await this.worker(activities, taskQueue);
    const saga = environment.client.workflow.getHandle(`transfer-${input.transferId}`);
    const sync = environment.client.workflow.getHandle(`sync-${input.transferId}`);
    try {
      return await worker.runUntil(async () => {
        const handle = await startOnceRunning(environment, transferSaga, {
          taskQueue,
          workflowId: saga.workflowId,
          args: [input],
          ...(workflowTaskTimeout ? { workflowTaskTimeout } : {}),
        });
        if (during) await during(handle);
        const result = await handle.result();
        const syncRan = await sync.describe().then(
          async () => (await sync.result(), true),
          () => false,
        );
        return { result, syncRan };
      });
    } finally {
      // A workflow left running without a worker would hold the test server's clock.
      for (const handle of [saga, sync]) await handle.terminate('test finished').catch(() => undefined);
    }
  }
}
