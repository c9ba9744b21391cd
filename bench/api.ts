import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { buildApp } from '../src/api/app.ts';
import { Readiness } from '../src/api/readiness.ts';
import { ServiceGate } from '../src/api/services.ts';
import { createAuditLog } from '../src/audit/audit-log.ts';
import { generateCheckpointKey } from '../src/audit/checkpoint-key.ts';
import { createAuthService } from '../src/auth/auth-service.ts';
import { hashPassword, verifyPassword } from '../src/auth/password.ts';
import { migrate, openStore } from '../src/store/index.ts';

// `npm run bench -- api [seconds] [connections]`: autocannon against an authenticated read route
// (GET /api/v1/auth/me with a valid access token: JWT verification + one user lookup) on the
// embedded PGlite, and the argon2id cost of one login. Prints one JSON line per figure.
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 10);

const dataDir = mkdtempSync(join(tmpdir(), 'orion-bench-api-'));
const store = await openStore({ dataDir });
await migrate(store);
const audit = createAuditLog(store, generateCheckpointKey().key);
const auth = createAuthService(store, audit, { issuer: 'orion', audience: 'orion-api', ttlSeconds: 900, refreshTtlSeconds: 3600 });
const gate = new ServiceGate();
gate.open({ store, auth, audit });
const readiness = new Readiness();
const app = buildApp({ readiness, gate, http: { rateLimit: 100_000_000, authRateLimit: 100_000_000, logLevel: 'silent' } });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

try {
  await auth.users.add({ username: 'bench', role: 'viewer', password: 'bench password 1', mustChangePassword: false });
  const login = await auth.login({ username: 'bench', password: 'bench password 1' }, { ip: '127.0.0.1' });
  if (login.status !== 'ok') throw new Error('bench user got a challenge');

  const result = await autocannon({ url: `${base}/api/v1/auth/me`, connections, duration: seconds, headers: { authorization: `Bearer ${login.tokens.accessToken}` } });
  process.stdout.write(
    `${JSON.stringify({
      bench: 'api',
      route: 'GET /api/v1/auth/me (Bearer JWT, PGlite)',
      connections,
      seconds,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      reqPerSec: result.requests.average,
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    })}\n`,
  );

  // The same server's floor: an unauthenticated probe (hooks, headers, metrics, no auth, no database).
  const floor = await autocannon({ url: `${base}/healthz`, connections, duration: seconds });
  process.stdout.write(`${JSON.stringify({ bench: 'api-floor', route: 'GET /healthz', connections, seconds, reqPerSec: floor.requests.average, latencyMs: { p50: floor.latency.p50, p99: floor.latency.p99 } })}\n`);

  // One login's password check: argon2id at m = 19 MiB, t = 2, p = 1.
  const hash = await hashPassword('bench password 1');
  const runs = 20;
  const start = performance.now();
  for (let i = 0; i < runs; i++) await verifyPassword(hash, 'bench password 1');
  const verifyMs = (performance.now() - start) / runs;
  const logins = await autocannon({ url: `${base}/api/v1/auth/login`, method: 'POST', connections: 2, amount: 40, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench password 1' }) });
  process.stdout.write(
    `${JSON.stringify({ bench: 'api-login', argon2idVerifyMs: Number(verifyMs.toFixed(1)), loginsPerSec: logins.requests.average, loginLatencyMs: { p50: logins.latency.p50, p99: logins.latency.p99 }, non2xx: logins.non2xx })}\n`,
  );
} finally {
  await app.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
