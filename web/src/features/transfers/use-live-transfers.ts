import { useEffect, useRef, useState } from 'react';
import { z } from 'zod';

import { TOPICS } from '@domain/topics';

import { useApi, useSession } from '../../lib/session';

import { getTransfer, type Transfer } from './api';
import { mergeLiveTransfer, type LiveListPosition } from './live-list';

/** What the console needs of an EventSource; tests pass a fake. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}
export type OpenEventSource = (url: string) => EventSourceLike;

const openBrowserEventSource: OpenEventSource = (url) => new EventSource(url);

/**
 * A stream message names its transfer; the rest is refetched, so the row shows the staff view
 * (history, review, risk) and not the event's narrower payload.
 */
const streamMessage = z.union([
  z.object({ event: z.object({ transferId: z.string() }) }).transform((message) => message.event.transferId),
  z.object({ transferId: z.string() }).transform((envelope) => envelope.transferId),
]);

export interface LiveTransfersOptions extends LiveListPosition {
  /** Called after each applied update, e.g. to refresh the counts. */
  onUpdate?: () => void;
  /** Called when the server says events were dropped (`truncated`): the list should reload. */
  onGap?: () => void;
  openEventSource?: OpenEventSource;
}

/**
 * `initialRows`, kept current from the live event stream (GET /v1/events): each event's transfer is
 * refetched and merged by {@link mergeLiveTransfer}. The stream is reopened when the token changes.
 */
export function useLiveTransfers(initialRows: Transfer[], options: LiveTransfersOptions): Transfer[] {
  const api = useApi();
  const { session } = useSession();
  const [rows, setRows] = useState(initialRows);
  // The latest options, read by the long-lived stream listener without reopening the stream.
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => setRows(initialRows), [initialRows]);

  useEffect(() => {
    if (!session) return;
    const open = latest.current.openEventSource ?? openBrowserEventSource;
    const source = open(`/v1/events?access_token=${encodeURIComponent(session.token)}`);
    let closed = false;

    const onEvent = (message: MessageEvent<string>) => {
      const parsed = streamMessage.safeParse(safeJson(message.data));
      if (!parsed.success) return;
      getTransfer(api, parsed.data).then(
        (transfer) => {
          if (closed) return;
          setRows((current) => mergeLiveTransfer(current, transfer, latest.current));
          latest.current.onUpdate?.();
        },
        // A transfer that cannot be read now (gone, or a blip) is picked up by the next reload.
        () => undefined,
      );
    };
    for (const type of TOPICS) source.addEventListener(type, onEvent);
    source.addEventListener('message', onEvent);
    source.addEventListener('truncated', () => latest.current.onGap?.());
    return () => {
      closed = true;
      source.close();
    };
  }, [api, session]);

  return rows;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
