import { type ReactNode } from 'react';
import { MemoryRouter } from 'react-router';

import { type Role } from '@domain/roles';

import { SessionProvider } from '../lib/session';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status: number; body?: unknown };
type Route = (request: RecordedRequest) => Answer | undefined;

/** A fetch that answers from `route` and records every request; an unrouted request answers 404. */
export function fakeFetch(route: Route) {
  const requests: RecordedRequest[] = [];
  const fetch = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request: RecordedRequest = {
      method: init.method ?? 'GET',
      url: input instanceof Request ? input.url : input.toString(),
      headers: init.headers as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    const answer = route(request) ?? {
      status: 404,
      body: { type: 'https://transfer-saga.dev/problems/not-found', title: 'Not found', status: 404 },
    };
    const text = answer.body === undefined ? null : JSON.stringify(answer.body);
    return Promise.resolve(new Response(text, { status: answer.status }));
  };
  return { fetch, requests };
}

/** Renders inside a signed-in session (role `role`) whose API client uses `fetch`, under a router. */
export function signedIn(fetch: typeof globalThis.fetch, role: Role = 'SUPER_ADMIN') {
  const session = { token: 'test-token', username: 'alice', role, expiresAt: '2099-01-01T00:00:00.000Z' };
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <SessionProvider initialSession={session} fetch={fetch}>
        <MemoryRouter>{children}</MemoryRouter>
      </SessionProvider>
    );
  };
}
