import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig } from '../../src/config';

const REPO_ROOT = join(__dirname, '..', '..');

/** Clock ticks per second of /proc's CPU counters (USER_HZ); 100 on every Linux we know, asked anyway. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcessStat {
  pid: number;
  parentPid: number;
  /** utime + stime + cutime + cstime, in ticks: the process's own CPU and that of children it reaped. */
  ticks: number;
  /** utime + stime alone. */
  ownTicks: number;
}

function readStat(pid: number): ProcessStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; the fields after its closing one are fixed.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const field = (n: number) => Number(fields[n - 3]);
    const ownTicks = field(14) + field(15);
    return { pid, parentPid: field(4), ownTicks, ticks: ownTicks + field(16) + field(17) };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcessStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcessStat => stat !== undefined);
}

/**
 * CPU seconds a process and all its live descendants have used so far, counting children they reaped:
 * a PostgreSQL backend that exits mid-run lands in the postmaster's cutime, one still alive is counted
 * itself, so each is counted exactly once across two samples.
 */
function treeCpuSeconds(root: number, processes: ProcessStat[]): number {
  const children = new Map<number, ProcessStat[]>();
  for (const stat of processes) {
    const siblings = children.get(stat.parentPid);
    if (siblings) siblings.push(stat);
    else children.set(stat.parentPid, [stat]);
  }
  let ticks = 0;
  const stack = processes.filter((stat) => stat.pid === root);
  while (stack.length > 0) {
    const stat = stack.pop() as ProcessStat;
    ticks += stat.ticks;
    stack.push(...(children.get(stat.pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}

function cpuSeconds({ pid, alone }: MeasuredProcess, processes: ProcessStat[]): number {
  if (!alone) return treeCpuSeconds(pid, processes);
  const stat = processes.find((candidate) => candidate.pid === pid);
  return stat ? stat.ownTicks / TICKS_PER_SECOND : 0;
}

/** A process whose CPU is measured, by a name the report prints. */
export interface MeasuredProcess {
  name: string;
  pid: number;
  /** Count the process alone, not its descendants: this benchmark's own process, whose children are measured apart. */
  alone?: boolean;
}

/** CPU seconds used by each measured process (with its descendants) between {@link CpuMeter.start} and `stop`. */
export class CpuMeter {
  private readonly before = new Map<string, number>();

  constructor(private readonly processes: MeasuredProcess[]) {}

  start(): void {
    const table = allProcesses();
    for (const measured of this.processes) this.before.set(measured.name, cpuSeconds(measured, table));
  }

  stop(): Record<string, number> {
    const table = allProcesses();
    return Object.fromEntries(
      this.processes.map((measured) => [
        measured.name,
        cpuSeconds(measured, table) - (this.before.get(measured.name) ?? 0),
      ]),
    );
  }
}

/** The child of this process whose command line contains `fragment` (e.g. the service's `src/main.ts`). */
export function childPid(fragment: string): number | undefined {
  return allProcesses()
    .filter((stat) => stat.parentPid === process.pid)
    .find((stat) => readCommandLine(stat.pid).includes(fragment))?.pid;
}

function readCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * The local stack's processes: the pid `npm run stack -- up` recorded in .stack/pids/<name>.pid (the
 * postmaster for PostgreSQL, the JVM for Kafka), or, for a service it did not start, whichever process
 * listens on the configured port.
 */
export function stackProcesses(): MeasuredProcess[] {
  const config = loadConfig();
  const ports: Record<string, number> = {
    temporal: Number(config.temporal.address.split(':')[1]),
    postgres: Number(new URL(config.postgres.url).port || 5432),
    kafka: Number((config.kafka.brokers[0] ?? '127.0.0.1:9092').split(':')[1]),
    redis: Number(new URL(config.redis.url).port || 6379),
  };
  const found: MeasuredProcess[] = [];
  for (const [name, port] of Object.entries(ports)) {
    const pid = recordedPid(name) ?? listenerPid(port);
    if (pid === undefined) console.warn(`no process found for ${name} (port ${port}); its CPU is not measured`);
    else found.push({ name, pid });
  }
  return found;
}

function recordedPid(name: string): number | undefined {
  const file = join(REPO_ROOT, '.stack', 'pids', `${name}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && readStat(pid) !== undefined ? pid : undefined;
}

/** The process listening on TCP `port`: /proc/net/tcp names the socket's inode, a /proc/<pid>/fd link holds it. */
export function listenerPid(port: number): number | undefined {
  const listening = '0A';
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      const localPort = parseInt(columns[1]?.split(':')[1] ?? '', 16);
      if (localPort === port && columns[3] === listening && columns[9]) inodes.add(`socket:[${columns[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const { pid } of allProcesses()) {
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => inodes.has(safeReadlink(`/proc/${pid}/fd/${fd}`)))) return pid;
    } catch {
      // Another user's process, or one that just exited: not ours to read.
    }
  }
  return undefined;
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
