import { randomUUID } from 'node:crypto';

import { eventually } from '../../harness/eventually';
import { Prometheus, type ScrapeTargets } from '../../harness/prometheus';
import { TEMPORAL_SERVER_METRICS_PORT } from '../../scripts/stack/temporal';
import { deadLetterTopic, TOPICS } from '../../src/domain/topics';
import { ServiceHarness } from '../support/service-harness';

/** One sample of a Prometheus text exposition: `name{labels} value`, or undefined when it is not there. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const rendered = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .join(',');
  const series = rendered ? `${name}{${rendered}}` : name;
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * Issue 15's business metrics, through the real stack: after a known workload (three PASS transfers, two
 * declined, one reviewed and approved, one replayed Idempotency-Key, one unsigned record) each counter on
 * the admin ports of the API and of the worker's process moved by exactly that much, and the gauges of
 * what waits (reviews, consumer lag) say so while it waits. Every figure is read as the stack's Prometheus
 * scraped it from those ports, so the names, labels and values are the ones dashboards and alerts see.
 */
describe('business metrics on the admin ports', () => {
  let service: ServiceHarness;
  let workerAdmin: string;
  let targets: ScrapeTargets;
  const rules: string[] = [];
  const ruleAdmin = () => service.token('metrics-rule-admin', 'RULE_ADMIN');
  /** A rule that sends every transfer from `accountId` to review; removed after the file. */
  const reviewEverythingFrom = async (accountId: string) => {
    const ruleId = `metrics-${randomUUID().slice(0, 8)}`;
    const rule = await service.request('POST', '/v1/rules', {
      token: ruleAdmin(),
      body: {
        ruleId,
        name: 'review',
        score: 0,
        action: 'REVIEW',
        condition: { account: { side: 'from', in: [accountId] } },
      },
    });
    expect(rule.status).toBe(201);
    rules.push(ruleId);
  };

  beforeAll(async () => {
    service = await ServiceHarness.start();
    workerAdmin = await service.worker.adminUrl();
    targets = await new Prometheus().register({ api: service.api.adminUrl, worker: workerAdmin });
  });
  afterAll(async () => {
    targets?.remove();
    for (const ruleId of rules) await service.request('DELETE', `/v1/rules/${ruleId}`, { token: ruleAdmin() });
    await service?.stop();
  });

  // Each admin port as Prometheus stored it from a scrape that began after this call.
  const scrape = async () => {
    await targets.scraped();
    return { api: await targets.exposition('api'), worker: await targets.exposition('worker') };
  };
  const counter = (exposition: string, name: string, labels?: Record<string, string>) =>
    sample(exposition, name, labels) ?? 0;

  it('counts submissions, replays, terminal statuses with their durations, risk decisions and dead letters', async () => {
    const owners = new Map<string, string>();
    const open = async (name: string, balance: number) => {
      const owner = `metrics-${name}-${randomUUID().slice(0, 6)}`;
      const accountId = await service.openAccount(owner, balance);
      owners.set(accountId, owner);
      return accountId;
    };
    const [rich, poor, reviewed, payee] = [
      await open('rich', 10_000),
      await open('poor', 10),
      await open('reviewed', 10_000),
      await open('payee', 0),
    ];
    await reviewEverythingFrom(reviewed);
    const before = await scrape();

    const submit = (from: string, amount: number, key = randomUUID()) =>
      service.submit(owners.get(from) as string, { fromAccountId: from, toAccountId: payee, amount }, key);
    const key = randomUUID();
    const passed = [await submit(rich, 100, key), await submit(rich, 200), await submit(rich, 300)];
    const declined = [await submit(poor, 500), await submit(poor, 600)];
    const underReview = await submit(reviewed, 700);
    const replayed = await submit(rich, 100, key);
    expect(replayed.body.transferId).toBe(passed[0]?.body.transferId);
    for (const answer of [...passed, ...declined, underReview]) expect(answer.status).toBe(202);

    await service.waitForStatus(underReview.body.transferId, 'UNDER_REVIEW');
    const waiting = await scrape();
    expect(counter(waiting.api, 'transfer_saga_reviews_open')).toBe(
      counter(before.api, 'transfer_saga_reviews_open') + 1,
    );
    expect(counter(waiting.api, 'transfer_saga_review_oldest_age_seconds')).toBeGreaterThan(0);
    const approval = await service.request('POST', `/v1/transfers/${underReview.body.transferId}/review`, {
      token: service.token('metrics-ops', 'OPS_AGENT'),
      body: { decision: 'APPROVE', reason: 'metrics' },
    });
    expect(approval.status).toBe(200);
    const statuses = await service.waitForTerminal(
      [...passed, ...declined, underReview].map((answer) => answer.body.transferId),
    );
    expect([...statuses.values()].sort()).toEqual([
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'DECLINED',
      'DECLINED',
    ]);

    // An unsigned record, as an intruder would produce it: dead-lettered, and counted by its topic.
    const producer = service.dependencies.kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'tx.sync_required', messages: [{ key: 'metrics', value: '{}' }] });
    await producer.disconnect();

    const after = await eventually(async () => {
      const now = await scrape();
      const deadLettered = counter(now.worker, 'transfer_saga_dead_letters_total', { topic: 'tx.sync_required' });
      return deadLettered > counter(before.worker, 'transfer_saga_dead_letters_total', { topic: 'tx.sync_required' })
        ? now
        : undefined;
    }, 30_000);
    const moved = (where: 'api' | 'worker', name: string, labels?: Record<string, string>) =>
      counter(after[where], name, labels) - counter(before[where], name, labels);
    expect({
      submitted: moved('api', 'transfer_saga_transfers_submitted_total'),
      replays: moved('api', 'transfer_saga_transfer_idempotent_replays_total'),
      completed: moved('worker', 'transfer_saga_transfers_terminal_total', { status: 'COMPLETED' }),
      declined: moved('worker', 'transfer_saga_transfers_terminal_total', { status: 'DECLINED' }),
      completedTimed: moved('worker', 'transfer_saga_transfer_duration_seconds_count', { status: 'COMPLETED' }),
      pass: moved('worker', 'transfer_saga_risk_decisions_total', { decision: 'PASS' }),
      review: moved('worker', 'transfer_saga_risk_decisions_total', { decision: 'REVIEW' }),
      evaluations: moved('worker', 'transfer_saga_risk_evaluation_seconds_count'),
      deadLettered: moved('worker', 'transfer_saga_dead_letters_total', { topic: 'tx.sync_required' }),
    }).toEqual({
      submitted: 6,
      replays: 1,
      completed: 4,
      declined: 2,
      completedTimed: 4,
      pass: 3,
      review: 1,
      evaluations: 4,
      deadLettered: 1,
    });
    expect(counter(after.api, 'transfer_saga_reviews_open')).toBe(counter(before.api, 'transfer_saga_reviews_open'));
    // Every group of the consumers role reports its lag on each of its topics.
    for (const group of ['transfer-saga.sync-required', 'transfer-saga.live-feed', 'transfer-saga.slack-alerts']) {
      expect(after.worker).toMatch(
        new RegExp(`^transfer_saga_consumer_lag\\{group="${group}",topic="[^"]+"\\} \\d+$`, 'm'),
      );
    }
    // No account or transfer id becomes a label.
    for (const id of [rich, payee, passed[0]?.body.transferId ?? '']) {
      expect(after.api).not.toContain(id);
      expect(after.worker).not.toContain(id);
    }
  });

  it('counts a transfer still open past the stuck threshold, times relay batches and reports replay per dead-letter topic', async () => {
    const owner = `metrics-stuck-${randomUUID().slice(0, 6)}`;
    const from = await service.openAccount(owner, 10_000);
    const to = await service.openAccount(`${owner}-payee`, 0);
    await reviewEverythingFrom(from);
    const before = await scrape();

    // Held in review, so it stays open while its row is made to look submitted before the stuck threshold.
    const { transferId } = (await service.submit(owner, { fromAccountId: from, toAccountId: to, amount: 100 })).body;
    await service.waitForStatus(transferId, 'UNDER_REVIEW');
    const fresh = await scrape();
    const backdateSeconds = service.config.saga.stuckAfterMs / 1000 + 60;
    const backdate = (seconds: number) =>
      service.dependencies.postgres.query(
        'UPDATE transactions SET submitted_at = submitted_at - make_interval(secs => $2) WHERE transfer_id = $1',
        [transferId, seconds],
      );
    await backdate(backdateSeconds);
    let stuck: Awaited<ReturnType<typeof scrape>>;
    try {
      stuck = await scrape();
    } finally {
      await backdate(-backdateSeconds);
    }
    expect(counter(stuck.api, 'transfer_saga_transfers_stuck')).toBe(
      counter(fresh.api, 'transfer_saga_transfers_stuck') + 1,
    );
    expect(counter(stuck.api, 'transfer_saga_transfer_open_oldest_age_seconds')).toBeGreaterThanOrEqual(
      backdateSeconds,
    );
    const rejection = await service.request('POST', `/v1/transfers/${transferId}/review`, {
      token: service.token('metrics-ops', 'OPS_AGENT'),
      body: { decision: 'REJECT', reason: 'metrics' },
    });
    expect(rejection.status).toBe(200);
    await service.waitForTerminal([transferId]);

    // The transfer's events reached Kafka through the relay in the worker's process, each batch timed.
    const after = await eventually(async () => {
      const now = await scrape();
      const batches = (exposition: string) => counter(exposition, 'transfer_saga_relay_publish_seconds_count');
      return batches(now.worker) > batches(before.worker) ? now : undefined;
    }, 30_000);
    expect(counter(after.api, 'transfer_saga_transfers_stuck')).toBe(
      counter(fresh.api, 'transfer_saga_transfers_stuck'),
    );
    // Replay progress is read from Kafka for every dead-letter topic (replays themselves: test/events/dead-letters).
    for (const topic of TOPICS.map(deadLetterTopic)) {
      // Absent or NaN (Kafka did not answer) fails here as well.
      expect(sample(after.worker, 'transfer_saga_dead_letters_replayed', { topic })).toBeGreaterThanOrEqual(0);
    }
  });

  it("serves the Temporal SDK's worker metrics on the worker's port, and the dev server serves its own", async () => {
    const worker = await (await fetch(`http://127.0.0.1:${service.env.TEMPORAL_WORKER_METRICS_PORT}/metrics`)).text();
    // Slots free for workflow and activity tasks, as the SDK reports them for the service's task queue.
    expect(worker).toMatch(/^temporal_worker_task_slots_available\{[^}]*task_queue="transfers"[^}]*\} \d+/m);
    const server = await (await fetch(`http://127.0.0.1:${TEMPORAL_SERVER_METRICS_PORT}/metrics`)).text();
    expect(server).toMatch(/^service_requests\{/m);
  });
});
