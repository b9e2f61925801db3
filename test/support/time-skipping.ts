import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

import type { WorkflowHandleWithFirstExecutionRunId, WorkflowStartOptions } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Workflow } from '@temporalio/workflow';

import { SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { jarDir, TEST_SERVER_VERSION } from '../../scripts/toolchain';
import { freePort } from '../../harness/free-port';

/**
 * A time-skipping environment on a Java test server of its own.
 *
 * Each test file gets a fresh server because the server's clock is global and its lock accounting
 * does not survive everything a test does (after activity retries it stops skipping time for good).
 * The JVM can take longer to boot than the SDK's five-second start-up window, so the server is
 * started here and the SDK is handed a stand-in executable that only waits.
 */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const jars = jarDir('temporal-test-server', TEST_SERVER_VERSION);
  if (!existsSync(jars)) throw new Error(`no test server jars in ${jars}; run: npm run stack -- up --with-test-server`);
  const port = await freePort();
  const server = spawn(
    'java',
    ['-Xmx512m', '-cp', `${jars}/*`, 'io.temporal.testserver.TestServer', String(port), '--enable-time-skipping'],
    {
      stdio: 'ignore',
    },
  );
  try {
    await waitUntilListening(port, server);
    const environment = await TestWorkflowEnvironment.createTimeSkipping({
      server: {
        port,
        executable: { type: 'existing-path', path: join(__dirname, '..', '..', 'scripts', 'await-test-server.sh') },
      },
    });
    await registerSearchAttributes(environment);
    await absorbFirstStartLeap(environment);
    const teardown = environment.teardown.bind(environment);
    environment.teardown = async () => {
      await teardown();
      server.kill();
    };
    return environment;
  } catch (error) {
    server.kill();
    throw error;
  }
}

/**
 * Starts a workflow and returns once its first workflow task has completed. Awaiting a result
 * unlocks time skipping, and the test server then jumps to the next timer; a task that no worker
 * has picked up yet does not hold the clock, so without this wait the server can leap straight to
 * the ten-year execution timeout.
 */
export async function startOnceRunning<W extends Workflow>(
  environment: TestWorkflowEnvironment,
  workflow: W,
  options: WorkflowStartOptions<W>,
): Promise<WorkflowHandleWithFirstExecutionRunId<W>> {
  const handle = await environment.client.workflow.start(workflow, options);
  for (;;) {
    const events = (await handle.fetchHistory()).events ?? [];
    if (events.some((event) => event.workflowTaskCompletedEventAttributes)) return handle;
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

/** The test server, like the dev server, refuses a workflow that sets an unregistered search attribute. */
async function registerSearchAttributes(environment: TestWorkflowEnvironment): Promise<void> {
  const { IndexedValueType } = proto.api.enums.v1;
  const indexedTypes = {
    KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  };
  await environment.connection.operatorService.addSearchAttributes({
    namespace: environment.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, indexedTypes[key.type]])),
  });
}

/**
 * A fresh test server leaps its clock to the first workflow's ten-year execution timeout as soon as
 * that workflow starts, whatever the time-skipping lock says. Starting (and at once terminating) a
 * throwaway workflow takes that leap before any real test runs.
 */
async function absorbFirstStartLeap(environment: TestWorkflowEnvironment): Promise<void> {
  const workflowId = `absorb-first-start-${randomUUID()}`;
  const handle = await environment.client.workflow.start('absorbFirstStart', { taskQueue: workflowId, workflowId });
  await handle.terminate('only absorbs the first-start clock leap');
}

async function waitUntilListening(port: number, server: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the test server exited with code ${server.exitCode}`);
    const listening = await new Promise<boolean>((done) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), done(true)));
      socket.once('error', () => (socket.destroy(), done(false)));
    });
    if (listening) return;
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`the test server did not listen on ${port} within ${timeoutMs} ms`);
}
