/** @isolated no service */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPOSITORY_ROOT } from '../../scripts/event-docs';
import { parseEvent } from '../../src/domain/event-schemas';
import { type EventEnvelope, remittanceEvent, transferEvent } from '../../src/domain/events';
import { type EventType, TOPICS, TRANSFER_TOPICS } from '../../src/domain/topics';

const transferId = '98be822d-dfc4-8286-b11f-ce4179a63641';
const at = '2026-11-22T05:08:42.687Z';
const parties = { fromAccountId: 'acc-alice', toAccountId: 'acc-bob', amount: 2_500 };
const remittanceId = '5a1c7e0e-42b1-8c1e-9f00-0d6f3f3b2a10';
const remittance = {
  number: 42,
  rail: 'simbank',
  fromBusiness: { bank: 'SIMBANK', account: 'acme-001' },
  toBusiness: { bank: 'SIMBANK', account: 'globex-002' },
  amount: 12_500,
  currency: 'EUR',
  reference: 'invoice 42',
};
const hit = { ruleId: 'velocity', version: 3, score: 12.5, shadow: false, reason: '3 transfers in 8 s ≥ 3' };

/** Every shape of event the sagas build, each through transferEvent or remittanceEvent as the steps do. */
const sagaEvents: EventEnvelope[] = [
  transferEvent('transfer.initiated', transferId, at, { ...parties, currency: 'EUR' }),
  transferEvent('transfer.created', transferId, at, { ...parties, currency: 'EUR' }),
  transferEvent('transfer.approved', transferId, at, { ...parties, decision: 'PASS', score: 0 }),
  transferEvent('transfer.approved', transferId, at, { ...parties, decision: 'REVIEW', score: 61.2 }),
  transferEvent('transfer.flagged', transferId, at, {
    ...parties,
    decision: 'REVIEW',
    score: 61.2,
    reasons: ['velocity: 3 transfers in 8 s ≥ 3', 'anomaly 0.4 (new receiver)'],
    ruleHits: [hit, { ...hit, ruleId: 'shadow-candidate', shadow: true }],
  }),
  transferEvent('transfer.flagged', transferId, at, {
    ...parties,
    decision: 'BLOCK',
    score: 100,
    reasons: [],
    ruleHits: [],
  }),
  transferEvent('transfer.flagged', transferId, at, {
    ...parties,
    decision: 'STEP_UP',
    score: 10,
    reasons: ['travel: 10418 km in 600 s (62507 km/h) since the last located transfer, over 1000 km/h'],
    ruleHits: [hit],
  }),
  transferEvent('transfer.confirmation_required', transferId, at, {
    ...parties,
    expiresAt: '2026-12-07T10:05:00.000Z',
  }),
  transferEvent('transfer.approved', transferId, at, { ...parties, decision: 'STEP_UP', score: 10 }),
  transferEvent('transfer.completed', transferId, at, { ...parties, currency: 'JPY', amount: Number.MAX_SAFE_INTEGER }),
  ...(['DECLINED', 'BLOCKED', 'REJECTED', 'FAILED'] as const).map((status) =>
    transferEvent('transfer.failed', transferId, at, { ...parties, status, reason: `ended ${status}` }),
  ),
  transferEvent('tx.sync_required', transferId, at, {
    ...parties,
    currency: 'EUR',
    reason: 'releasing the hold failed',
    source: 'transferSaga',
  }),
  ...(['remittance.requested', 'remittance.completed'] as const).map((type) =>
    remittanceEvent(type, remittanceId, at, remittance),
  ),
  ...(['remittance.deposited', 'remittance.withdrawn'] as const).map((type) =>
    remittanceEvent(type, remittanceId, at, { ...remittance, platformAccountId: 'platform-eur' }),
  ),
  remittanceEvent('remittance.failed', remittanceId, at, { ...remittance, reason: 'payout refused', refunded: true }),
];

/** The events real sagas published, from the committed replay histories (test/replay). */
function recordedEvents(): EventEnvelope[] {
  const directory = join(REPOSITORY_ROOT, 'test/replay/histories');
  return readdirSync(directory).flatMap((file) => {
    const history = JSON.parse(readFileSync(join(directory, file), 'utf8')) as {
      events: Array<{
        activityTaskScheduledEventAttributes?: {
          activityType: { name: string };
          input: { payloads: Array<{ data: string }> };
        };
      }>;
    };
    return history.events.flatMap(({ activityTaskScheduledEventAttributes: scheduled }) =>
      scheduled?.activityType.name === 'publishEvent'
        ? scheduled.input.payloads.map(
            ({ data }) => JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as EventEnvelope,
          )
        : [],
    );
  });
}

/** The field paths an error names, in order (`data.amount: must be positive; eventId: …` → both paths). */
const pathsOf = (error: string) => error.split('; ').map((problem) => problem.slice(0, problem.indexOf(': ')));

type Draft = Record<string, unknown> & { data: Record<string, unknown> };
const sampleOf = (type: EventType) =>
  structuredClone(sagaEvents.find((event) => event.type === type)) as unknown as Draft;

describe('event schemas', () => {
  it('cover every topic with at least one event the saga builds', () => {
    expect(new Set(sagaEvents.map((event) => event.type))).toEqual(new Set(TOPICS));
  });

  it.each(sagaEvents.map((event) => [`${event.type} ${JSON.stringify(event.data).slice(0, 60)}`, event] as const))(
    'accept what the saga builds with transferEvent: %s',
    (_title, event) => {
      expect(parseEvent(event.type, event)).toEqual({ ok: true, event });
    },
  );

  it('accept every event the sagas in the committed replay histories published', () => {
    const recorded = recordedEvents();
    // Those sagas published through an activity, before the outbox (and before step-up): transfers' events only.
    expect(new Set(recorded.map((event) => event.type))).toEqual(
      new Set(TRANSFER_TOPICS.filter((topic) => topic !== 'transfer.confirmation_required')),
    );
    const refused = recorded
      .map((event) => ({ event, parsed: parseEvent(event.type, event) }))
      .filter(({ parsed }) => !parsed.ok);
    expect(refused).toEqual([]);
  });

  interface Mistake {
    title: string;
    type: EventType;
    mistake: (event: Draft) => unknown;
    /** Every path the error must name, in order. */
    paths: string[];
    /** What it must say about the first one, when that matters. */
    message?: string;
  }
  const withData = (changes: Record<string, unknown>) => (e: Draft) => ({ ...e, data: { ...e.data, ...changes } });
  const mistakes: Mistake[] = [
    {
      title: 'an amount of zero',
      type: 'transfer.created',
      mistake: withData({ amount: 0 }),
      paths: ['data.amount'],
      message: 'must be positive',
    },
    { title: 'a negative amount', type: 'transfer.failed', mistake: withData({ amount: -5 }), paths: ['data.amount'] },
    {
      title: 'a fractional amount',
      type: 'transfer.approved',
      mistake: withData({ amount: 12.5 }),
      paths: ['data.amount'],
      message: 'must be a whole number of minor units',
    },
    {
      title: 'an amount beyond 2^53 - 1',
      type: 'transfer.completed',
      mistake: withData({ amount: 2 ** 53 }),
      paths: ['data.amount'],
    },
    {
      title: 'an amount as a string',
      type: 'transfer.initiated',
      mistake: withData({ amount: '2500' }),
      paths: ['data.amount'],
    },
    {
      title: 'a lower-case currency',
      type: 'transfer.initiated',
      mistake: withData({ currency: 'eur' }),
      paths: ['data.currency'],
      message: 'must be three capital letters',
    },
    {
      title: 'a four-letter currency',
      type: 'tx.sync_required',
      mistake: withData({ currency: 'EURO' }),
      paths: ['data.currency'],
    },
    {
      title: 'an unknown data field',
      type: 'transfer.completed',
      mistake: withData({ memo: 'rent' }),
      paths: ['data.memo'],
      message: 'is not a known field',
    },
    {
      title: 'an unknown envelope field',
      type: 'transfer.flagged',
      mistake: (e) => ({ ...e, traceId: 'abc' }),
      paths: ['traceId'],
      message: 'is not a known field',
    },
    {
      title: 'a missing field',
      type: 'transfer.created',
      mistake: withData({ toAccountId: undefined }),
      paths: ['data.toAccountId'],
    },
    {
      title: 'an empty account id',
      type: 'transfer.created',
      mistake: withData({ fromAccountId: '' }),
      paths: ['data.fromAccountId'],
    },
    {
      title: 'PASS on transfer.flagged',
      type: 'transfer.flagged',
      mistake: withData({ decision: 'PASS' }),
      paths: ['data.decision'],
    },
    {
      title: 'an unknown decision',
      type: 'transfer.approved',
      mistake: withData({ decision: 'MAYBE' }),
      paths: ['data.decision'],
    },
    { title: 'a negative score', type: 'transfer.approved', mistake: withData({ score: -1 }), paths: ['data.score'] },
    {
      title: 'COMPLETED as a failed status',
      type: 'transfer.failed',
      mistake: withData({ status: 'COMPLETED' }),
      paths: ['data.status'],
    },
    {
      title: 'a rule hit without shadow',
      type: 'transfer.flagged',
      mistake: withData({ ruleHits: [{ ruleId: 'r', version: 1, score: 1, reason: 'x' }] }),
      paths: ['data.ruleHits.0.shadow'],
    },
    {
      title: 'a rule hit of version 0',
      type: 'transfer.flagged',
      mistake: withData({ ruleHits: [{ ...hit, version: 0 }] }),
      paths: ['data.ruleHits.0.version'],
    },
    {
      title: 'a sync request without its source',
      type: 'tx.sync_required',
      mistake: withData({ source: undefined }),
      paths: ['data.source'],
    },
    {
      title: 'an eventId of another transfer',
      type: 'transfer.created',
      mistake: (e) => ({ ...e, eventId: '7c0ec917-432d-8f9a-b612-9bdbc18d36bf:transfer.created' }),
      paths: ['eventId'],
      message: 'must be `<transferId>:<type>` of this event',
    },
    {
      title: 'an eventId of another type',
      type: 'transfer.completed',
      mistake: (e) => ({ ...e, eventId: `${transferId}:transfer.created` }),
      paths: ['eventId'],
    },
    {
      title: 'a type that is not its topic',
      type: 'transfer.completed',
      mistake: (e) => ({ ...e, type: 'transfer.failed', eventId: `${transferId}:transfer.failed` }),
      paths: ['eventId', 'type'],
    },
    { title: 'version 2', type: 'transfer.created', mistake: (e) => ({ ...e, version: 2 }), paths: ['version'] },
    {
      title: 'a version as a string',
      type: 'transfer.created',
      mistake: (e) => ({ ...e, version: '1' }),
      paths: ['version'],
    },
    {
      title: 'an occurredAt that is not a date-time',
      type: 'transfer.created',
      mistake: (e) => ({ ...e, occurredAt: '22/11/2026' }),
      paths: ['occurredAt'],
    },
    {
      title: 'an occurredAt with an offset, on a topic only this service produces',
      type: 'transfer.created',
      mistake: (e) => ({ ...e, occurredAt: '2026-11-22T06:08:42+01:00' }),
      paths: ['occurredAt'],
    },
    {
      title: 'a transferId that is not a UUID',
      type: 'transfer.created',
      mistake: (e) => ({ ...e, transferId: 'T-1', eventId: 'T-1:transfer.created' }),
      paths: ['eventId', 'transferId'],
    },
    { title: 'no data', type: 'transfer.created', mistake: (e) => ({ ...e, data: undefined }), paths: ['data'] },
    {
      title: 'data that is not an object',
      type: 'transfer.created',
      mistake: (e) => ({ ...e, data: 'x' }),
      paths: ['data'],
    },
    {
      title: 'a value that is not an object',
      type: 'transfer.created',
      mistake: () => 'transfer.created',
      paths: ['event'],
    },
  ];

  it.each(mistakes)('refuse $title, naming the field', ({ type, mistake, paths, message }) => {
    const parsed = parseEvent(type, mistake(sampleOf(type)));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(pathsOf(parsed.error)).toEqual(paths);
    if (message) expect(parsed.error).toContain(`${paths[0]}: ${message}`);
  });

  it('name every problem of an event, not only the first', () => {
    const event = sampleOf('transfer.created');
    const parsed = parseEvent('transfer.created', {
      ...event,
      version: 2,
      data: { ...event.data, amount: 0, extra: 1 },
    });
    expect(parsed).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^version: .+; data\.amount: must be positive; data\.extra: is not a known field$/,
      ) as string,
    });
  });

  it('refuse a type that is not an event type', () => {
    expect(parseEvent('transfer.lost' as EventType, sagaEvents[0])).toEqual({
      ok: false,
      error: 'type: "transfer.lost" is not an event type',
    });
  });

  describe('tx.sync_required, which other producers send too', () => {
    const request = sampleOf('tx.sync_required');

    it('accepts fields it does not know, and drops them so they never reach syncCompensation', () => {
      const parsed = parseEvent('tx.sync_required', {
        ...request,
        producer: 'reconciler',
        data: { ...request.data, ticket: 'OPS-42' },
      });
      expect(parsed).toEqual({ ok: true, event: request });
    });

    it('accepts an occurredAt with an offset', () => {
      expect(parseEvent('tx.sync_required', { ...request, occurredAt: '2026-11-22T06:08:42+01:00' }).ok).toBe(true);
    });

    it('still refuses what it would act on wrongly', () => {
      const parsed = parseEvent('tx.sync_required', { ...request, data: { ...request.data, amount: 0 } });
      expect(parsed.ok || pathsOf(parsed.error)).toEqual(['data.amount']);
    });
  });
});
