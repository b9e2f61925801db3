import { randomUUID } from 'node:crypto';

import { WorkflowNotFoundError } from '@temporalio/client';

import { syncWorkflowId } from '../../src/domain/temporal';
import { transferEvent } from '../../src/domain/events';
import { HoldAccountMismatchError } from '../../src/ledger/redis-balances';
import { eventually } from '../../harness/eventually';
import { ServiceHarness } from '../support/service-harness';

/**
 * A repair request, even one the service signed (a bug, a mistaken operator, reconcile racing a
 * saga), must not move money it has no business moving.
 */
describe('repairs that would move the wrong money', () => {
  let service: ServiceHarness;
  const rules: string[] = [];
  beforeAll(async () => {
    service = await ServiceHarness.start();
  });
  afterAll(async () => {
    const ruleAdmin = service.token('rule-admin-repairs', 'RULE_ADMIN');
    for (const ruleId of rules) await service.request('DELETE', `/v1/rules/${ruleId}`, { token: ruleAdmin });
    await service?.stop();
  });

  it('a release naming another account than the hold was taken from is refused, and no balance moves', async () => {
    const holder = await service.openAccount('hold-owner', 1_000);
    const stranger = await service.openAccount('hold-stranger', 50);
    const transferId = randomUUID();
    expect(await service.balances.reserve(transferId, holder, 400)).toBe('RESERVED');

    await expect(service.balances.void(transferId, stranger)).rejects.toThrow(HoldAccountMismatchError);
    expect(await service.balances.read(holder)).toMatchObject({ available: 600, held: 400 });
    expect(await service.balances.read(stranger)).toMatchObject({ available: 50, held: 0 });

    // The hold's own account gets it back.
    expect(await service.balances.void(transferId, holder)).toBe('VOIDED');
    expect(await service.balances.read(holder)).toMatchObject({ available: 1_000, held: 0 });
  });

  it('a repair request for a transfer whose saga still runs is left to the saga: it stays under review, its hold kept', async () => {
    const sender = await service.openAccount('running-sender', 1_000);
    const receiver = await service.openAccount('running-receiver', 0);
    const ruleId = `r-${randomUUID().slice(0, 8)}`;
    const rule = await service.request('POST', '/v1/rules', {
      token: service.token('rule-admin-repairs', 'RULE_ADMIN'),
      body: {
        ruleId,
        name: 'review',
        score: 60,
        action: 'REVIEW',
        condition: { account: { side: 'from', in: [sender] } },
      },
    });
    expect(rule.status).toBe(201);
    rules.push(ruleId);
    const { transferId } = (
      await service.submit('running-sender', { fromAccountId: sender, toAccountId: receiver, amount: 250 })
    ).body;
    await service.waitForStatus(transferId, 'UNDER_REVIEW');

    const request = transferEvent('tx.sync_required', transferId, new Date().toISOString(), {
      fromAccountId: sender,
      toAccountId: receiver,
      amount: 250,
      currency: 'EUR',
      reason: 'a repair asked for while the saga waits for its review',
      source: 'test',
    });
    await service.dependencies.events.publish(request);
    // The consumer took the request (and will not take it again) without starting a repair.
    await eventually(async () => {
      const { rows } = await service.dependencies.postgres.query('SELECT 1 FROM processed_events WHERE event_id = $1', [
        request.eventId,
      ]);
      return rows.length > 0 ? true : undefined;
    }, 30_000);
    await expect(
      service.dependencies.temporal.workflow.getHandle(syncWorkflowId(transferId)).describe(),
    ).rejects.toThrow(WorkflowNotFoundError);
    expect((await service.dependencies.reads.getTransfer(transferId))?.status).toBe('UNDER_REVIEW');
    expect(await service.balances.read(sender)).toMatchObject({ available: 750, held: 250 });

    // The saga still finishes the transfer as its reviewer decides.
    const approved = await service.request('POST', `/v1/transfers/${transferId}/review`, {
      token: service.token('ops-repairs', 'OPS_AGENT'),
      body: { decision: 'APPROVE', reason: 'checked' },
    });
    expect(approved.status).toBeLessThan(300);
    expect((await service.waitForTerminal([transferId])).get(transferId)).toBe('COMPLETED');
    expect(await service.balances.read(receiver)).toMatchObject({ available: 250, held: 0 });
  });
});
