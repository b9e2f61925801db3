import { NativeConnection, Worker } from '@temporalio/worker';

import { loadConfig } from '../../../src/config';
import { encryptedDataConverter } from '../../../src/payload-encryption';
import { temporalConnection } from '../../../src/transport';
import { ceilingActivities } from './activities';
import { CEILING_WORKER_READY } from './names';

/**
 * The ceiling's worker, a process of its own as the service's worker is: `ceiling/worker.ts <task queue>`.
 * Default worker options, as the service's worker uses; SIGTERM drains it (the SDK's own handler).
 */
async function main(taskQueue: string | undefined): Promise<void> {
  if (!taskQueue) throw new Error('usage: worker.ts <task queue>');
  const config = loadConfig();
  const connection = await NativeConnection.connect(temporalConnection(config));
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('./workflow'),
      activities: ceilingActivities,
      // The service's converter: the bench's client encrypts, and the ceiling pays what the service pays.
      dataConverter: encryptedDataConverter(config.temporal.payloadKeys),
    });
    const running = worker.run();
    console.log(CEILING_WORKER_READY);
    await running;
  } finally {
    await connection.close();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
