/**
 * Imported first by src/main.ts, before any module that loads http, express, pg or ioredis: tracing's
 * instrumentations patch those as they are required, so they must be in place before. The roles named
 * on the command line name the service in traces.
 */
import { ConfigError, loadTracingSettings } from './config';
import { startTracing } from './tracing';

try {
  const requested = process.argv.slice(2);
  startTracing(loadTracingSettings(requested.length > 0 ? requested : ['all']));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
