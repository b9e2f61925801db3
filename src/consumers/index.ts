import type { Dependencies } from '../dependencies';
import type { RunningRole } from '../roles';
import { createSyncRequiredHandler, SYNC_REQUIRED_GROUP, SYNC_REQUIRED_TOPIC } from './sync-required';

/** Runs each Kafka consumer in its own group; stopping disconnects them after the message in hand. */
export async function startConsumers(dependencies: Dependencies): Promise<RunningRole> {
  const consumer = dependencies.kafka.consumer({ groupId: SYNC_REQUIRED_GROUP });
  await consumer.connect();
  await consumer.subscribe({ topic: SYNC_REQUIRED_TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: createSyncRequiredHandler(dependencies) });
  dependencies.logger.info({ groups: [SYNC_REQUIRED_GROUP] }, 'consumers running');
  return { stop: () => consumer.disconnect() };
}
