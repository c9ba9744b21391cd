import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { hashPassword, verifyPassword } from '../src/auth/password.ts';
import { base32Decode, totpAt } from '../src/auth/totp.ts';
import { readServerUrl } from '../src/ops/server-url.ts';
import { runConstantRateLoad } from './constant-rate-load.ts';

// `npm run bench -- api [--rate 1000] [--seconds 20] [--connections 20] [--rows 50] [--log-level warn]`:
// issue 12's API figure. Starts `orion start` as a child on the embedded defaults (local chain,
// engine, PGlite) in a fresh data folder, signs the first admin in over HTTP (password, MFA
// enrolment), waits until the engine has recorded `--rows` opportunities, then drives
// `GET /api/v1/opportunities` (one page of 50, Bearer JWT) at `--rate` requests/s while the engine
// keeps running: first at a constant arrival rate timed from each request's due time (the
// figure, constant-rate-load.ts), then with autocannon's per-second bursts (the earlier rows'
// method, for comparison); then measures the cost of a login (argon2id). Prints one JSON line per
// figure, with the load average, the server process's CPU time per request and its event-loop delay.
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '20' },
    rows: { type: 'string', default: '50' },
    'log-level': { type: 'string', default: 'warn' },
    /** What the client accepts: gzip (as every browser sends) or identity (the plain page). */
    encoding: { type: 'string', default: 'gzip' },
    /** The server's database: PostgreSQL at this URL (a fresh schema is not made: give a database of its own); default the embedded PGlite. */
    'database-url': { type: 'string' },
    /** Writes a V8 CPU profile of the server process into this folder (node --cpu-prof). */
    profile: { type: 'string' },
  },
});
if (values.encoding !== 'gzip' && values.encoding !== 'identity') throw new Error(`bench api: --encoding must be gzip or identity, got ${values.encoding}`);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const wantRows = Number(values.rows);

const dataDir = mkdtempSync(join(tmpdir(), 'orion-bench-api-'));
const bin = fileURLToPath(new URL('../bin/orion.js', import.meta.url));
// The per-IP limits are raised: the bench is one address making 1,000 requests a second.
const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', ORION_DATA_DIR: dataDir, LOG_LEVEL: values['log-level'], ORION_RATE_LIMIT: '1000000', ORION_AUTH_RATE_LIMIT: '100000', ORION_BACKUP_INTERVAL: '0' };
for (const name of ['DATABASE_URL', 'REDIS_URL', 'ORION_RPC_URLS', 'ORION_CONFIG']) delete env[name];
if (values['database-url'] !== undefined) env.DATABASE_URL = values['database-url'];
const profile = values.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values.profile}`];
const child = spawn(process.execPath, [...profile, bin, 'start'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
const exited = new Promise<never>((_resolve, reject) => child.once('exit', (code) => reject(new Error(`orion start exited ${code}:\n${stderr}`))));
exited.catch(() => undefined); // raced below; the stop at the end rejects it too

/** Polls `probe` every 250 ms until it returns a value (the server child exiting fails it). */
async function until<T>(what: string, limitMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const found = await Promise.race([probe().catch(() => undefined), exited]);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`bench api: ${what} not within ${limitMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** User + system CPU seconds of `pid` so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const post = async <T>(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> => {
  const response = await fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
};

try {
  const base = await until('the server URL', 60_000, async () => readServerUrl(dataDir));
  await until('readiness (chain seeded, engine running)', 300_000, async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined));

  // The first admin, as an operator signs in the first time: password, then MFA enrolment.
  const password = /password: (\S+)/.exec(readFileSync(join(dataDir, 'admin-credentials.txt'), 'utf8'))![1]!;
  const login = await post<{ challenge: string; next: string }>(base, '/auth/login', { username: 'admin', password });
  const enrolment = await post<{ secret: string }>(base, '/auth/mfa/enrol', { challenge: login.challenge });
  const tokens = await post<{ accessToken: string }>(base, '/auth/mfa', { challenge: login.challenge, code: totpAt(base32Decode(enrolment.secret), Date.now() / 1000) });
  const headers = { authorization: `Bearer ${tokens.accessToken}` };
  const pageHeaders = { ...headers, 'accept-encoding': values.encoding === 'gzip' ? 'gzip, deflate, br' : 'identity' };

  const page = async (): Promise<number> => ((await (await fetch(`${base}/api/v1/opportunities`, { headers })).json()) as { rows: unknown[] }).rows.length;
  const rows = await until(`${wantRows} opportunities in the ledger`, 300_000, async () => {
    const n = await page();
    return n >= wantRows ? n : undefined;
  });

  // The server's event loop over the window: prom-client's delay histogram is reset by every
  // scrape, so one scrape just before and one just after give the window's own figures.
  const eventLoop = async (): Promise<{ p99Ms: number; maxMs: number }> => {
    const text = await (await fetch(`${base}/metrics`, { headers })).text();
    const metric = (name: string): number => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { p99Ms: Number((metric('nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1)), maxMs: Number((metric('nodejs_eventloop_lag_max_seconds') * 1000).toFixed(1)) };
  };
  const report = (fields: Record<string, unknown>, serverCpu: number, requests: number, loadBefore: number[]): void => {
    process.stdout.write(
      `${JSON.stringify({
        route: 'GET /api/v1/opportunities (page of 50, Bearer JWT), orion start on the embedded devnet, engine running',
        logLevel: values['log-level'],
        targetRate: rate,
        connections,
        seconds,
        rowsPerPage: rows,
        acceptEncoding: pageHeaders['accept-encoding'],
        ...fields,
        serverCpuMsPerRequest: Number(((serverCpu * 1000) / Math.max(1, requests)).toFixed(3)),
        serverCpuCoresBusy: Number((serverCpu / seconds).toFixed(2)),
        loadAverage: { before: loadBefore.map((l) => Number(l.toFixed(2))), after: loadavg().map((l) => Number(l.toFixed(2))) },
      })}\n`,
    );
  };

  // The figure: requests due every 1/rate s, timed from when each was due (constant-rate-load.ts).
  await eventLoop();
  let cpuBefore = cpuSeconds(child.pid!);
  let loadBefore = loadavg();
  const steady = await runConstantRateLoad({ url: `${base}/api/v1/opportunities`, headers: pageHeaders, rate, seconds, connections });
  const steadyLoop = await eventLoop();
  report({ bench: 'api', load: 'constant arrival rate, latency from each request\'s due time', ...steady, serverEventLoopDelayMs: steadyLoop }, cpuSeconds(child.pid!) - cpuBefore, steady.sent, loadBefore);

  // For comparison with the earlier rows: autocannon's per-connection quota, sent as a burst each second.
  cpuBefore = cpuSeconds(child.pid!);
  loadBefore = loadavg();
  const result = await autocannon({ url: `${base}/api/v1/opportunities`, connections, duration: seconds, overallRate: rate, headers: pageHeaders });
  const burstLoop = await eventLoop();
  report(
    {
      bench: 'api-autocannon',
      load: "autocannon overallRate: each connection's quota for the second sent back to back",
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      reqPerSec: result.requests.average,
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      serverEventLoopDelayMs: burstLoop,
    },
    cpuSeconds(child.pid!) - cpuBefore,
    result.requests.total,
    loadBefore,
  );

  // One login's password check: argon2id at m = 19 MiB, t = 2, p = 1 (in this process), and
  // the password step of /auth/login against the server (verification + a challenge written).
  const hash = await hashPassword('bench password 1');
  const runs = 20;
  const start = performance.now();
  for (let i = 0; i < runs; i++) await verifyPassword(hash, 'bench password 1');
  const verifyMs = (performance.now() - start) / runs;
  const logins = await autocannon({ url: `${base}/api/v1/auth/login`, method: 'POST', connections: 2, amount: 40, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  process.stdout.write(
    `${JSON.stringify({ bench: 'api-login', argon2idVerifyMs: Number(verifyMs.toFixed(1)), loginsPerSec: logins.requests.average, loginLatencyMs: { p50: logins.latency.p50, p99: logins.latency.p99 }, non2xx: logins.non2xx, loadAverage: loadavg().map((l) => Number(l.toFixed(2))) })}\n`,
  );
} finally {
  child.kill('SIGTERM');
  await exited.catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}
