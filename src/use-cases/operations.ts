import { type ConsumerGroupSpec, type ConsumerLag, consumerLag } from '../consumers/lag';
import { deadLetterTopic } from '../domain/topics';
import {
  countDeadLetters,
  type DeadLetter,
  type DeadLetterCount,
  listDeadLetters,
  replayDeadLetters,
} from '../events/dead-letters';
import type { Correction, OpenRepair, StoreStats, TransferEvent } from '../operations/operations-reads';
import type { UseCaseContext } from './context';
import { transferNotFound } from './transfers';

/** How many open repairs and corrections the repairs page shows: the newest, enough to work from. */
const REPAIRS_SHOWN = 100;

/** What a transfer caused beyond its status: the events its saga wrote, and the repairs made to it. */
export async function transferActivity(
  context: UseCaseContext,
  transferId: string,
): Promise<{ events: TransferEvent[]; corrections: Correction[] }> {
  if (!(await context.reads.getTransfer(transferId))) throw transferNotFound(transferId);
  const [events, corrections] = await Promise.all([
    context.operations.transferEvents(transferId),
    context.operations.corrections({ transferId, limit: REPAIRS_SHOWN }),
  ]);
  return { events, corrections };
}

export interface ReconcileRun {
  workflowId: string;
  runId: string;
  closedAt: string | null;
  status: string;
  drifts: Array<Record<string, unknown>>;
}

/** Open repairs, the latest corrections and the last reconcile run that finished, with what it found. */
export async function listRepairs(
  context: UseCaseContext,
): Promise<{ open: OpenRepair[]; corrections: Correction[]; reconcile: ReconcileRun | null }> {
  const [open, corrections, reconcile] = await Promise.all([
    context.operations.openRepairs(REPAIRS_SHOWN),
    context.operations.corrections({ limit: REPAIRS_SHOWN }),
    lastReconcileRun(context),
  ]);
  return { open, corrections, reconcile };
}

async function lastReconcileRun(context: UseCaseContext): Promise<ReconcileRun | null> {
  // Newest first is visibility's own order (the dev server's SQLite visibility refuses ORDER BY).
  const runs = context.temporal.workflow.list({
    query: `WorkflowType = 'reconcile' AND ExecutionStatus != 'Running'`,
    pageSize: 1,
  });
  for await (const run of runs) {
    let drifts: ReconcileRun['drifts'] = [];
    if (run.status.name === 'COMPLETED') {
      const result: unknown = await context.temporal.workflow
        .getHandle(run.workflowId, run.runId)
        .result()
        .catch(() => undefined);
      drifts = (result as { drifts?: ReconcileRun['drifts'] } | undefined)?.drifts ?? [];
    }
    return {
      workflowId: run.workflowId,
      runId: run.runId,
      closedAt: run.closeTime?.toISOString() ?? null,
      status: run.status.name,
      drifts,
    };
  }
  return null;
}

export async function deadLetterTopics(context: UseCaseContext): Promise<{ topics: DeadLetterCount[] }> {
  return { topics: await countDeadLetters(context.kafkaAdmin) };
}

export async function deadLettersOf(context: UseCaseContext, topic: string): Promise<{ items: DeadLetter[] }> {
  return { items: await listDeadLetters(context.kafka, context.kafkaAdmin, [topic]) };
}

/** The console's replay button: what `npm run dlt -- replay` does; the API's audit trail records who. */
export async function replayDeadLettersOf(context: UseCaseContext, topic: string): Promise<{ replayed: number }> {
  const replayed = await replayDeadLetters(context.kafka, context.kafkaAdmin, context.events, topic);
  context.logger.info({ topic, dltTopic: deadLetterTopic(topic), replayed }, 'dead letters replayed');
  return { replayed };
}

export type Stats = StoreStats & { at: string; consumerLag: ConsumerLag[] | null };

/** How long one reading of the health figures serves every console that asks (each polls every 2 s). */
const STATS_SHARED_MS = 1_000;

/**
 * The health page's figures: PostgreSQL's last minutes, and how far each consumer group is behind.
 * One reading serves all callers for a second, so ten operators on the page cost what one does, and
 * callers that arrive while a reading is under way share it.
 */
export function healthFigures(context: UseCaseContext, groups: readonly ConsumerGroupSpec[]): () => Promise<Stats> {
  let shared: { reading: Promise<Stats>; at: number } | undefined;
  const read = async (): Promise<Stats> => {
    const [store, lag] = await Promise.all([
      context.operations.stats(),
      // Kafka down must not blank the page: the lag is then unknown, the rest still true.
      consumerLag(context.kafkaAdmin, groups).catch(() => null),
    ]);
    return { at: new Date().toISOString(), ...store, consumerLag: lag };
  };
  return () => {
    if (!shared || Date.now() - shared.at >= STATS_SHARED_MS) {
      const reading = read();
      shared = { reading, at: Date.now() };
      // A failed reading is not kept: the next caller tries again.
      reading.catch(() => {
        if (shared?.reading === reading) shared = undefined;
      });
    }
    return shared.reading;
  };
}
