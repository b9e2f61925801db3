/** @beside-services an API without a worker: it opens live streams and submits nothing */
import { randomUUID } from 'node:crypto';

import { issueToken } from '../../src/api/tokens';
import { EventStreamClient, type Refusal, StreamSocket } from '../support/stream-clients';
import { ServiceHarness } from '../support/service-harness';

/** Live streams are bounded per caller, and none outlives the token that opened it. */
describe('live stream limits', () => {
  let service: ServiceHarness;
  beforeAll(async () => {
    service = await ServiceHarness.start({}, { worker: false });
  });
  afterAll(() => service?.stop());

  const refusalOf = (opening: Promise<unknown>) =>
    opening.then(
      () => undefined,
      (error: unknown) => error as Refusal,
    );

  it("refuses a caller's 6th live stream with 429, over WebSocket and SSE alike, and takes one again once a stream closes", async () => {
    const token = service.token(`watcher-${randomUUID().slice(0, 8)}`, 'READ_ONLY');
    const sockets = await Promise.all([1, 2, 3].map(() => StreamSocket.open(service.api.url, { token })));
    const streams = await Promise.all([1, 2].map(() => EventStreamClient.open(service.api.url, { token })));
    try {
      const sixthSocket = await refusalOf(StreamSocket.open(service.api.url, { token }));
      expect(sixthSocket?.status).toBe(429);
      expect(String(sixthSocket?.body.type)).toMatch(/too-many-streams$/);
      const sixthStream = await refusalOf(EventStreamClient.open(service.api.url, { token }));
      expect(sixthStream?.status).toBe(429);
      // Another caller is not held to this one's streams.
      const other = service.token(`other-${randomUUID().slice(0, 8)}`, 'READ_ONLY');
      await (await StreamSocket.open(service.api.url, { token: other })).disconnect();

      await sockets.pop()?.disconnect();
      const again = await (async () => {
        for (let attempt = 0; attempt < 50; attempt += 1) {
          const opened = await StreamSocket.open(service.api.url, { token }).catch(() => undefined);
          if (opened) return opened;
          await new Promise((wake) => setTimeout(wake, 100));
        }
        return undefined;
      })();
      expect(again).toBeDefined();
      sockets.push(again as StreamSocket);
    } finally {
      await Promise.all([
        ...sockets.map((socket) => socket.disconnect()),
        ...streams.map((stream) => stream.disconnect()),
      ]);
    }
  });

  it('closes a WebSocket with 4401 and ends an event stream within 5 s of their token expiring', async () => {
    const sub = `short-lived-${randomUUID().slice(0, 8)}`;
    const token = issueToken(service.config.auth, { sub, role: 'READ_ONLY' }, 2);
    const expiresAt =
      (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { exp: number }).exp * 1000;
    const socket = await StreamSocket.open(service.api.url, { token });
    const stream = await EventStreamClient.open(service.api.url, { token });

    const closed = await socket.closed;
    expect(closed.code).toBe(4401);
    await stream.ended;
    expect(Date.now()).toBeLessThan(expiresAt + 5_000);
  });
});
