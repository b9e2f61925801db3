import { randomUUID } from 'node:crypto';

import { transferEvent } from '../../src/domain/events';
import { listDeadLetters, replayDeadLetters } from '../../src/events/dead-letters';
import { moneyViolations } from '../../harness/conservation';
import { EventCollector } from '../support/event-collector';
import { ServiceHarness } from '../support/service-harness';

/**
 * The consumers through real Kafka, Redis and PostgreSQL, with the consumers running in the worker's
 * child process and a local HTTP server as Slack.
 */
describe('the consumers', () => {
  let service: ServiceHarness;
  let events: EventCollector;
  const rules: string[] = [];
  const ruleAdmin = () => service.token('rule-admin-c', 'RULE_ADMIN');

  beforeAll(async () => {
    service = await ServiceHarness.start();
    events = await EventCollector.start(service.dependencies.kafka);
  });
  afterAll(async () => {
    if (service) service.slack.failWith = undefined;
    for (const ruleId of rules) await service.request('DELETE', `/v1/rules/${ruleId}`, { token: ruleAdmin() });
    await events?.stop();
    await service?.stop();
  });

  const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((wake) => setTimeout(wake, 200));
    }
  };
  const inFeed = (eventId: string) => async () => (await service.dependencies.feed.seqOf(eventId)) !== undefined;
  const blockEverythingFrom = async (accountId: string) => {
    const ruleId = `c-${randomUUID().slice(0, 8)}`;
    const answer = await service.request('POST', '/v1/rules', {
      token: ruleAdmin(),
      body: {
        ruleId,
        name: 'block',
        score: 100,
        action: 'BLOCK',
        condition: { account: { side: 'from', in: [accountId] } },
      },
    });
    expect(answer.status).toBe(201);
    rules.push(ruleId);
  };

  it('emits exactly the expected events, in order, for each way a transfer ends', async () => {
    const rich = await service.openAccount('lifecycle', 10_000);
    const poor = await service.openAccount('lifecycle-poor', 10);
    const blocked = await service.openAccount('lifecycle-blocked', 10_000);
    const payee = await service.openAccount('lifecycle-payee', 0);
    await blockEverythingFrom(blocked);

    const completed = (await service.submit('lifecycle', { fromAccountId: rich, toAccountId: payee, amount: 100 }))
      .body;
    const declined = (await service.submit('lifecycle-poor', { fromAccountId: poor, toAccountId: payee, amount: 100 }))
      .body;
    const stopped = (
      await service.submit('lifecycle-blocked', { fromAccountId: blocked, toAccountId: payee, amount: 100 })
    ).body;

    const types = async (transferId: string, count: number) =>
      (await events.waitFor(transferId, count)).map((event) => event.type);
    expect(await types(completed.transferId, 4)).toEqual([
      'transfer.initiated',
      'transfer.created',
      'transfer.approved',
      'transfer.completed',
    ]);
    expect(await types(declined.transferId, 2)).toEqual(['transfer.initiated', 'transfer.failed']);
    expect(await types(stopped.transferId, 4)).toEqual([
      'transfer.initiated',
      'transfer.created',
      'transfer.flagged',
      'transfer.failed',
    ]);
  });

  it('dead-letters a poison message and keeps its partition flowing', async () => {
    const key = `poison-${randomUUID()}`;
    const transferId = randomUUID();
    const valid = transferEvent('transfer.completed', transferId, new Date().toISOString(), {
      fromAccountId: key,
      toAccountId: `${key}-payee`,
      amount: 5,
      currency: 'EUR',
    });
    // Same key, so the same partition, and the poison first.
    await service.dependencies.events.send('transfer.completed', {
      key,
      value: JSON.stringify({ ...valid, eventId: `${randomUUID()}:transfer.completed`, data: { amount: -5 } }),
      headers: { type: 'transfer.completed' },
    });
    await service.dependencies.events.publish(valid);

    await waitUntil('the valid event behind the poison reaches the feed', inFeed(valid.eventId));
    const dead = await listDeadLetters(service.dependencies.kafka, service.dependencies.kafkaAdmin, [
      'transfer.completed',
    ]);
    const ours = dead.filter((letter) => letter.key === key);
    expect(ours.map((letter) => letter.consumerGroup).sort()).toEqual(['transfer-saga.live-feed']);
    expect(ours[0]?.error).toMatch(/invalid event: .*data/);
  });

  it('when Slack answers 500 for a while, dead-letters the alert and delivers it on replay; money is unaffected', async () => {
    const sender = await service.openAccount('slack-outage', 1_000);
    const payee = await service.openAccount('slack-outage-payee', 0);
    await blockEverythingFrom(sender);
    service.slack.failWith = 500;

    const { transferId } = (
      await service.submit('slack-outage', { fromAccountId: sender, toAccountId: payee, amount: 400 })
    ).body;
    expect((await service.waitForTerminal([transferId])).get(transferId)).toBe('BLOCKED');
    await waitUntil('the live feed has the flagged event despite Slack', inFeed(`${transferId}:transfer.flagged`));
    const { kafka, kafkaAdmin } = service.dependencies;
    await waitUntil('the Slack alert is dead-lettered', async () =>
      (await listDeadLetters(kafka, kafkaAdmin, ['transfer.flagged'])).some(
        (letter) => letter.headers.eventId === `${transferId}:transfer.flagged` && !letter.replayed,
      ),
    );
    expect(service.slack.textsAbout(transferId)).toEqual([]);
    expect(await moneyViolations(service.dependencies.postgres, service.balances, [sender, payee])).toEqual([]);

    service.slack.failWith = undefined;
    expect(await replayDeadLetters(kafka, kafkaAdmin, service.dependencies.events, 'transfer.flagged')).toBeGreaterThan(
      0,
    );

    await waitUntil('the alert arrives', async () => service.slack.textsAbout(transferId).length > 0).catch(
      (error: Error) => {
        // What the consumers said about it, so a failure here can be read without a rerun.
        const said = service.worker.log.split('\n').filter((line) => /slack-alerts|dead-letter/.test(line));
        throw new Error(`${error.message}; the consumers logged:\n${said.slice(-20).join('\n')}`);
      },
    );
    expect(service.slack.textsAbout(transferId)).toEqual([`Transfer BLOCKED by risk — ${transferId}`]);
  });

  it('after the consumers are killed mid-stream and restarted, applies every event once', async () => {
    const accounts = await Promise.all(
      Array.from({ length: 4 }, (_, n) => service.openAccount(`restart-${n}`, n === 3 ? 0 : 100_000)),
    );
    const submitted: string[] = [];
    for (let round = 0; round < 3; round++) {
      const batch = await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          service.submit(`restart-${n % 4}`, {
            fromAccountId: accounts[n % 4] as string,
            toAccountId: accounts[(n + 1) % 4] as string,
            amount: 100,
          }),
        ),
      );
      submitted.push(...batch.map((answer) => answer.body.transferId));
      if (round < 2) await service.crashAndRestartWorker();
    }
    const statuses = await service.waitForTerminal(submitted, 120_000);

    const terminalEventIds = submitted.map(
      (id) => `${id}:${statuses.get(id) === 'COMPLETED' ? 'transfer.completed' : 'transfer.failed'}`,
    );
    for (const eventId of terminalEventIds) await waitUntil(`${eventId} is in the feed`, inFeed(eventId));
    const { entries } = await service.dependencies.feed.readAfter(accounts, 0, 10_000);
    const counts = new Map<string, number>();
    for (const entry of entries) counts.set(entry.event.eventId, (counts.get(entry.event.eventId) ?? 0) + 1);
    expect(terminalEventIds.filter((eventId) => counts.get(eventId) !== 1)).toEqual([]);
    expect(await moneyViolations(service.dependencies.postgres, service.balances, accounts)).toEqual([]);
  });
});
