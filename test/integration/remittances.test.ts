import { randomUUID } from 'node:crypto';

import {
  moneyOf,
  railMoneyViolations,
  registerBusinesses,
  remit,
  sagaState,
  waitForRemittance,
} from '../support/remittances';
import { ServiceHarness } from '../support/service-harness';

let service: ServiceHarness;

beforeAll(async () => {
  // A rail of its own, so this file's clearing account is its own to check.
  service = await ServiceHarness.start({ RAIL_NAME: `sim-${randomUUID().slice(0, 8)}` });
});
afterAll(async () => {
  await service?.stop();
});
beforeEach(() => service.rail.reset());

describe('business remittances over the bank rail', () => {
  it('collects from A, books and withdraws it on the platform account, pays B, and leaves the clearing account at minus what the rail holds', async () => {
    const businesses = await registerBusinesses(service);
    const before = await moneyOf(service);
    const accepted = await remit(service, businesses);
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe('REQUESTED');
    expect(accepted.body.number).toMatch(/^R-\d{6}$/);
    const { remittanceId } = accepted.body;

    await waitForRemittance(service, remittanceId, 'COMPLETED');
    const state = await sagaState(service, remittanceId);
    expect(state.history.map((change) => change.status)).toEqual([
      'REQUESTED',
      'DEPOSIT_PENDING',
      'DEPOSITED',
      'WITHDRAWN',
      'COMPLETED',
    ]);
    expect(await railMoneyViolations(service, before)).toEqual([]);
    expect(service.rail.accountNet(businesses.from.bank, businesses.from.account, 'EUR')).toBe(-12_500);
    expect(service.rail.accountNet(businesses.to.bank, businesses.to.account, 'EUR')).toBe(12_500);

    const read = await service.request('GET', `/v1/remittances/${remittanceId}`, {
      token: service.token('ops', 'OPS_AGENT'),
    });
    expect(read.body).toMatchObject({
      status: 'COMPLETED',
      history: [
        { status: 'REQUESTED' },
        { status: 'DEPOSIT_PENDING' },
        { status: 'DEPOSITED' },
        { status: 'WITHDRAWN' },
        { status: 'COMPLETED' },
      ],
      instructions: [
        { key: `${remittanceId}:collect`, status: 'SUCCEEDED' },
        { key: `${remittanceId}:payout`, status: 'SUCCEEDED' },
      ],
    });
  });
});
