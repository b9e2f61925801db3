import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { type ActivityInterceptorsFactory, NativeConnection, Runtime, Worker } from '@temporalio/worker';

import { createActivities } from './activities';
import type { Dependencies } from './dependencies';
import {
  PURGE_SCHEDULE_ID,
  RECONCILE_SCHEDULE_ID,
  REMITTANCE_RETRY_SCHEDULE_ID,
  STUCK_SWEEP_SCHEDULE_ID,
  TASK_QUEUE,
} from './domain/temporal';
import type { RunningProcess } from './lifecycle';
import { encryptedDataConverter } from './payload-encryption';
import { activeTracing, workflowTracingSinks } from './tracing';
import { temporalConnection } from './transport';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from './workflow-code';

/** An activity's span, child of the one its workflow run passed on in the activity's headers. */
const tracedActivity: ActivityInterceptorsFactory = (context) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(context),
  outbound: new OpenTelemetryActivityOutboundInterceptor(context),
});

/** Polls the `transfers` task queue with the saga workflows and the activities bound to the clients. */
export async function startWorker(dependencies: Dependencies): Promise<RunningProcess> {
  const { config, logger } = dependencies;
  await schedule(dependencies, STUCK_SWEEP_SCHEDULE_ID, 'stuckTransferSweep', '1 minute');
  await schedule(dependencies, RECONCILE_SCHEDULE_ID, 'reconcile', '5 minutes');
  await schedule(dependencies, PURGE_SCHEDULE_ID, 'purgeExpired', '1 hour');
  await schedule(dependencies, REMITTANCE_RETRY_SCHEDULE_ID, 'remittanceRetryBatch', '1 minute');
  if (config.temporal.workerMetricsPort !== 0) {
    // Before the first native connection: the SDK's runtime is made once per process, with its exporter.
    Runtime.install({
      telemetryOptions: {
        metrics: {
          prometheus: { bindAddress: `0.0.0.0:${config.temporal.workerMetricsPort}`, countersTotalSuffix: true },
        },
      },
    });
  }
  const connection = await NativeConnection.connect(temporalConnection(config));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: TASK_QUEUE,
    // A bundle built ahead saves bundling the workflows at every start (seconds of CPU per process).
    ...(config.temporal.workflowBundle
      ? { workflowBundle: { codePath: config.temporal.workflowBundle } }
      : { workflowsPath: WORKFLOWS_PATH }),
    interceptors: {
      // Built into a bundle; given here only when the worker bundles the workflows itself.
      workflowModules: config.temporal.workflowBundle ? [] : WORKFLOW_INTERCEPTOR_MODULES,
      // Traces on: each activity continues the trace its workflow run passed on.
      activity: activeTracing() ? [tracedActivity] : [],
    },
    // Where a workflow run reports its span (recorded with traces on).
    sinks: workflowTracingSinks(),
    activities: createActivities(dependencies),
    // Inputs, results and every activity's arguments reach Temporal's history encrypted.
    dataConverter: encryptedDataConverter(config.temporal.payloadKeys),
    // A task sent to a worker that died waits this long on its sticky queue, then goes to any worker.
    stickyQueueScheduleToStartTimeout: config.temporal.stickyQueueTimeoutMs,
  });
  let stopping = false;
  const running = worker.run();
  running.then(
    () => {
      // The SDK also drains the worker on SIGQUIT and SIGUSR2; a process whose worker no longer polls
      // must not look alive, so the other roles drain as they would on SIGTERM.
      if (stopping) return;
      logger.warn('the worker was shut down by a signal; stopping the process');
      process.kill(process.pid, 'SIGTERM');
    },
    (error: unknown) => {
      // A worker that died cannot make progress; exit so the supervisor restarts the process.
      logger.fatal({ err: error }, 'worker stopped unexpectedly');
      process.exit(1);
    },
  );
  logger.info({ taskQueue: TASK_QUEUE }, 'worker polling');
  return {
    stop: async () => {
      stopping = true;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/**
 * Creates a Schedule unless it exists: `stuckTransferSweep` every minute looks for running transfers
 * whose saga is gone; `reconcile` every five minutes looks for Redis drifting from PostgreSQL;
 * `purge-expired` every hour forgets expired idempotency keys and old processed-event records;
 * `remittance-retry-batch` every minute retries the remittance failure records (3 times each, then alerts).
 */
async function schedule(
  { temporal, logger }: Dependencies,
  scheduleId: string,
  workflowType: string,
  every: '1 minute' | '5 minutes' | '1 hour',
): Promise<void> {
  try {
    await temporal.schedule.create({
      scheduleId,
      spec: { intervals: [{ every }] },
      action: { type: 'startWorkflow', workflowType, taskQueue: TASK_QUEUE, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    logger.info({ scheduleId, every }, 'schedule created');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
