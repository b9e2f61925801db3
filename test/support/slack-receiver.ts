import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server standing in for Slack: it receives the real webhook posts the service makes. */
export class SlackReceiver {
  readonly messages: Array<{ text: string; blocks?: unknown[] }> = [];
  /** While set, answers every post with this status instead of 200 (to test retries). */
  failWith: number | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<SlackReceiver> {
    let receiver: SlackReceiver | undefined;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        if (receiver?.failWith) {
          response.writeHead(receiver.failWith).end('failing on purpose');
          return;
        }
        receiver?.messages.push(JSON.parse(body) as { text: string; blocks?: unknown[] });
        response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    receiver = new SlackReceiver(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/test-hook`,
    );
    return receiver;
  }

  textsAbout(transferId: string): string[] {
    return this.messages.map((message) => message.text).filter((text) => text.includes(transferId));
  }

  stop(): Promise<void> {
    return new Promise((closed) => this.server.close(() => closed()));
  }
}
