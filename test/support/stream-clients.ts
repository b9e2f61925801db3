import { WebSocket } from 'ws';

import type { StreamMessage } from '../../src/api/feed-session';

/*
 * Clients of the live streams (GET /v1/stream, GET /v1/events) written for the tests: they keep every
 * frame and each parsed message, and a refused request rejects with its status and problem document.
 */

export type EventMessage = Extract<StreamMessage, { type: 'event' }>;

export const eventsOf = (messages: StreamMessage[]): EventMessage[] =>
  messages.filter((message): message is EventMessage => message.type === 'event');

/** What a test waits on: items as they arrive, and a promise for the moment enough of them have. */
export class Inbox<T> {
  readonly items: T[] = [];
  private readonly watchers = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const watch of [...this.watchers]) watch();
  }

  waitFor(done: (items: T[]) => boolean, what: string, timeoutMs = 60_000): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const watch = () => {
        if (!done(this.items)) return;
        clearTimeout(timer);
        this.watchers.delete(watch);
        resolve(this.items);
      };
      const timer = setTimeout(() => {
        this.watchers.delete(watch);
        reject(new Error(`waited ${timeoutMs} ms for ${what}; got ${JSON.stringify(this.items).slice(0, 2000)}`));
      }, timeoutMs);
      this.watchers.add(watch);
      watch();
    });
  }
}

/** A refused request, with its status and problem document. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: { type?: string; field?: string; detail?: string },
  ) {
    super(`refused with ${status}: ${JSON.stringify(body)}`);
  }
}

/** A WebSocket client of GET /v1/stream that keeps every message. */
export class StreamSocket {
  readonly inbox = new Inbox<StreamMessage>();
  readonly pings = new Inbox<number>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.inbox.push(JSON.parse((data as Buffer).toString('utf8')) as StreamMessage));
    socket.on('ping', () => this.pings.push(Date.now()));
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens the stream; a refused upgrade rejects with the {@link Refusal}. */
  static open(
    apiUrl: string,
    options: { token?: string; query?: Record<string, string>; tokenInQuery?: boolean; autoPong?: boolean } = {},
  ): Promise<StreamSocket> {
    const url = new URL('/v1/stream', apiUrl.replace(/^http/, 'ws'));
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = {};
    if (options.token && options.tokenInQuery) url.searchParams.set('access_token', options.token);
    else if (options.token) headers.authorization = `Bearer ${options.token}`;
    const socket = new WebSocket(url, { headers, autoPong: options.autoPong ?? true });
    const client = new StreamSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => {
          socket.terminate();
          reject(new Refusal(response.statusCode ?? 0, text ? (JSON.parse(text) as Refusal['body']) : {}));
        });
      });
      socket.once('error', reject);
    });
  }

  get messages(): StreamMessage[] {
    return this.inbox.items;
  }

  /** Closes from the client side and answers everything received until the socket was gone. */
  async disconnect(): Promise<StreamMessage[]> {
    this.socket.terminate();
    await this.closed;
    return [...this.messages];
  }
}

/** One parsed server-sent event, or a comment line. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** A fetch client of GET /v1/events that parses the event stream as it arrives. */
export class EventStreamClient {
  readonly frames = new Inbox<SseFrame>();
  readonly inbox = new Inbox<StreamMessage>();
  /** Settles once the server ended the stream (or {@link disconnect} aborted it). */
  ended: Promise<void> = Promise.resolve();

  private constructor(private readonly abort: AbortController) {}

  static async open(
    apiUrl: string,
    options: { token?: string; query?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<EventStreamClient> {
    const url = new URL('/v1/events', apiUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const abort = new AbortController();
    const response = await fetch(url, { headers, signal: abort.signal });
    if (response.status !== 200) {
      throw new Refusal(response.status, (await response.json()) as Refusal['body']);
    }
    const client = new EventStreamClient(abort);
    client.ended = client.read(response.body as ReadableStream<Uint8Array>);
    return client;
  }

  get messages(): StreamMessage[] {
    return this.inbox.items;
  }

  async disconnect(): Promise<StreamMessage[]> {
    this.abort.abort();
    return [...this.messages];
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of body) {
        pending += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          this.take(pending.slice(0, end));
          pending = pending.slice(end + 2);
        }
      }
    } catch {
      // Aborted by disconnect().
    }
  }

  private take(block: string): void {
    const frame: SseFrame = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) frame.comment = line.slice(1).trim();
      const match = /^(id|event|data): (.*)$/.exec(line);
      if (match) frame[match[1] as 'id' | 'event' | 'data'] = match[2];
    }
    this.frames.push(frame);
    if (frame.data !== undefined) this.inbox.push(JSON.parse(frame.data) as StreamMessage);
  }
}
