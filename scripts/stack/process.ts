/** Running commands, installing packages and jars, and starting and stopping the daemons `up` records by pid. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { jarDir, type JarPom } from '../toolchain';
import { isRoot, logDir, pidDir, repoRoot } from './service';

export function run(command: string, args: string[], options: { quiet?: boolean; asUser?: string } = {}): string {
  const [file, argv] =
    options.asUser && isRoot ? ['runuser', ['-u', options.asUser, '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', options.quiet ? 'pipe' : 'inherit'] });
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Installs a Debian package as root; as anyone else, says exactly what to install. */
export function aptInstall(debianPackage: string, why: string): void {
  if (!isRoot) {
    throw new Error(`${why} is missing. Install it with: sudo apt-get install -y ${debianPackage}`);
  }
  console.log(`installing ${debianPackage} with apt-get (${why})…`);
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  if (install()) return;
  // A fresh machine has no package lists yet.
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  if (!install()) throw new Error(`apt-get install ${debianPackage} failed`);
}

/** Starts `command` detached, its output appended to .stack/logs/<name>.log and its pid to .stack/pids/<name>.pid. */
export function startDaemon(
  name: string,
  command: string,
  args: string[],
  { cwd = repoRoot, env }: { cwd?: string; env?: Record<string, string> } = {},
): void {
  const log = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', log, log],
    env: env ? { ...process.env, ...env } : process.env,
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  writeFileSync(join(pidDir, `${name}.pid`), String(child.pid));
  child.unref();
}

export function recordedPid(name: string): number | undefined {
  const file = join(pidDir, `${name}.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopDaemon(name: string): Promise<void> {
  const pid = recordedPid(name);
  if (pid !== undefined && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 200));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(join(pidDir, `${name}.pid`), { force: true });
}

export function installMavenJars(pom: JarPom, version: string): void {
  const libs = jarDir(pom, version);
  if (existsSync(libs) && readdirSync(libs).length > 0) return;
  for (const tool of ['java', 'mvn']) {
    if (!commandExists(tool)) aptInstall(tool === 'java' ? 'openjdk-17-jre-headless' : 'maven', tool);
  }
  console.log(`fetching ${pom} ${version} jars from Maven Central…`);
  const pomFile = join(repoRoot, 'scripts', 'jars', `${pom}.pom.xml`);
  execFileSync('mvn', ['-B', '-q', '-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], {
    stdio: 'inherit',
  });
  if (!existsSync(libs)) throw new Error(`Maven did not produce ${libs}`);
}
