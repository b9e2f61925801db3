import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { sleep } from '../async';
import { CEILING_WORKER_READY } from './names';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

/** The ceiling's worker as a child process on its own task queue (see ./worker.ts). */
export class CeilingWorkerProcess {
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Starts the worker and waits until it polls; the Worker bundles the ceiling workflow first, which takes seconds. */
  static async start(taskQueue: string): Promise<CeilingWorkerProcess> {
    // tsx as a loader of this one process (not the tsx CLI), so the pid measured is the worker itself.
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'worker.ts'), taskQueue], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.removeListener('exit', kill));
    const worker = new CeilingWorkerProcess(child);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!worker.output.includes(CEILING_WORKER_READY)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        kill();
        throw new Error(`the ceiling worker did not start:\n${worker.output}`);
      }
      await sleep(100);
    }
    return worker;
  }

  /** SIGTERM drains the worker; SIGKILL follows if it has not exited in time. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    if (!(await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]))) {
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}
