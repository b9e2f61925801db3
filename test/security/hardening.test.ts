/** @beside-services an API without a worker: it asks only for refusals and one alert, and starts no saga */
import { sendOperatorAlert } from '../../src/notifications/operator-alerts';
import { eventually } from '../../harness/eventually';
import { ServiceHarness } from '../support/service-harness';

/** The small holes: caching headers, text that can hide or post links, and input that reached SQL. */
describe('hardening', () => {
  let service: ServiceHarness;
  let sender: string;
  let receiver: string;
  beforeAll(async () => {
    service = await ServiceHarness.start({}, { worker: false });
    sender = await service.openAccount('hardening-owner', 1_000);
    receiver = await service.openAccount('hardening-receiver', 0);
  });
  afterAll(() => service?.stop());

  it('marks every /v1 answer no-store and nosniff: a success, a refusal and an unknown route', async () => {
    const owner = service.token('hardening-owner', 'USER');
    for (const [path, token, status] of [
      [`/v1/accounts/${sender}`, owner, 200],
      [`/v1/accounts/${sender}`, undefined, 401],
      ['/v1/no-such-route', owner, 404],
    ] as const) {
      const response = await fetch(`${service.api.url}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      if (path.startsWith('/v1/accounts')) expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it.each([
    ['a right-to-left override', 'pay 100\u202E001 yap'],
    ['a bidi isolate', 'invoice \u2066042\u2069'],
    ['a control character', 'ding\u0007'],
  ])('refuses a memo with %s as a 400 naming body.memo, and reserves nothing', async (_case, memo) => {
    const answer = await service.submit('hardening-owner', {
      fromAccountId: sender,
      toAccountId: receiver,
      amount: 10,
      memo,
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('body.memo');
    expect(await service.balances.read(sender)).toMatchObject({ available: 1_000, held: 0 });
  });

  it('answers a cursor whose transfer id is no uuid with 400, before it reaches PostgreSQL', async () => {
    const cursor = Buffer.from(JSON.stringify({ s: '2026-01-01T00:00:00.000Z', t: "x' OR '1'='1" })).toString(
      'base64url',
    );
    const answer = await service.request('GET', `/v1/transfers?cursor=${cursor}`, {
      token: service.token('hardening-reader', 'READ_ONLY'),
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('query.cursor');
  });

  it('posts text to Slack literally: no mention, no link of the sender, and no field longer than 200 characters', async () => {
    const marker = `hardening-${Date.now()}`;
    await sendOperatorAlert(service.dependencies.slack, service.config, {
      title: `Transfer FAILED <!here> ${marker}`,
      fields: { memo: '<!channel> <https://evil.example|pay here> & co', reason: 'x'.repeat(500) },
    });
    const message = await eventually(
      async () => service.slack.messages.find((posted) => posted.text.includes(marker)),
      10_000,
    );
    const section = JSON.stringify(message.blocks);
    expect(message.text).not.toContain('<!here>');
    expect(message.text).toContain('&lt;!here&gt;');
    expect(section).not.toContain('<!channel>');
    expect(section).not.toContain('<https://evil.example');
    expect(section).toContain('&lt;!channel&gt; &lt;https://evil.example|pay here&gt; &amp; co');
    expect(section).not.toContain('x'.repeat(200));
    expect(section).toContain(`${'x'.repeat(199)}…`);
  });
});
