import { postJson } from '../chain/http-post.ts';

/**
 * A `fetch` for viem's http transport on the local chain, over the JSON-RPC client's kept-alive
 * node:http connections (src/chain/http-post.ts). The noise flow and the seeding send thousands
 * of requests from `npm start`'s own process; through Node's fetch each built WHATWG streams and
 * abort signals (~1 ms of CPU, and garbage the API's requests then wait on in collections). It
 * answers only what viem's transport reads of a response: status, ok, a header, the text.
 */
export async function httpFetch(url: string | URL | Request, init?: RequestInit): Promise<Response> {
  if (typeof init?.body !== 'string') throw new Error('httpFetch posts JSON-RPC text bodies only');
  const answer = await postJson(String(url), init.body, init.signal ?? new AbortController().signal);
  const ok = answer.status >= 200 && answer.status <= 299;
  const response = {
    ok,
    status: answer.status,
    statusText: ok ? 'OK' : `HTTP ${answer.status}`,
    headers: { get: (name: string) => (name.toLowerCase() === 'retry-after' ? answer.retryAfter ?? null : null) },
    text: () => Promise.resolve(answer.text),
    json: () => Promise.resolve(JSON.parse(answer.text) as unknown),
    body: null,
  };
  return response as unknown as Response;
}
