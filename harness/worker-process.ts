import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import type { ProcessName } from '../src/processes';

const REPO_ROOT = join(__dirname, '..');

/** The log line each process prints once it serves; a child is ready when all of its processes printed theirs. */
const READY: Record<ProcessName, string> = {
  api: 'API listening',
  worker: 'worker polling',
  relay: 'outbox relay running',
  consumers: 'consumers running',
};

/** A start that failed: how (exited, or did not serve in time), then everything the process printed. */
export class StartFailed extends Error {
  constructor(
    readonly how: string,
    readonly output: string,
  ) {
    super(`${how}:\n${output}`);
  }
}

/**
 * Service processes as one real child process (`src/main.ts <processes…>`), so a test can SIGKILL it mid-work and
 * start another, as a crash and a supervisor would.
 */
export class ServiceProcess {
  private static readonly live = new Set<ChildProcess>();
  private output = '';
  private partialLine = '';
  private readonly served = new Set<ProcessName>();
  private adminPort?: number;
  private stopRequested = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly processes: ProcessName[],
  ) {
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.output = (this.output + text).slice(-20_000);
      // Readiness is read line by line as it arrives: a busy start (sagas resuming, retries logged) can
      // push a role's ready line out of the kept tail before the last role is ready.
      const lines = (this.partialLine + text).split('\n');
      this.partialLine = lines.pop() ?? '';
      for (const line of lines) {
        const name = processes.find((candidate) => line.includes(READY[candidate]));
        if (name) this.served.add(name);
        const admin = /"adminPort":(\d+)/.exec(line);
        if (admin) this.adminPort = Number(admin[1]);
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /**
   * Starts `entry <args…> <processes…>` (the service itself unless the caller wraps it, as the fault test
   * does) and waits until every role serves.
   */
  static async start(
    processes: ProcessName[],
    env: NodeJS.ProcessEnv,
    { entry = 'src/main.ts', args = [] as string[], timeoutMs = 90_000 } = {},
  ): Promise<ServiceProcess> {
    // One process, tsx as a loader: the tsx CLI would run the service as a grandchild that a SIGKILL of
    // the CLI leaves running — a "crash" that kills nothing.
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args, ...processes], {
      cwd: REPO_ROOT,
      // info, at least: readiness is read from the log. The admin port is any free one unless the caller
      // names one, so that several processes can run at once.
      // The same for the Temporal SDK's exporter, off unless the caller names a port.
      env: {
        ...env,
        ADMIN_PORT: env.ADMIN_PORT ?? '0',
        TEMPORAL_WORKER_METRICS_PORT: env.TEMPORAL_WORKER_METRICS_PORT ?? '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    ServiceProcess.live.add(child);
    child.once('exit', () => ServiceProcess.live.delete(child));
    const started = new ServiceProcess(child, processes);
    const deadline = Date.now() + timeoutMs;
    while (!processes.every((name) => started.served.has(name))) {
      if (child.exitCode !== null)
        throw new StartFailed(`${processes.join('+')} exited (${child.exitCode})`, started.output);
      if (Date.now() > deadline) {
        // A start that timed out must not leave a half-started process behind to compete with the next.
        child.kill('SIGKILL');
        const waiting = processes.filter((name) => !started.served.has(name)).join('+');
        throw new StartFailed(
          `${processes.join('+')} did not start within ${timeoutMs} ms (${waiting} not ready)`,
          started.output,
        );
      }
      await new Promise((wake) => setTimeout(wake, 100));
    }
    return started;
  }

  /** The last 20,000 characters the process wrote (stdout and stderr): what a test reads its logs in. */
  get recentOutput(): string {
    return this.output;
  }

  /** Ends the process: SIGTERM drains it, SIGKILL is a crash. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    this.stopRequested = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }

  /** SIGKILLs every process still running; synchronous, so a script can call it from its `exit` handler. */
  static killAll(): void {
    for (const child of ServiceProcess.live) child.kill('SIGKILL');
  }

  /** Resolves with the exit code once the process has ended on its own; rejects after `timeoutMs`. */
  async exited(timeoutMs: number): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.child.exitCode === null && this.child.signalCode === null) {
      if (Date.now() > deadline) throw new Error(`${this.processes.join('+')} still runs after ${timeoutMs} ms`);
      await new Promise((wake) => setTimeout(wake, 100));
    }
    return this.child.exitCode;
  }

  /** Sends a signal the process handles (the fault test's SIGHUP), without waiting for anything. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The process ended without being asked to: how it ended, else undefined. */
  get crashed(): string | undefined {
    if (this.stopRequested) return undefined;
    if (this.child.exitCode !== null) return `exit code ${this.child.exitCode}`;
    return this.child.signalCode ?? undefined;
  }

  /** The process's admin port (metrics, readiness detail), once it has said where it listens (just after its roles). */
  async adminUrl(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.adminPort === undefined) {
      if (Date.now() > deadline) throw new Error(`${this.processes.join('+')} did not say its admin port`);
      await new Promise((wake) => setTimeout(wake, 50));
    }
    return `http://127.0.0.1:${this.adminPort}`;
  }

  get log(): string {
    return this.output;
  }
}
