import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createAccessTokens } from '../auth/access-tokens.ts';
import { createInProcessBus, type EventBus } from '../bus/index.ts';
import { createMetrics, type Metrics } from '../metrics/registry.ts';
import { forEachBackend } from '../store/test-store.ts';
import { createTestApp, type TestApp } from './test-app.ts';

forEachBackend('/ws', (ctx) => {
  let t: TestApp;
  let bus: EventBus;
  let metrics: Metrics;
  let base: string;
  beforeAll(async () => {
    bus = createInProcessBus();
    metrics = createMetrics({ defaults: false });
    t = await createTestApp(ctx.store, { app: { bus, metrics, wsMaxBufferedBytes: 64 * 1024, wsKeyRecheckMs: 100 } });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    base = `ws://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/ws`;
  });
  afterAll(async () => {
    await t?.app.close();
    await bus?.close();
  });

  /** The HTTP status of a refused upgrade, or 'open'. */
  const attempt = (url: string, headers: Record<string, string> = {}): Promise<number | 'open'> =>
    new Promise((resolve) => {
      const socket = new WebSocket(url, { headers });
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => {
        socket.close();
        resolve('open');
      });
    });

  it('refuses a missing, forged or expired-key token at connect (401)', async () => {
    expect(await attempt(base)).toBe(401);
    expect(await attempt(`${base}?access_token=abc.def.ghi`)).toBe(401);
    const [, payload] = t.users.viewer.accessToken.split('.');
    expect(await attempt(`${base}?access_token=${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`)).toBe(401);
    expect(await attempt(base, t.bearer('viewer'))).toBe('open');
  });

  it('streams bus events of the chosen channels to a signed-in client', async () => {
    const socket = new WebSocket(`${base}?channels=executions,mode&access_token=${t.users.viewer.accessToken}`);
    const messages: Array<{ channel: string; data: unknown }> = [];
    const got = new Promise<void>((resolve) => {
      socket.on('message', (raw) => {
        const message = JSON.parse(raw.toString()) as { channel: string; data: unknown };
        messages.push(message);
        if (message.channel === 'hello') {
          void bus.publish('opportunities', { id: 'not subscribed' });
          void bus.publish('executions', { id: 'e1', gasUsed: 21000n });
        }
        if (message.channel === 'executions') resolve();
      });
    });
    await got;
    socket.close();
    expect(messages.map((m) => m.channel)).toEqual(['hello', 'executions']);
    expect(messages[1]?.data).toEqual({ id: 'e1', gasUsed: '21000' });
  });

  it('closes the connection when its token expires', async () => {
    const claims = await t.auth.access.verify(t.users.viewer.accessToken);
    // exp is whole seconds: a 2 s lifetime leaves at least 1 s to connect.
    const soon = createAccessTokens(t.auth.keys, { issuer: 'orion', audience: 'orion-api', ttlSeconds: 2 });
    const brief = (await soon.issue({ userId: claims.sub, role: claims.role, sessionId: claims.sid, pseudonym: claims.psn })).token;
    const socket = new WebSocket(`${base}?access_token=${brief}`);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    expect(closed).toEqual({ code: 4001, reason: 'access token expired' });
  });

  /** A new API key of `role` expiring at `expiresAt`: its id and secret. */
  const newKey = async (expiresAt: Date): Promise<{ id: string; secret: string }> => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.bearer('admin'), payload: { name: 'ws-client', role: 'viewer', expiresAt: expiresAt.toISOString() } });
    expect(created.statusCode).toBe(201);
    const body = created.json() as { apiKey: { id: string }; secret: string };
    return { id: body.apiKey.id, secret: body.secret };
  };
  /** Opens /ws with an API key; resolves once the server said hello, with how the socket will close. */
  const openWithKey = async (secret: string): Promise<{ closed: Promise<{ code: number; reason: string }> }> => {
    const socket = new WebSocket(base, { headers: { 'x-api-key': secret } });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise<void>((resolve, reject) => {
      socket.once('message', () => resolve());
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    // Wrapped: an async function returning the promise itself would wait for the close.
    return { closed };
  };

  it('closes a connection opened with an API key when the key is revoked', async () => {
    const key = await newKey(new Date(Date.now() + 86_400_000));
    const { closed } = await openWithKey(key.secret);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}`, headers: t.bearer('admin') })).statusCode).toBe(200);
    expect(await closed).toEqual({ code: 4001, reason: 'API key expired or revoked' });
  });

  it('closes a connection opened with an API key when the key expires', async () => {
    // A 3 s lifetime leaves time to connect; the key's stored expiry is what closes it.
    const key = await newKey(new Date(Date.now() + 3000));
    const { closed } = await openWithKey(key.secret);
    expect(await closed).toEqual({ code: 4001, reason: 'API key expired or revoked' });
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { 'x-api-key': key.secret } })).statusCode).toBe(401);
  });

  it('drops a client that does not read instead of buffering without bound', async () => {
    const socket = new WebSocket(`${base}?channels=opportunities&access_token=${t.users.viewer.accessToken}`);
    await new Promise<void>((resolve) => socket.once('message', () => resolve()));
    // Stop reading: TCP backpressure fills the server's send buffer.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    let received = 0;
    socket.on('message', () => received++);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    const published = 2000;
    const blob = 'x'.repeat(16 * 1024);
    for (let i = 0; i < published; i++) await bus.publish('opportunities', { i, blob });
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect([4008, 1006]).toContain(await closed);
    expect(received).toBeLessThan(published);
    expect((await metrics.scrape()).body).toContain('orion_ws_clients_dropped_total{reason="slow"} 1');
  });
});
