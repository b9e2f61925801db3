import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs (one line per event) so an operator can grep by transferId or ship them anywhere. */
export function createLogger(level: string, name = 'transfer-saga'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
