import http from 'node:http';
import https from 'node:https';

/**
 * One HTTP POST of a JSON body over kept-alive connections (node:http / node:https), for the
 * JSON-RPC client. Not `fetch`: on loopback to anvil, Node 20's fetch costs ~0.85 ms and ~1.1 ms
 * of CPU per request against ~0.3 ms and ~0.25 ms here (WHATWG streams, a tee of the body, abort
 * signals: garbage on every request), and the engine makes several requests between a head and
 * its send (docs/BENCHMARKS.md, "Head → signed transaction broadcast").
 */

/** What came back: the status, the Retry-After header, the body as text. */
export interface HttpAnswer {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

// Idle connections are closed after 4 s, before a node's own idle timeout would close them
// under a request (geth: 120 s; a provider's load balancer: often 5–60 s).
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 4_000, scheduling: 'lifo' } as const;
const httpAgent = new http.Agent(AGENT_OPTIONS);
const httpsAgent = new https.Agent(AGENT_OPTIONS);

/** A request that failed before an answer: `reused` says whether it went out on a kept-alive connection. */
class PostError extends Error {
  constructor(readonly failure: Error, readonly reused: boolean) {
    super(failure.message);
  }
}

function postOnce(url: URL, body: string, signal: AbortSignal): Promise<HttpAnswer> {
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(url, {
      method: 'POST',
      agent: secure ? httpsAgent : httpAgent,
      signal,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), accept: 'application/json' },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => reject(new PostError(error, false)));
      response.on('end', () => {
        const retryAfter = response.headers['retry-after'];
        resolve({ status: response.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.on('error', (error) => reject(new PostError(error, request.reusedSocket)));
    request.end(body);
  });
}

/**
 * POSTs `body` to `url` (http: or https:). A request that a kept-alive connection lost before any
 * answer (the server closed it as we wrote: ECONNRESET on a reused socket) is sent once more on
 * a new connection, as Node's documentation advises; the server never saw it. Rejects with the
 * transport error otherwise, or with the abort reason once `signal` aborts.
 */
export async function postJson(url: string, body: string, signal: AbortSignal): Promise<HttpAnswer> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`not an http(s) URL: ${parsed.protocol}`);
  try {
    return await postOnce(parsed, body, signal);
  } catch (error) {
    const failed = error as PostError;
    const code = (failed.failure as NodeJS.ErrnoException | undefined)?.code;
    if (failed.reused && code === 'ECONNRESET' && !signal.aborted) return unwrap(postOnce(parsed, body, signal));
    throw failed.failure ?? error;
  }
}

async function unwrap(answer: Promise<HttpAnswer>): Promise<HttpAnswer> {
  try {
    return await answer;
  } catch (error) {
    throw (error as PostError).failure ?? error;
  }
}
