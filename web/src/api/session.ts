/**
 * The signed-in session: the access and refresh tokens the API issued. Kept in sessionStorage
 * so a reload keeps the tab signed in while closing it signs out (nothing in localStorage, no
 * cookie: the API takes Bearer tokens only, so there is no CSRF surface).
 */

/** Tokens as `/auth/mfa`, `/auth/login` and `/auth/refresh` answer them. */
export interface Tokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

const KEY = 'orion.session';
type Listener = (tokens: Tokens | null) => void;
const listeners = new Set<Listener>();

function read(): Tokens | null {
  try {
    const text = sessionStorage.getItem(KEY);
    return text === null ? null : (JSON.parse(text) as Tokens);
  } catch {
    return null;
  }
}

let current: Tokens | null = read();

/** The tokens now, or null when signed out. */
export function currentTokens(): Tokens | null {
  return current;
}

/** Replaces the tokens (null signs out) and tells every listener. */
export function setTokens(tokens: Tokens | null): void {
  current = tokens;
  if (tokens === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify({ accessToken: tokens.accessToken, accessTokenExpiresAt: tokens.accessTokenExpiresAt, refreshToken: tokens.refreshToken, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt }));
  for (const listener of listeners) listener(tokens);
}

/** Calls `listener` on every change of the tokens; returns the unsubscribe function. */
export function onTokens(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
