import pino, { type Logger } from 'pino';

import { currentTraceId } from './tracing';

export type { Logger };

/**
 * JSON logs (one line per event) so an operator can grep by transferId or ship them anywhere. A line
 * written inside a trace carries its `trace_id`, so an alert's log line leads to the trace.
 */
export function createLogger(level: string, name = 'transfer-saga'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    mixin: () => {
      const traceId = currentTraceId();
      return traceId === undefined ? {} : { trace_id: traceId };
    },
  });
}
