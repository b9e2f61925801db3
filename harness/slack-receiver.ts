import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server standing in for Slack: it receives the real webhook posts the service makes. */
export class SlackReceiver {
  readonly messages: Array<{ text: string; blocks?: unknown[] }> = [];
  /** While set, answers every post with this status instead of 200 (to test retries). */
  failWith: number | undefined;
  private readonly server = createServer((request, response) => this.receive(request, response));

  static async start(): Promise<SlackReceiver> {
    const receiver = new SlackReceiver();
    await new Promise<void>((listening) => receiver.server.listen(0, '127.0.0.1', listening));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/services/test-hook`;
  }

  textsAbout(transferId: string): string[] {
    return this.messages.map((message) => message.text).filter((text) => text.includes(transferId));
  }

  stop(): Promise<void> {
    return new Promise((closed) => this.server.close(() => closed()));
  }

  private receive(request: IncomingMessage, response: ServerResponse): void {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (this.failWith) {
        response.writeHead(this.failWith).end('failing on purpose');
        return;
      }
      this.messages.push(JSON.parse(body) as { text: string; blocks?: unknown[] });
      response.writeHead(200).end('ok');
    });
  }
}
