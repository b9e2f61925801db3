import type { RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';

/** Streams stay open for as long as the client listens; their length is not a latency. */
const STREAMING_PATHS = new Set(['/v1/stream', '/v1/events']);

/** Request count and latency by route and status, for the on-call dashboard. */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return (request, response, next) => {
    if (STREAMING_PATHS.has(request.path)) return next();
    const stop = duration.startTimer();
    response.once('finish', () => {
      // The matched route pattern, never the raw path, so ids do not explode the label set.
      const route = (request.route as { path?: string } | undefined)?.path;
      stop({
        method: request.method,
        route: route ? `${request.baseUrl}${route}` : 'unmatched',
        status: response.statusCode,
      });
    });
    next();
  };
}
