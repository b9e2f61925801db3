import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

import type { Express, RequestHandler } from 'express';
import { WebSocket, WebSocketServer } from 'ws';

import type { Dependencies } from '../dependencies';
import type { EventEnvelope } from '../domain/events';
import { isStaff, type Principal } from '../domain/roles';
import type { EventFeed, FeedScope } from '../feed/event-feed';
import type { LedgerReads } from '../ledger/ledger-reads';
import { accountNotFound } from '../use-cases/accounts';
import { RequestRefused } from '../use-cases/errors';
import { principalOf } from './auth';
import { FeedSession, type StreamMessage, type StreamSink, type StreamStart } from './feed-session';
import { customerEventOf } from './presenters';
import { ProblemError } from './problem';
import { parse, streamQuery } from './schemas';
import type { StreamHub } from './stream-hub';

/** Tunables of the streaming endpoints; tests shorten them. */
export interface StreamOptions {
  /**
   * How often a WebSocket is pinged and an event stream gets a `: ping` comment. A WebSocket that
   * has not answered the previous ping by the next one is dropped.
   */
  heartbeatMs: number;
  /** How much may wait unsent for one client before it is dropped as too slow. */
  maxBufferedBytes: number;
  /** Live streams one caller (`sub`) may hold open at once on one API process; the next is a 429. */
  maxStreamsPerCaller: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  maxStreamsPerCaller: 5,
};

/** One of a caller's concurrent streams; released once, whichever way the stream ends. */
interface StreamSlot {
  release(): void;
}

/** The WebSocket close code for a stream whose token expired (4000–4999 are the application's). */
export const TOKEN_EXPIRED_CLOSE_CODE = 4401;

/** How long a closing WebSocket gets to finish the close handshake when the server stops. */
const CLOSE_GRACE_MS = 1000;

/**
 * GET /v1/stream (WebSocket) and GET /v1/events (Server-Sent Events): the live feed of transfer events
 * a caller may see, resumable after any event it received. Both routes run through the express app, so
 * authentication, permission and input checks answer exactly as on every other route; the WebSocket
 * is upgraded only once they have passed.
 */
export class EventStreams {
  private readonly options: StreamOptions;
  private readonly webSockets = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly pendingUpgrades = new WeakMap<IncomingMessage, { socket: Socket; head: Buffer }>();
  private readonly open = new Set<{ end(): Promise<void> }>();
  private readonly streamsOf = new Map<string, number>();

  constructor(
    private readonly dependencies: Pick<Dependencies, 'feed' | 'reads' | 'logger'>,
    private readonly hub: StreamHub,
    options: Partial<StreamOptions> = {},
  ) {
    this.options = { ...DEFAULT_STREAM_OPTIONS, ...options };
  }

  /**
   * The HTTP server's `upgrade` listener. Node hands an upgrade request over without a response, so
   * this gives it one on its socket and lets the app route it: a refusal is an ordinary problem
   * document, and {@link webSocket} takes the socket over when everything has passed.
   */
  upgradeThrough(app: Express): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
    return (request, socket, head) => {
      const connection = socket as Socket;
      connection.on('error', () => connection.destroy());
      this.pendingUpgrades.set(request, { socket: connection, head });
      const response = new ServerResponse(request);
      response.shouldKeepAlive = false;
      response.assignSocket(connection);
      response.once('finish', () => connection.end());
      app(request, response);
    };
  }

  /** GET /v1/stream: upgrades to a WebSocket that carries one {@link StreamMessage} per text frame. */
  readonly webSocket: RequestHandler = async (request, response) => {
    const upgrade = this.pendingUpgrades.get(request);
    if (!upgrade) {
      response.set('Upgrade', 'websocket');
      throw new ProblemError(
        426,
        'upgrade-required',
        'Upgrade required',
        'GET /v1/stream is a WebSocket; open it with Upgrade: websocket, or read GET /v1/events',
      );
    }
    const principal = principalOf(response);
    const slot = this.admit(principal);
    const start = await this.startOf(principal, request.query).catch((error: unknown) => {
      slot.release();
      throw error;
    });
    this.pendingUpgrades.delete(request);
    response.detachSocket(upgrade.socket);
    // A socket that closes before the handshake completes gives its slot back.
    upgrade.socket.once('close', () => slot.release());
    this.webSockets.handleUpgrade(request, upgrade.socket, upgrade.head, (socket) =>
      this.serveWebSocket(socket, start, principal, slot),
    );
  };

  /** GET /v1/events: a text/event-stream with `id`, `event` and `data` per entry; resumes after `Last-Event-ID`. */
  readonly eventStream: RequestHandler = async (request, response) => {
    const principal = principalOf(response);
    const slot = this.admit(principal);
    const start = await this.startOf(principal, request.query, request.get('Last-Event-ID')).catch((error: unknown) => {
      slot.release();
      throw error;
    });
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // Proxies such as nginx would otherwise hold events back to fill a buffer.
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    const sink = eventStreamSink(response, this.options.maxBufferedBytes);
    const session = new FeedSession(this.dependencies.feed, start, sink, (error) => {
      this.dependencies.logger.warn({ err: error }, 'event stream ended: the feed failed');
      response.end();
    });
    const heartbeat = setInterval(() => sink.comment('ping'), this.options.heartbeatMs);
    const release = this.track(principal, slot, { end: async () => void response.end() }, () => response.end());
    response.once('close', () => {
      clearInterval(heartbeat);
      session.end();
      release();
    });
    await session.start(this.hub);
  };

  /** Ends every open stream (WebSockets with 1001) and the hub's subscription. */
  async close(): Promise<void> {
    await Promise.all([...this.open].map((stream) => stream.end()));
    await this.hub.close();
  }

  /**
   * Takes one of the caller's {@link StreamOptions.maxStreamsPerCaller} slots, or refuses the stream with
   * a 429 before anything is opened. The slot is given back once, however the stream ends.
   */
  private admit(principal: Principal): StreamSlot {
    const held = this.streamsOf.get(principal.sub) ?? 0;
    if (held >= this.options.maxStreamsPerCaller) {
      throw new ProblemError(
        429,
        'too-many-streams',
        'Too many streams',
        `at most ${this.options.maxStreamsPerCaller} live streams at once; close one first`,
        undefined,
        5,
      );
    }
    this.streamsOf.set(principal.sub, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.streamsOf.get(principal.sub) ?? 1) - 1;
        if (left > 0) this.streamsOf.set(principal.sub, left);
        else this.streamsOf.delete(principal.sub);
      },
    };
  }

  /**
   * Keeps an open stream for {@link close}, and ends it (`expire`) when the caller's token expires, so a
   * stream never outlives the token that opened it. Answers what to call once it closed.
   */
  private track(principal: Principal, slot: StreamSlot, stream: { end(): Promise<void> }, expire: () => void) {
    this.open.add(stream);
    const expiry =
      principal.expiresAt === undefined ? undefined : setTimeout(expire, Math.max(0, principal.expiresAt - Date.now()));
    return () => {
      clearTimeout(expiry);
      this.open.delete(stream);
      slot.release();
    };
  }

  private serveWebSocket(socket: WebSocket, start: StreamStart, principal: Principal, slot: StreamSlot): void {
    const session = new FeedSession(
      this.dependencies.feed,
      start,
      webSocketSink(socket, this.options.maxBufferedBytes),
      (error) => {
        this.dependencies.logger.warn({ err: error }, 'WebSocket stream ended: the feed failed');
        socket.close(1011, 'feed unavailable');
      },
    );
    let answeredPing = true;
    socket.on('pong', () => {
      answeredPing = true;
    });
    const heartbeat = setInterval(() => {
      if (!answeredPing) return socket.terminate();
      answeredPing = false;
      socket.ping();
    }, this.options.heartbeatMs);
    const release = this.track(
      principal,
      slot,
      { end: () => closeGracefully(socket, 1001, 'server stopping') },
      () => void closeGracefully(socket, TOKEN_EXPIRED_CLOSE_CODE, 'token expired'),
    );
    socket.on('error', (error) => this.dependencies.logger.debug({ err: error }, 'WebSocket stream error'));
    socket.once('close', () => {
      clearInterval(heartbeat);
      session.end();
      release();
    });
    void session.start(this.hub);
  }

  private async startOf(principal: Principal, query: unknown, lastEventId?: string): Promise<StreamStart> {
    const { after, accountId: narrowTo } = parse(streamQuery, query, 'query');
    const scope = await scopeOf(this.dependencies.reads, principal, narrowTo);
    const present = isStaff(principal) ? (event: EventEnvelope) => event : customerEventOf;
    // A browser's EventSource reconnects to the URL it first opened, `after` included, and names the
    // last event it received in Last-Event-ID: the header is the newer cursor.
    const cursor = lastEventId
      ? { eventId: lastEventId, field: 'Last-Event-ID' }
      : { eventId: after, field: 'query.after' };
    return { scope, afterSeq: await cursorOf(this.dependencies.feed, cursor.eventId, cursor.field), present };
  }
}

/**
 * A USER follows the accounts it owns (or one of them); staff follow every account, or one. Another's
 * account is refused as one that does not exist, so a USER cannot learn which ids are taken.
 */
async function scopeOf(reads: LedgerReads, principal: Principal, narrowTo?: string): Promise<FeedScope> {
  if (isStaff(principal)) return narrowTo === undefined ? 'all' : [narrowTo];
  const owned = await reads.accountIdsOwnedBy(principal.sub);
  if (narrowTo === undefined) return owned;
  if (!owned.includes(narrowTo)) throw accountNotFound(narrowTo, 'query.accountId');
  return [narrowTo];
}

/** The seq to resume after: the named event's, or the newest one's when the client names none. */
async function cursorOf(feed: EventFeed, eventId: string | undefined, field: string): Promise<number> {
  if (eventId === undefined) return feed.head();
  const seq = await feed.seqOf(eventId);
  if (seq === undefined) {
    throw new RequestRefused(
      'invalid',
      'unknown-cursor',
      `${field} ${eventId} is no event the feed knows (or it has expired); reconnect without it to start from now`,
      field,
    );
  }
  return seq;
}

/**
 * Sends each message as a text frame. A client that lets more than the limit pile up unsent is closed
 * with 1013 (try again later); ws destroys the socket if it does not complete the close handshake.
 */
export function webSocketSink(socket: WebSocket, maxBufferedBytes: number): StreamSink {
  let lastWritten = Promise.resolve();
  const cutOff = () => socket.close(1013, 'too slow');
  return {
    send(message) {
      if (socket.readyState !== WebSocket.OPEN) return;
      // ws calls back when the frame reached the network, or with an error when the socket closed first.
      lastWritten = new Promise((written) => socket.send(JSON.stringify(message), () => written()));
      if (socket.bufferedAmount > maxBufferedBytes) cutOff();
    },
    async drained() {
      if (socket.bufferedAmount > maxBufferedBytes / 2) await lastWritten;
    },
    cutOff,
  };
}

/**
 * Writes each message as a server-sent event. A client that lets more than the limit pile up is cut
 * off rather than ended: ending would keep its backlog in memory until it read it, and it loses
 * nothing either way, because its EventSource reconnects with the last id it got.
 */
export function eventStreamSink(
  response: ServerResponse,
  maxBufferedBytes: number,
): StreamSink & { comment(text: string): void } {
  const cutOff = () => void response.destroy();
  const write = (text: string) => {
    if (response.destroyed || response.writableEnded) return;
    if (!response.write(text) && response.writableLength > maxBufferedBytes) cutOff();
  };
  return {
    cutOff,
    send: (message) => write(eventStreamFrame(message)),
    comment: (text) => write(`: ${text}\n\n`),
    async drained() {
      if (!response.writableNeedDrain) return;
      await new Promise<void>((drained) => {
        const done = () => {
          response.off('drain', done).off('close', done);
          drained();
        };
        response.on('drain', done).on('close', done);
      });
    },
  };
}

function eventStreamFrame(message: StreamMessage): string {
  const data = JSON.stringify(message);
  return message.type === 'event'
    ? `id: ${message.id}\nevent: ${message.event.type}\ndata: ${data}\n\n`
    : `event: truncated\ndata: ${data}\n\n`;
}

/** Closes with a handshake, but does not let a client that never answers it hold the server up. */
async function closeGracefully(socket: WebSocket, code: number, reason: string): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.close(code, reason);
  const grace = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
  await closed;
  clearTimeout(grace);
}
