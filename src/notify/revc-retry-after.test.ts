import { createServer } from 'node:http';
import { expect, it } from 'vitest';
import { createNotifier } from './notifier.ts';

/**
 * Reviewer C: a receiver's Retry-After is honoured without any bound (the backoff is capped at
 * 60 s, Retry-After is not). Telegram and Discord answer 429 with their own waits; a receiver
 * saying `Retry-After: 86400` holds a worker for a day per attempt, and stop() — the shutdown's
 * flush phase — waits for it. Here: one 429 with Retry-After 3600, then the receiver is fine;
 * the delivery should finish within the documented 60 s cap (checked at 5 s, retryDelayMs 5).
 */
it('a huge Retry-After does not hold a delivery (and the shutdown) for an hour', async () => {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    n += 1;
    if (n === 1) res.writeHead(429, { 'retry-after': '3600' }).end();
    else res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  const notifier = createNotifier({ retryDelayMs: 5, attempts: 3, targets: [{ name: 'tg', url, format: 'json', events: ['kill-switch'] }] });
  notifier.notify({ type: 'kill-switch', text: 'engaged' });
  const outcome = await Promise.race([notifier.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5000).unref())]);
  server.closeAllConnections();
  server.close();
  expect(outcome).toBe('stopped');
}, 20_000);
