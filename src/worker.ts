import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';

import { createActivities } from './activities';
import type { Dependencies } from './dependencies';
import { PURGE_SCHEDULE_ID, RECONCILE_SCHEDULE_ID, STUCK_SWEEP_SCHEDULE_ID, TASK_QUEUE } from './domain/temporal';
import type { RunningProcess } from './lifecycle';
import { encryptedDataConverter } from './payload-encryption';
import { activeTracing, type Tracing } from './tracing';
import { temporalConnection } from './transport';

/** Polls the `transfers` task queue with the saga workflows and the activities bound to the clients. */
export async function startWorker(dependencies: Dependencies): Promise<RunningProcess> {
  const { config, logger } = dependencies;
  await schedule(dependencies, STUCK_SWEEP_SCHEDULE_ID, 'stuckTransferSweep', '1 minute');
  await schedule(dependencies, RECONCILE_SCHEDULE_ID, 'reconcile', '5 minutes');
  await schedule(dependencies, PURGE_SCHEDULE_ID, 'purgeExpired', '1 hour');
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
  const tracing = activeTracing();
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: TASK_QUEUE,
    // A bundle built ahead saves bundling the workflows at every start (seconds of CPU per process);
    // with traces on, the workflows are bundled here, with the tracing interceptors.
    ...(config.temporal.workflowBundle && !tracing
      ? { workflowBundle: { codePath: config.temporal.workflowBundle } }
      : { workflowsPath: require.resolve('./workflows') }),
    ...(tracing ? tracingOptions(tracing) : {}),
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
 * Temporal's OpenTelemetry interceptors (exported for the replay test): the workflow continues the trace its start carried, each
 * activity continues the workflow's, and the spans the workflow sandbox makes leave through a sink.
 */
export function tracingOptions({
  resource,
  spanProcessor,
}: Pick<Tracing, 'resource' | 'spanProcessor'>): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
      activity: [
        (context) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(context),
          outbound: new OpenTelemetryActivityOutboundInterceptor(context),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
  };
}

/**
 * Creates a Schedule unless it exists: `stuckTransferSweep` every minute looks for running transfers
 * whose saga is gone; `reconcile` every five minutes looks for Redis drifting from PostgreSQL;
 * `purge-expired` every hour forgets expired idempotency keys and old processed-event records.
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
