import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';

import { createActivities } from './activities';
import type { Dependencies } from './dependencies';
import { STUCK_SWEEP_SCHEDULE_ID, TASK_QUEUE } from './domain/temporal';
import type { RunningRole } from './roles';

/** Polls the `transfers` task queue with the saga workflows and the activities bound to the clients. */
export async function startWorker(dependencies: Dependencies): Promise<RunningRole> {
  const { config, logger } = dependencies;
  await scheduleStuckTransferSweep(dependencies);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities(dependencies),
  });
  const running = worker.run();
  running.catch((error: unknown) => {
    // A worker that died cannot make progress; exit so the supervisor restarts the process.
    logger.fatal({ err: error }, 'worker stopped unexpectedly');
    process.exit(1);
  });
  logger.info({ taskQueue: TASK_QUEUE }, 'worker polling');
  return {
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Every minute, `stuckTransferSweep` looks for running transfers whose saga is gone. */
async function scheduleStuckTransferSweep({ temporal, logger }: Dependencies): Promise<void> {
  try {
    await temporal.schedule.create({
      scheduleId: STUCK_SWEEP_SCHEDULE_ID,
      spec: { intervals: [{ every: '1 minute' }] },
      action: { type: 'startWorkflow', workflowType: 'stuckTransferSweep', taskQueue: TASK_QUEUE, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    logger.info({ scheduleId: STUCK_SWEEP_SCHEDULE_ID }, 'stuck-transfer sweep scheduled');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
