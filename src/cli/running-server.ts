import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError, RuntimeFault } from '../errors.ts';

/**
 * How a state-changing command (`orion limits set`, `orion kill-switch engage`, `orion mode
 * switch`, …) reaches a running server instead of the stopped database: which server (`--server`,
 * ORION_API_URL, else the URL the server of ORION_DATA_DIR recorded in `server-url`, else
 * http://127.0.0.1:PORT) and as whom: an API key (`--api-key`, ORION_API_KEY) or a login
 * (`--login` / ORION_USERNAME, the password from ORION_PASSWORD or `--password-file`, the MFA
 * code `--login-totp`, or `--totp` when the action itself asks none). A command goes to the
 * server when any of these is given, else to the database. Every failure is one line saying
 * what to do.
 */

/** The options `withServerOptions` adds (commander's camelCase). */
export interface ServerOptions {
  server?: string;
  apiKey?: string;
  login?: string;
  passwordFile?: string;
  loginTotp?: string;
  totp?: string;
}

/** What the action needs beyond a role. */
export interface ServerAction {
  /** As the operator reads it: `the mode switch`. */
  name: string;
  /** The route asks a fresh TOTP code of a signed-in user (API keys cannot): `--totp`. */
  freshTotp?: boolean;
}

const env = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

/** Adds `--server`, `--api-key`, `--login`, `--password-file`, `--login-totp` and `--totp` to `command`. */
export function withServerOptions(command: Command, freshTotp = false): Command {
  return command
    .option('--server <url>', 'change it through this running server (default: ORION_API_URL, else the URL the server of ORION_DATA_DIR recorded, else http://127.0.0.1:PORT)')
    .option('--api-key <key>', 'through the running server, with this API key (default: ORION_API_KEY)')
    .option('--login <username>', 'through the running server, signed in as this user (default: ORION_USERNAME; password from ORION_PASSWORD or --password-file)')
    .option('--password-file <path>', 'file holding the password of --login')
    .option('--login-totp <code>', 'the TOTP code of the login\'s MFA step')
    .option('--totp <code>', freshTotp ? 'a fresh TOTP code for this action (required through the server; with an MFA login, pass the login\'s code as --login-totp and the next one here)' : 'the TOTP code of the login\'s MFA step (same as --login-totp)');
}

/** Whether the command goes to a running server (any server or credential option or variable given). */
export function wantsServer(options: ServerOptions): boolean {
  return [options.server, options.apiKey, options.login, env('ORION_API_URL'), env('ORION_API_KEY'), env('ORION_USERNAME')].some((v) => v !== undefined && v !== '');
}

/** A conversation with the running server, authenticated. */
export interface ServerSession {
  /** The server's base URL. */
  url: string;
  /** Calls `/api/v1{path}`; a refusal becomes one clear error. */
  call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
}

/** Signs in (API key or login), runs `work`, signs out again (a login's session is revoked). */
export async function withServer<T>(options: ServerOptions, action: ServerAction, work: (server: ServerSession) => Promise<T>): Promise<T> {
  if (action.freshTotp === true && options.totp === undefined) {
    throw new InputError(`${action.name} through the server needs --totp CODE: a fresh code from your authenticator app (API keys cannot do it; sign in with --login)`);
  }
  const url = await serverUrl(options);
  const apiKey = options.apiKey ?? env('ORION_API_KEY');
  const login = options.login ?? env('ORION_USERNAME');
  if (apiKey === undefined && login === undefined) {
    throw new InputError(`${action.name} through the server at ${url} needs credentials: --api-key KEY (or ORION_API_KEY), or --login USERNAME with ORION_PASSWORD or --password-file`);
  }
  if (apiKey !== undefined) return work(session(url, { authorization: `ApiKey ${apiKey}` }));
  const token = await signIn(url, login!, options, action);
  const signedIn = session(url, { authorization: `Bearer ${token}` });
  try {
    return await work(signedIn);
  } finally {
    // The CLI's session ends with the command: its refresh token is revoked (best effort).
    await signedIn.call('POST', '/auth/logout').catch(() => undefined);
  }
}

async function serverUrl(options: ServerOptions): Promise<string> {
  const given = options.server ?? env('ORION_API_URL');
  if (given !== undefined) {
    if (!/^https?:\/\/[^\s/]+/.test(given)) throw new InputError(`--server ${JSON.stringify(given)} is not a URL; allowed: http(s)://host:port`);
    return given.replace(/\/+$/, '');
  }
  const [{ loadConfig }, { readServerUrl }] = await Promise.all([import('../config.ts'), import('../ops/server-url.ts')]);
  const config = loadConfig();
  const recorded = readServerUrl(config.dataDir);
  if (recorded !== undefined) return recorded;
  if (config.port === 0) throw new InputError('PORT=0 lets the server pick its port and it recorded none in the data folder: pass --server URL (or ORION_API_URL)');
  const host = ['0.0.0.0', '::', '[::]'].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

async function signIn(url: string, username: string, options: ServerOptions, action: ServerAction): Promise<string> {
  const password = readPassword(options);
  const anonymous = session(url, {});
  type Login = { status: 'ok'; accessToken: string } | { status: 'challenge'; next: 'mfa' | 'mfa_enrolment' | 'password_change'; challenge: string };
  const answer = await anonymous.call<Login>('POST', '/auth/login', { username, password });
  if (answer.status === 'ok') return answer.accessToken;
  if (answer.next === 'password_change') throw new RuntimeFault(`${username} still has a one-time password: sign in once in the dashboard (${url}/) to replace it, then retry`);
  if (answer.next === 'mfa_enrolment') throw new RuntimeFault(`${username} has not enrolled MFA yet: sign in once in the dashboard (${url}/) to enrol, then retry`);
  const code = options.loginTotp ?? (action.freshTotp === true ? undefined : options.totp);
  if (code === undefined) {
    throw new InputError(action.freshTotp === true
      ? `signing in as ${username} needs a TOTP code and ${action.name} a fresh one (each code is accepted once): pass --login-totp CODE and, once your authenticator shows the next code, --totp NEXT`
      : `signing in as ${username} needs its TOTP code: pass --totp CODE (or --login-totp CODE)`);
  }
  const tokens = await anonymous.call<{ accessToken: string }>('POST', '/auth/mfa', { challenge: answer.challenge, code });
  return tokens.accessToken;
}

function readPassword(options: ServerOptions): string {
  if (options.passwordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.passwordFile, 'utf8');
    } catch (error) {
      throw new InputError(`--password-file ${options.passwordFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    // One line: a trailing newline from `echo` is not part of the password.
    return text.replace(/\r?\n$/, '');
  }
  const password = env('ORION_PASSWORD');
  if (password === undefined) throw new InputError('--login needs the password: set ORION_PASSWORD or pass --password-file PATH (never on the command line, where other users can read it)');
  return password;
}

/**
 * How long the CLI waits for the server's answer: longer than a contract control waits there for
 * its receipt (RECEIPT_TIMEOUT_MS, 120 s) before answering 202 "sent, not yet mined" with the hash.
 * Shorter, the CLI gave up first and said the server could not be reached, while the transaction
 * was signed, sent and perhaps mined: a retried withdraw of an explicit amount then paid twice.
 */
export const SERVER_ANSWER_TIMEOUT_MS = 150_000;

function session(url: string, auth: Record<string, string>): ServerSession {
  return {
    url,
    async call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
      let response: Response;
      try {
        response = await fetch(`${url}/api/v1${path}`, {
          method,
          headers: { ...auth, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(SERVER_ANSWER_TIMEOUT_MS),
        });
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') {
          // It took the request and never answered: it may have been carried out.
          throw new RuntimeFault(`the Orion server at ${url} took the request ${method} /api/v1${path} but did not answer within ${SERVER_ANSWER_TIMEOUT_MS / 1000} s: it may have been carried out; look before retrying (the audit log: GET /api/v1/compliance/audit)`, { cause: error });
        }
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new RuntimeFault(`cannot reach the Orion server at ${url} (${cause}): start it (orion start) or point --server / ORION_API_URL at it; with no server running, leave out --server, --api-key and --login to change the stopped database`, { cause: error });
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (response.ok) return parsed as T;
      throw refusal(url, method, path, response, parsed);
    },
  };
}

/** One line for a refused request, naming what to do. */
function refusal(url: string, method: string, path: string, response: Response, body: unknown): Error {
  const status = response.status;
  const message = typeof (body as { message?: unknown } | undefined)?.message === 'string' ? (body as { message: string }).message : undefined;
  if (message === undefined) return new RuntimeFault(`${url} answered ${method} /api/v1${path} with ${status} and no Orion error body: is --server an Orion server?`);
  switch (status) {
    case 400:
    case 422:
      return new InputError(`the server refused the request: ${message}`);
    case 401:
      return new RuntimeFault(`the server at ${url} did not accept the credentials (${message}): check --api-key / ORION_API_KEY, or the --login password and TOTP code`);
    case 403:
      return new RuntimeFault(`refused by the server (403): ${message}${message.startsWith('role ') ? '; use an API key or account whose role may do it (src/auth/roles.ts)' : ''}`);
    case 429:
      return new RuntimeFault(`the server is limiting requests from this address: retry in ${response.headers.get('retry-after') ?? 'a few'} s`);
    case 503:
      return new RuntimeFault(`the server is not ready: ${message}`);
    default:
      if (status >= 500) return new RuntimeFault(`the server failed (${status}, request id ${(body as { requestId?: string }).requestId ?? 'unknown'}): see its log`);
      return new RuntimeFault(`refused by the server (${status}): ${message}`);
  }
}
