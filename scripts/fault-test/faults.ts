import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

import type { Redis } from 'ioredis';

import type { RailSimulator } from '../../harness/rail-simulator';
import type { SlackReceiver } from '../../harness/slack-receiver';
import type { SmsGateway } from '../../harness/sms-gateway';
import type { Supervisor } from './supervisor';

export const FAULTS = [
  'kill api',
  'kill worker',
  'kill consumers',
  'kill relay',
  'flush and restart redis',
  'restart kafka',
  'kafka down 60 s',
  'restart postgres',
  'restart temporal',
  'slack failing',
  'sms gateway down 5 s',
  'lose activity results',
  'rail down 20 s',
  'rail calls back twice',
  'rail refuses a payout',
] as const;
export type Fault = (typeof FAULTS)[number];

/**
 * What the faults hit: the role processes the run started, Redis (flushed first), and the run's own Slack,
 * rail and SMS gateway.
 */
export interface Targets {
  supervisor: Supervisor;
  redis: Redis;
  slack: SlackReceiver;
  rail: RailSimulator;
  sms: SmsGateway;
}

const stack = (command: 'up' | 'down', service: string) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/stack/index.ts', command, service], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });

/**
 * Rounds of every fault kind, each round in a shuffled order, so every kind comes once per round. A
 * broken safeguard shows only under the fault it guards against, so that run opens with that fault.
 */
function* schedule(nextFault: () => number, opensWithLostResults: boolean): Generator<Fault> {
  if (opensWithLostResults) yield 'lose activity results';
  for (;;) {
    const round = [...FAULTS];
    for (let i = round.length - 1; i > 0; i -= 1) {
      const j = Math.floor(nextFault() * (i + 1));
      [round[i], round[j]] = [round[j] as Fault, round[i] as Fault];
    }
    yield* round;
  }
}

/** Injects one fault and heals it: a killed role restarts in the background, a stopped service is up again. */
async function inject(fault: Fault, { supervisor, redis, slack, rail, sms }: Targets): Promise<void> {
  const restartService = async (service: string, outage = 3_000) => {
    stack('down', service);
    await new Promise((wake) => setTimeout(wake, outage));
    stack('up', service);
  };
  if (fault === 'kill api') await supervisor.kill('api');
  else if (fault === 'kill worker') await supervisor.kill('worker');
  else if (fault === 'kill consumers') await supervisor.kill('consumers');
  else if (fault === 'kill relay') await supervisor.kill('relay');
  else if (fault === 'flush and restart redis') {
    await redis.flushall();
    await restartService('redis', 1_000);
  } else if (fault === 'restart kafka') await restartService('kafka');
  // Sagas go on without Kafka (their events wait in the outbox); no process may die of it.
  else if (fault === 'kafka down 60 s') await restartService('kafka', 60_000);
  else if (fault === 'restart postgres') await restartService('postgres');
  else if (fault === 'restart temporal') await restartService('temporal');
  else if (fault === 'lose activity results') (await supervisor.process('worker')).signal('SIGHUP');
  // The bank's API answers 503 to everything; its callbacks already under way still come.
  else if (fault === 'rail down 20 s') {
    rail.setKnobs({ down: true });
    await new Promise((wake) => setTimeout(wake, 20_000));
    rail.setKnobs({ down: false });
  } else if (fault === 'rail calls back twice') {
    rail.setKnobs({ callBackTwice: true });
    await new Promise((wake) => setTimeout(wake, 10_000));
    rail.setKnobs({ callBackTwice: false });
  } else if (fault === 'rail refuses a payout') rail.setKnobs({ refusePayouts: 1 });
  // Longer than a first code's three sends a second apart: a step-up in its first seconds gets no code and
  // is rejected, its hold voided, while a code sent before it stays good.
  else if (fault === 'sms gateway down 5 s') {
    sms.down(true);
    await new Promise((wake) => setTimeout(wake, 5_000));
    sms.down(false);
  } else {
    slack.failWith = 500;
    await new Promise((wake) => setTimeout(wake, 5_000));
    slack.failWith = undefined;
  }
}

/**
 * The seeded fault schedule: every 2 to 5 s (drawn from its own random stream) the next fault, each
 * printed with the time into the run, until 10 s before `deadline` (a `performance.now()` time).
 */
export class FaultSchedule {
  /** How often each fault was injected. */
  readonly injected = new Map<Fault, number>();
  /** The fault that could not be injected or healed, when one failed: the run is then void. */
  failed: string | undefined;

  constructor(
    private readonly targets: Targets,
    private readonly nextFault: () => number,
    private readonly deadline: number,
    private readonly seconds: number,
    private readonly opensWithLostResults: boolean,
  ) {}

  async run(): Promise<void> {
    const upcoming = schedule(this.nextFault, this.opensWithLostResults);
    while (performance.now() < this.deadline - 10_000) {
      await new Promise((wake) => setTimeout(wake, 2_000 + this.nextFault() * 3_000));
      const fault = upcoming.next().value as Fault;
      this.injected.set(fault, (this.injected.get(fault) ?? 0) + 1);
      console.log(`${((this.seconds * 1000 - (this.deadline - performance.now())) / 1000).toFixed(1)} s  ${fault}`);
      try {
        await inject(fault, this.targets);
      } catch (error) {
        // The table would claim a fault that did not happen (or never healed): the run is void.
        this.failed = `${fault}: ${(error as Error).message}`;
        return;
      }
    }
  }
}
