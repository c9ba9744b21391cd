import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestStore, type TestStore } from '../store/test-store.ts';
import { createNotifier, installNotifier, notify, readNotifyTargets, type NotifyTarget } from './index.ts';
import { startLoopbackReceiver, type LoopbackReceiver } from './testing/loopback-receiver.ts';

let receiver: LoopbackReceiver;
let db: TestStore;
const folder = mkdtempSync(join(tmpdir(), 'orion-notify-'));

beforeAll(async () => {
  receiver = await startLoopbackReceiver();
  db = await openTestStore('pglite');
});
afterAll(async () => {
  await receiver.close();
  await db.cleanup();
  rmSync(folder, { recursive: true, force: true });
});

const target = (name: string, format: NotifyTarget['format'], events: NotifyTarget['events'], extra: Partial<NotifyTarget> = {}): NotifyTarget => ({
  name, url: `${receiver.url}/${name}`, format, events, ...extra,
});

async function deliveries(): Promise<Array<Record<string, unknown>>> {
  return (await db.store.query('select event_type, target, format, status, attempts, http_status, error from notification_delivery order by id')).rows;
}

describe('notifications', () => {
  it('delivers each kind to the webhooks subscribed to it, in each format, and records every delivery', async () => {
    const notifier = createNotifier({
      store: db.store,
      retryDelayMs: 5,
      targets: [
        target('ops-json', 'json', ['backup.failed', 'execution.landed']),
        target('slack', 'slack', ['backup.failed']),
        target('discord', 'discord', ['execution.landed']),
        target('telegram', 'telegram', ['backup.failed'], { chatId: '-1001234' }),
      ],
    });
    installNotifier(notifier);
    const at = new Date('2026-12-02T03:00:00.000Z');
    notify({ type: 'backup.failed', text: 'backup /b/x.jsonl failed: no space left on device (ENOSPC)', details: { dir: '/b' }, at });
    notify({ type: 'execution.landed', text: 'profit 0.0123 WETH', details: { profit: '12300000000000000', token: 'WETH' }, at });
    notify({ type: 'kill-switch', text: 'nobody listens to this', at });
    await notifier.drain();
    installNotifier(undefined);

    const byPath = Object.fromEntries(receiver.requests.map((r) => [`${r.path} ${JSON.stringify(r.body).includes('backup') ? 'backup' : 'landed'}`, r.body]));
    expect(byPath).toEqual({
      '/ops-json backup': { type: 'backup.failed', severity: 'warning', text: 'backup /b/x.jsonl failed: no space left on device (ENOSPC)', details: { dir: '/b' }, at: '2026-12-02T03:00:00.000Z' },
      '/ops-json landed': { type: 'execution.landed', severity: 'info', text: 'profit 0.0123 WETH', details: { profit: '12300000000000000', token: 'WETH' }, at: '2026-12-02T03:00:00.000Z' },
      '/slack backup': { text: '⚠️ Orion backup.failed: backup /b/x.jsonl failed: no space left on device (ENOSPC)' },
      '/discord landed': { content: 'ℹ️ Orion execution.landed: profit 0.0123 WETH' },
      '/telegram backup': { chat_id: '-1001234', text: '⚠️ Orion backup.failed: backup /b/x.jsonl failed: no space left on device (ENOSPC)', disable_web_page_preview: true },
    });
    expect(receiver.requests).toHaveLength(5);
    expect((await deliveries()).map((d) => `${d['target']} ${d['event_type']} ${d['status']}`).sort()).toEqual([
      'discord execution.landed delivered', 'ops-json backup.failed delivered', 'ops-json execution.landed delivered', 'slack backup.failed delivered', 'telegram backup.failed delivered',
    ]);
  });

  it('retries 5xx until delivered; gives up on 4xx at once and after the last attempt otherwise', async () => {
    await db.store.query('delete from notification_delivery');
    receiver.requests.length = 0;
    receiver.answer = (path, n) => (path === '/flaky' ? (n <= 2 ? 503 : 200) : path === '/gone' ? 404 : 500);
    const notifier = createNotifier({ store: db.store, retryDelayMs: 5, attempts: 3, targets: [target('flaky', 'json', ['engine.stalled']), target('gone', 'json', ['engine.stalled']), target('down', 'json', ['engine.stalled'])] });
    notifier.notify({ type: 'engine.stalled', text: 'no block for 60 s' });
    await notifier.drain();
    receiver.answer = () => 200;
    expect((await deliveries()).map((d) => [d['target'], d['status'], d['attempts'], d['http_status'], d['error']]).sort()).toEqual([
      ['down', 'failed', 3, 500, 'HTTP 500'],
      ['flaky', 'delivered', 3, 200, null],
      ['gone', 'failed', 1, 404, 'HTTP 404'],
    ]);
    // 404 was asked once only: the receiver refused, retrying would not help.
    expect(receiver.requests.filter((r) => r.path === '/gone')).toHaveLength(1);
    expect(receiver.requests.filter((r) => r.path === '/down')).toHaveLength(3);
    expect(notifier.stats()).toMatchObject({ delivered: 1, failed: 2, waiting: 0 });
  });

  it('never blocks the caller: a hanging receiver and a full queue drop (recorded), notify still returns', async () => {
    await db.store.query('delete from notification_delivery');
    receiver.requests.length = 0;
    receiver.hold();
    const notifier = createNotifier({ store: db.store, queueSize: 2, concurrency: 1, targets: [target('slow', 'json', ['gas.low'])] });
    for (let i = 0; i < 5; i += 1) notifier.notify({ type: 'gas.low', text: `hot key at 0.0${i} ETH` });
    // One in flight (held by the receiver), two waiting, two dropped: all decided without waiting.
    expect(notifier.stats()).toMatchObject({ queued: 3, dropped: 2, waiting: 3 });
    await receiver.received(1);
    receiver.release();
    await notifier.stop();
    expect((await deliveries()).map((d) => d['status']).sort()).toEqual(['delivered', 'delivered', 'delivered', 'dropped', 'dropped']);
  });

  it("caps a receiver's Retry-After at maxRetryDelayMs (an hour asked, the cap waited)", async () => {
    await db.store.query('delete from notification_delivery');
    receiver.requests.length = 0;
    // Telegram and Discord answer 429 with their own wait; one saying an hour must not hold a worker (and the shutdown) an hour.
    receiver.answer = (path, n) => (path === '/tg' && n === 1 ? 429 : 200);
    receiver.headers = (path, n) => (path === '/tg' && n === 1 ? { 'retry-after': '3600' } : {});
    const notifier = createNotifier({ store: db.store, retryDelayMs: 5, maxRetryDelayMs: 100, targets: [target('tg', 'json', ['kill-switch'])] });
    const started = performance.now();
    notifier.notify({ type: 'kill-switch', text: 'engaged' });
    await notifier.drain();
    const waited = performance.now() - started;
    receiver.answer = () => 200;
    receiver.headers = () => ({});
    expect(await deliveries()).toMatchObject([{ target: 'tg', status: 'delivered', attempts: 2, http_status: 200 }]);
    expect(waited).toBeGreaterThanOrEqual(100); // the cap was waited, not the 5 ms backoff
  });

  it('stop() holds the shutdown at most stopTimeoutMs: what is left is recorded as dropped and named; later events too', async () => {
    await db.store.query('delete from notification_delivery');
    receiver.requests.length = 0;
    receiver.hold(); // the receiver never answers (until released at the end)
    const said: string[] = [];
    const notifier = createNotifier({ store: db.store, concurrency: 1, timeoutMs: 600_000, stopTimeoutMs: 200, say: (line) => said.push(line), targets: [target('stuck', 'json', ['gas.low', 'execution.failed'])] });
    notifier.notify({ type: 'gas.low', text: 'hot key at 0.01 ETH' });
    notifier.notify({ type: 'execution.failed', text: 'reverted' });
    notifier.notify({ type: 'gas.low', text: 'hot key at 0.009 ETH' });
    await receiver.received(1); // one in flight, two waiting
    await notifier.stop();
    expect(notifier.stats()).toMatchObject({ queued: 3, delivered: 0, failed: 0, dropped: 3, waiting: 0 });
    notifier.notify({ type: 'execution.failed', text: 'after the stop' });
    await notifier.drain();
    receiver.release();
    const rows = await deliveries();
    expect(rows.map((d) => [d['event_type'], d['status'], d['error']])).toEqual([
      ['gas.low', 'dropped', 'shutdown deadline: undelivered after 200 ms'],
      ['execution.failed', 'dropped', 'shutdown deadline: undelivered after 200 ms'],
      ['gas.low', 'dropped', 'shutdown deadline: undelivered after 200 ms'],
      ['execution.failed', 'dropped', 'notifier stopped (shutting down)'],
    ]);
    expect(notifier.stats().dropped).toBe(4);
    expect(said).toEqual([
      'notifications: 3 undelivered at the shutdown deadline (200 ms), recorded as dropped: gas.low to stuck, execution.failed to stuck, gas.low to stuck',
      'notifications: execution.failed to stuck not sent, the notifier has stopped: after the stop',
    ]);
  });

  it('reads webhooks from ORION_NOTIFY_FILE and refuses a bad one naming the field', () => {
    const good = join(folder, 'good.json');
    writeFileSync(good, JSON.stringify({ webhooks: [{ name: 'tg', url: 'https://api.telegram.org/bot123:abc/sendMessage', format: 'telegram', chatId: 42, events: '*' }] }));
    const [tg] = readNotifyTargets(good);
    expect(tg).toMatchObject({ name: 'tg', format: 'telegram', chatId: '42' });
    expect(tg!.events).toContain('kill-switch');
    const bad = join(folder, 'bad.json');
    writeFileSync(bad, JSON.stringify({ webhooks: [{ name: 'x', url: 'https://hooks.slack.com/x', format: 'slack', events: ['execution.lands'] }] }));
    expect(() => readNotifyTargets(bad)).toThrow(/ORION_NOTIFY_FILE .*bad\.json: webhooks\.0\.events/);
    writeFileSync(bad, JSON.stringify({ webhooks: [{ name: 'tg', url: 'https://api.telegram.org/botX/sendMessage', format: 'telegram', events: '*' }] }));
    expect(() => readNotifyTargets(bad)).toThrow(/webhooks\.0\.chatId: a telegram webhook needs chatId/);
  });
});
