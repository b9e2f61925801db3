import { randomUUID } from 'node:crypto';

import { PURGE_SCHEDULE_ID } from '../../src/domain/temporal';
import { eventually } from '../../harness/eventually';
import { ServiceHarness } from '../support/service-harness';

/**
 * What protected against repeats is forgotten once it no longer can: idempotency keys past their expiry
 * and processed-event records past PROCESSED_EVENT_RETENTION_MS, by the hourly `purge-expired` schedule.
 */
describe('the purge-expired schedule', () => {
  let service: ServiceHarness;
  beforeAll(async () => {
    service = await ServiceHarness.start();
  });
  afterAll(() => service?.stop());

  it('deletes expired idempotency keys and old processed-event records, and keeps the live ones', async () => {
    const { postgres, temporal } = service.dependencies;
    const caller = `retention-${randomUUID().slice(0, 8)}`;
    const key = (name: string, expires: string) =>
      postgres.query(
        `INSERT INTO idempotency_keys (caller, key, request_hash, request, transfer_id, expires_at)
         VALUES ($1, $2, 'hash', '{}', $3, now() + $4::interval)`,
        [caller, name, randomUUID(), expires],
      );
    await key('expired', '-1 hour');
    await key('live', '23 hours');
    const processed = (eventId: string, age: string) =>
      postgres.query(
        `INSERT INTO processed_events (consumer_group, event_id, processed_at) VALUES ($1, $2, now() - $3::interval)`,
        [caller, eventId, age],
      );
    await processed('old', '8 days');
    await processed('recent', '1 day');

    await temporal.schedule.getHandle(PURGE_SCHEDULE_ID).trigger();

    const remaining = async () => ({
      keys: (
        await postgres.query<{ key: string }>('SELECT key FROM idempotency_keys WHERE caller = $1', [caller])
      ).rows.map((row) => row.key),
      events: (
        await postgres.query<{ event_id: string }>('SELECT event_id FROM processed_events WHERE consumer_group = $1', [
          caller,
        ])
      ).rows.map((row) => row.event_id),
    });
    const left = await eventually(async () => {
      const now = await remaining();
      return now.keys.length === 1 && now.events.length === 1 ? now : undefined;
    }, 30_000);
    expect(left).toEqual({ keys: ['live'], events: ['recent'] });
  });
});
