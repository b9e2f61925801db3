import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ServiceProcess, StartFailed } from '../../harness/worker-process';
import type { Options } from './options';

export const ROLES = ['api', 'worker', 'relay', 'consumers'] as const;
export type Role = (typeof ROLES)[number];

/** Where the stack keeps its logs (git ignores it); a process that exited on its own leaves its log there. */
const LOGS = join(__dirname, '..', '..', '.stack', 'logs');

/** How often the supervisor starts a role that keeps exiting before it serves (each start waits ≤ 90 s). */
const START_ATTEMPTS = 10;

/** The last `count` lines of a process's output, indented for the run's log. */
function lastWords(output: string, count: number): string {
  return output.trim().split('\n').slice(-count).join('\n     ');
}

/** Keeps a service process's whole output (its last 20 kB) in .stack/logs for the post-mortem. */
function keepLog(name: string, output: string): string {
  const file = join(LOGS, `fault-test-${name}.log`);
  mkdirSync(LOGS, { recursive: true });
  writeFileSync(file, output);
  return file;
}

/**
 * The service's roles, one process each (faulty-service.ts, so the fault hooks are in), kept running
 * as a supervisor would: a role process that ends on its own (a service exits when it cannot go on, for
 * its supervisor to restart it) is reported with its last words and started again.
 */
export class Supervisor {
  /** Roles whose start failed and was tried again, one entry per failed start. */
  readonly failedStarts: string[] = [];
  /** Role processes that ended without being asked to, and how. */
  readonly exitsOnTheirOwn: string[] = [];
  private readonly serving: Partial<Record<Role, ServiceProcess>> = {};
  private processes!: Record<Role, Promise<ServiceProcess>>;
  private watch: NodeJS.Timeout | undefined;

  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly options: Options,
  ) {}

  /** Starts every role, one after another, then watches them. */
  static async start(env: NodeJS.ProcessEnv, options: Options): Promise<Supervisor> {
    const supervisor = new Supervisor(env, options);
    // A killed role is started again in the background (as a supervisor would), so the schedule moves on
    // while it comes up; the next fault on that role waits for it.
    supervisor.processes = {
      api: Promise.resolve(await supervisor.startRole('api')),
      worker: Promise.resolve(await supervisor.startRole('worker')),
      relay: Promise.resolve(await supervisor.startRole('relay')),
      consumers: Promise.resolve(await supervisor.startRole('consumers')),
    };
    supervisor.watch = setInterval(() => supervisor.restartExited(), 1_000);
    return supervisor;
  }

  /** The role's process, once it serves. */
  process(role: Role): Promise<ServiceProcess> {
    return this.processes[role];
  }

  /** SIGKILLs the role's process and starts another a second later, in the background. */
  async kill(role: Role): Promise<void> {
    await (await this.processes[role]).stop('SIGKILL');
    this.processes[role] = new Promise((wake) => setTimeout(wake, 1_000)).then(() => this.startRole(role));
  }

  /** Resolves once every role killed has come back. */
  async healed(): Promise<void> {
    await Promise.all(Object.values(this.processes));
  }

  /** Stops restarting roles that exit. */
  stopWatching(): void {
    clearInterval(this.watch);
  }

  async stopAll(): Promise<void> {
    for (const child of Object.values(this.processes)) await (await child).stop();
  }

  // A service exits, naming the dependency, when one it needs at start-up is down (PostgreSQL
  // restarting, say), or may not serve within the start timeout; like systemd's Restart=, the
  // supervisor tries again rather than giving up.
  private async startRole(role: Role): Promise<ServiceProcess> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const started = await ServiceProcess.start([role], this.env, {
          entry: 'scripts/fault-test/faulty-service.ts',
          args: role === 'worker' && this.options.break ? ['--break', this.options.break] : [],
        });
        this.serving[role] = started;
        return started;
      } catch (error) {
        if (attempt === START_ATTEMPTS || !(error instanceof StartFailed)) throw error;
        this.failedStarts.push(role);
        const logFile = keepLog(`${this.options.seed}-${role}-start-${this.failedStarts.length}`, error.output);
        console.log(
          `   ${error.how}: ${lastWords(error.output, 1).slice(0, 160)}\n     trying again in 2 s. Log: ${logFile}`,
        );
        await new Promise((wake) => setTimeout(wake, 2_000));
      }
    }
  }

  private restartExited(): void {
    for (const role of ROLES) {
      const ended = this.serving[role]?.crashed;
      if (!ended) continue;
      const log = this.serving[role]?.log ?? '';
      delete this.serving[role];
      this.exitsOnTheirOwn.push(`${role} (${ended})`);
      // The run's output keeps only the last words; the whole log goes to a file.
      const logFile = keepLog(`${this.options.seed}-${role}-${this.exitsOnTheirOwn.length}`, log);
      console.log(
        `   ${role} exited on its own (${ended}); restarting it. Log: ${logFile}; its last lines:\n     ${lastWords(log, 5)}`,
      );
      this.processes[role] = this.startRole(role);
    }
  }
}
