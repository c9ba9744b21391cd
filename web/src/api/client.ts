import { currentTokens, setTokens, type Tokens } from './session.ts';

/**
 * Every call the dashboard makes goes through here, to the same `/api/v1` routes any client
 * uses (no private backdoor). An expired access token is renewed once through the refresh
 * token (one refresh in flight at a time: a reused refresh token would revoke the family).
 */

/** An answer other than 2xx: the API's `{error, message}` body and the status. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly requestId?: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Options of one call. */
export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** A fresh TOTP code, for routes that move money or change mode (sent as X-TOTP-Code). */
  totp?: string;
  /** Skip the Authorization header (the public auth routes). */
  anonymous?: boolean;
  signal?: AbortSignal;
}

/** The API's version prefix. */
export const API = '/api/v1';

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh token for new tokens; false (and signed out) when it is refused. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const tokens = currentTokens();
    if (tokens === null) return false;
    try {
      const response = await fetch(`${API}/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: tokens.refreshToken }) });
      if (!response.ok) {
        setTokens(null);
        return false;
      }
      setTokens((await response.json()) as Tokens);
      return true;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function send(path: string, options: CallOptions): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.totp !== undefined) headers['x-totp-code'] = options.totp;
  const tokens = currentTokens();
  if (options.anonymous !== true && tokens !== null) headers['authorization'] = `Bearer ${tokens.accessToken}`;
  const url = path.startsWith('/') && !path.startsWith(API) && !path.startsWith('/health') ? `${API}${path}` : path;
  return fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: string; message?: string; requestId?: string };
    return new ApiError(response.status, body.error ?? `HTTP ${response.status}`, body.message ?? text, body.requestId);
  } catch {
    return new ApiError(response.status, `HTTP ${response.status}`, text === '' ? response.statusText : text.slice(0, 200));
  }
}

/**
 * Calls an API route (`/users` means `/api/v1/users`; `/health` stays as is) and returns its
 * JSON. Throws ApiError for any non-2xx answer; a 401 is retried once after a refresh.
 */
export async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  let response = await send(path, options);
  if (response.status === 401 && options.anonymous !== true && currentTokens() !== null) {
    if (await refreshSession()) response = await send(path, options);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.headers.get('content-type')?.includes('text/csv') === true) return (await response.text()) as T;
  return (await response.json()) as T;
}
