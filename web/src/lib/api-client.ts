import { type z } from 'zod';

import { problemDocument } from '@api/views';

/** A refusal from the API, carrying its problem document's fields; branch on `type`, not on wording. */
export class ApiError extends Error {
  readonly status: number;
  /** The problem type's last segment, e.g. `invalid-condition` (the full URL is in `typeUrl`). */
  readonly type: string;
  readonly typeUrl: string;
  readonly title: string;
  readonly detail: string | undefined;
  /** The bad input, e.g. `body.condition.all[1].amout`. */
  readonly field: string | undefined;

  constructor(problem: z.output<typeof problemDocument>) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.typeUrl = problem.type;
    this.type = problem.type.split('/').pop() ?? problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.field = problem.field;
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiClient {
  /** Sends one request and parses the answer with `view`; a refusal throws an {@link ApiError}. */
  request<V extends z.ZodType>(path: string, view: V, options?: RequestOptions): Promise<z.output<V>>;
  /** The same, for answers without a body (204). */
  requestEmpty(path: string, options?: RequestOptions): Promise<void>;
}

export interface ApiClientOptions {
  /** The bearer token; null before sign-in (auth routes only). */
  token: string | null;
  /** Called on any 401, so the session can end and the sign-in page return. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The console's one API client: plain fetch, bearer auth, every answer parsed by its server-side view. */
export function createApiClient({ token, onUnauthorized, fetch: fetcher = fetch }: ApiClientOptions): ApiClient {
  async function send(path: string, { method = 'GET', query, body, headers }: RequestOptions): Promise<Response> {
    const response = await fetcher(`${path}${queryString(query)}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.ok) return response;
    if (response.status === 401 && token) onUnauthorized?.();
    throw await refusal(response);
  }

  return {
    async request(path, view, options = {}) {
      const response = await send(path, options);
      return view.parse(await response.json());
    },
    async requestEmpty(path, options = {}) {
      await send(path, options);
    },
  };
}

/** The answer's problem document, or one made up from the status when the body is not one (a proxy's page). */
async function refusal(response: Response): Promise<ApiError> {
  const parsed = problemDocument.safeParse(await response.json().catch(() => null));
  if (parsed.success) return new ApiError(parsed.data);
  return new ApiError({
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
  });
}
