import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..');

/**
 * The worker and consumers roles as a real child process (`src/main.ts worker consumers`), so a test can SIGKILL it mid-saga
 * and start another, as a crash and a restart would.
 */
export class WorkerProcess {
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<WorkerProcess> {
    // One process, tsx as a loader: the tsx CLI would run the service as a grandchild that a SIGKILL of
    // the CLI leaves running — a "crash" that kills nothing.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker', 'consumers'], {
      cwd: REPO_ROOT,
      // info, at least: readiness is read from the "worker polling" line.
      env: { ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new WorkerProcess(child);
    const deadline = Date.now() + timeoutMs;
    while (!worker.output.includes('worker polling')) {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}):\n${worker.output}`);
      if (Date.now() > deadline) throw new Error(`the worker did not start within ${timeoutMs} ms:\n${worker.output}`);
      await new Promise((wake) => setTimeout(wake, 100));
    }
    return worker;
  }

  /** Ends the process: SIGTERM drains it, SIGKILL is a crash. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }

  get log(): string {
    return this.output;
  }
}
