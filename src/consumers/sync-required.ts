import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { EachMessagePayload } from 'kafkajs';
import { z } from 'zod';

import type { Dependencies } from '../dependencies';
import { deadLetterTopic, EVENT_VERSION } from '../domain/events';
import { syncWorkflowId, TASK_QUEUE } from '../domain/temporal';
import type { SyncCompensationInput } from '../domain/transfer';
import type { syncCompensation } from '../workflows/sync-compensation';

export const SYNC_REQUIRED_GROUP = 'transfer-saga.sync-required';
const TOPIC = 'tx.sync_required';
const ATTEMPTS = 3;

/** tx.sync_required from any producer, not only our saga; validated before anything acts on it. */
const syncRequiredEvent = z.object({
  eventId: z.string().min(1),
  type: z.literal(TOPIC),
  version: z.literal(EVENT_VERSION),
  occurredAt: z.string(),
  transferId: z.uuid(),
  data: z.object({
    fromAccountId: z.string().min(1),
    toAccountId: z.string().min(1),
    amount: z.number().int().positive(),
    currency: z.string().length(3),
    reason: z.string(),
    source: z.string(),
  }),
});

/**
 * tx.sync_required → start `syncCompensation` as `sync-<transferId>` (one repair per transfer: a
 * duplicate start is recognised and acknowledged). De-duplicated by eventId in PostgreSQL, so a
 * redelivery after a crash does nothing twice; retried in place, then dead-lettered, so a poison
 * message never stalls its partition. Kafka commits the offset only after this returns.
 */
export function createSyncRequiredHandler({ temporal, postgres, events, logger }: Dependencies) {
  return async ({ message, partition }: EachMessagePayload): Promise<void> => {
    const raw = message.value?.toString('utf8') ?? '';
    let event: z.output<typeof syncRequiredEvent>;
    try {
      event = syncRequiredEvent.parse(JSON.parse(raw));
    } catch (error) {
      await deadLetter(raw, message.headers, `invalid event: ${(error as Error).message}`);
      return;
    }
    const seen = await postgres.query('SELECT 1 FROM processed_events WHERE consumer_group = $1 AND event_id = $2', [
      SYNC_REQUIRED_GROUP,
      event.eventId,
    ]);
    if (seen.rows.length > 0) return;

    const input: SyncCompensationInput = { transferId: event.transferId, ...event.data };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await startRepair(input);
        break;
      } catch (error) {
        if (attempt < ATTEMPTS) {
          await new Promise((wake) => setTimeout(wake, 500 * attempt));
          continue;
        }
        await deadLetter(raw, message.headers, `could not start syncCompensation: ${(error as Error).message}`);
        return;
      }
    }
    await postgres.query(
      'INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [SYNC_REQUIRED_GROUP, event.eventId],
    );
    logger.info({ transferId: event.transferId, partition, source: event.data.source }, 'sync repair requested');
  };

  async function startRepair(input: SyncCompensationInput): Promise<void> {
    try {
      await temporal.workflow.start<typeof syncCompensation>('syncCompensation', {
        taskQueue: TASK_QUEUE,
        workflowId: syncWorkflowId(input.transferId),
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  async function deadLetter(value: string, headers: EachMessagePayload['message']['headers'], reason: string) {
    logger.warn({ topic: TOPIC, reason }, 'dead-lettering a tx.sync_required message');
    await events.send(deadLetterTopic(TOPIC), {
      value,
      headers: { ...headers, error: reason, consumerGroup: SYNC_REQUIRED_GROUP },
    });
  }
}

export { TOPIC as SYNC_REQUIRED_TOPIC };
