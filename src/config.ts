import { existsSync, readFileSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from './errors.ts';
import { CLI_CLIENT_VARIABLES, CONFIG_FILE_VARIABLE, ConfigSchema, DEFAULT_AAVE_PREMIUM_BPS, DEFAULT_CONFIG_FILE, VARIABLES, type ConfigKey } from './config/schema.ts';
import type { BaseToken, TrustedProxies } from './config/values.ts';
import type { UsdReference } from './config/usd-reference.ts';
import type { RiskCapital } from './config/risk-capital.ts';
import type { BaseFeeRuleKind } from './chain/next-base-fee.ts';

/**
 * The platform's configuration, read once at boot from the environment and an optional
 * `orion.config.json` (environment wins). Any bad value stops boot with one ConfigError that
 * names the variable, the value and what is allowed; secrets come only from the environment.
 */

export type { BaseToken } from './config/values.ts';
export { VARIABLES, LOG_LEVELS } from './config/schema.ts';

/** The validated configuration; paths are absolute, lists are never undefined. */
export interface Config {
  mode: 'sim' | 'live';
  host: string;
  port: number;
  /** Absolute folder for local data. */
  dataDir: string;
  /** PostgreSQL URL; undefined = embedded PGlite under `dataDir/pglite`. */
  databaseUrl: string | undefined;
  /** Redis URL; undefined = in-process event bus. */
  redisUrl: string | undefined;
  /** JSON-RPC URLs, primary first; empty = the embedded local chain. */
  rpcUrls: readonly string[];
  /** Seconds between local-chain blocks. */
  blockTime: number;
  /** Absolute path of the seeding snapshot; undefined = the embedded default snapshot. */
  snapshot: string | undefined;
  flow: boolean;
  flowSeed: number;
  /** Noise swaps per block. */
  flowRate: number;
  /** Largest noise swap, basis points of the pool's reserve of the input token. */
  flowSize: number;
  maxStaleBlocks: number;
  baseTokens: readonly BaseToken[];
  maxHops: number;
  /** Liquidity floor in reference tokens, as given (decimal text; src/scanner/liquidity-floor.ts reads it). */
  minPoolLiquidity: string;
  /** Tip per gas in wei on top of the next block's base fee. */
  priorityFee: bigint;
  /** Cap on the fee per gas in wei; undefined = no cap. */
  maxFeePerGas: bigint | undefined;
  /** The next base fee's rule, overriding the chain id's (src/chain/next-base-fee.ts); undefined = by chain id. */
  baseFeeRule: BaseFeeRuleKind | undefined;
  /** Balancer V2 Vault (lower-case) on the followed chain; undefined = no Balancer flash loans. */
  balancerVault: `0x${string}` | undefined;
  /** Aave V3 Pool (lower-case) on the followed chain; undefined = no Aave flash loans. */
  aavePool: `0x${string}` | undefined;
  /** Aave V3 flash-loan premium in basis points (5 unless set; only meaningful with aavePool). */
  aavePremiumBps: number;
  /** FlashArbExecutor on the followed chain (lower-case); undefined = the embedded chain's own, or none. */
  executorAddress: `0x${string}` | undefined;
  /** Address plans are sent from (lower-case); required with executorAddress. */
  hotKeyAddress: `0x${string}` | undefined;
  /** Safety margin on the net profit, basis points. */
  minProfitMarginBps: number;
  /** Blocks a plan stays valid after its block. */
  deadlineBlocks: number;
  /** Gas limit above the gas table, basis points. */
  gasLimitMarginBps: number;
  /** Live: share of the expected profit added as tip, basis points. */
  tipShareBps: number;
  /** Live: blocks pending before a replacement. */
  replaceAfterBlocks: number;
  /** Live: whether the RPC shows the pending transactions it holds (ORION_POOL_VISIBLE); off for a private or sequencer RPC that answers null for one. */
  poolVisible: boolean;
  /** Live: blocks after inclusion at which an execution is final. */
  confirmations: number;
  /** Live: public (eth_sendRawTransaction) or bundle (eth_sendBundle to relayUrls). */
  submit: 'public' | 'bundle';
  /** Live, bundle mode: the relays (http(s)); empty in public mode. */
  relayUrls: readonly string[];
  /** Live, bundle mode: the key that signs relay requests (never the hot key). */
  relayAuthKey: `0x${string}` | undefined;
  /** Live, bundle mode: target blocks per bundle (N+1..N+k). */
  bundleBlocks: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Absolute folder of scheduled backups (default `dataDir/backups`). */
  backupDir: string;
  /** Seconds between scheduled backups; 0 = none. */
  backupInterval: number;
  /** Scheduled backups kept. */
  backupKeep: number;
  /** Absolute path of the notifications file; undefined = no notifications. */
  notifyFile: string | undefined;
  /** Seconds between maintenance runs (risk snapshot, retention); 0 = none. */
  maintenanceInterval: number;
  /** Days opportunities and simulations are kept. */
  retentionDays: number;
  /** Pools pricing base tokens in a USD stablecoin (risk snapshots' USD figures); empty = none. */
  usdReferencePools: readonly UsdReference[];
  /** Capital per base token (token units as written), for the drawdown in % of it; empty = none. */
  riskCapital: readonly RiskCapital[];
  /** Annual risk-free rate on that capital (fraction); undefined = none. */
  riskFreeRate: number | undefined;
  /** Absolute path of the config file that was read, if any. */
  configFile: string | undefined;
  // API (issue 12)
  /** Origins allowed to call the API cross-origin (CORS); empty = none. */
  corsOrigins: readonly string[];
  /** Requests per minute per IP address. */
  rateLimit: number;
  /** Requests per minute per IP address on the login, MFA and refresh routes. */
  authRateLimit: number;
  /** Addresses that may scrape /metrics without an API key. */
  metricsAllow: readonly string[];
  /** Which proxies the client address is read through (X-Forwarded-For): none, a hop count, or their addresses. */
  trustProxy: TrustedProxies;
  jwtIssuer: string;
  jwtAudience: string;
  /** Access token lifetime, seconds (at most 900). */
  accessTokenTtl: number;
  /** Refresh token lifetime, seconds. */
  refreshTokenTtl: number;
  /** Absolute path of the audit checkpoint key (PEM). */
  auditKeyFile: string;
  // Keys and mode (issue 11): read only by src/executor/live/keys.ts
  /** The hot key (0x + 64 lower-case hex); never with `keystore`. */
  privateKey: `0x${string}` | undefined;
  /** Absolute path of the hot key's keystore (Web3 Secret Storage v3). */
  keystore: string | undefined;
  /** Absolute path of the file holding the keystore's password; set exactly when `keystore` is. */
  keystorePasswordFile: string | undefined;
  /** The contract owner's key; never with `ownerKeystore`. */
  ownerKey: `0x${string}` | undefined;
  ownerKeystore: string | undefined;
  ownerKeystorePasswordFile: string | undefined;
  /** Whether live mode may be switched on at all. */
  allowLive: boolean;
  /** Where contract withdrawals go (lower-case). */
  coldWallet: `0x${string}` | undefined;
  /** Executions the hot key must be able to pay at the fee cap for live mode to validate. */
  gasReserveTxs: number;
}

/** Options of loadConfig, for tests and tools that run from another folder. */
export interface LoadConfigOptions {
  /** Config file to read instead of ORION_CONFIG / ./orion.config.json; it must exist. */
  configFile?: string;
  /** Folder relative env paths and the default config file resolve against (default: process.cwd()). */
  cwd?: string;
}

type Env = Readonly<Record<string, string | undefined>>;
type Source = { from: 'env' | 'file' | 'default'; raw: unknown };

const KEYS = Object.keys(VARIABLES) as ConfigKey[];
const KNOWN_ENV = new Set([CONFIG_FILE_VARIABLE, ...KEYS.map((key) => VARIABLES[key].env), ...Object.keys(CLI_CLIENT_VARIABLES)]);

/** Reads and validates the configuration; throws ConfigError naming every bad value. */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [...unknownEnvProblems(env), ...unprefixedTypoProblems(env)];
  const file = readConfigFile(env, options, cwd);
  const sources = new Map<ConfigKey, Source>();
  for (const key of KEYS) {
    const spec = VARIABLES[key];
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv.trim() !== '') sources.set(key, { from: 'env', raw: fromEnv });
    else if (file?.values[key] !== undefined) sources.set(key, { from: 'file', raw: file.values[key] });
    else if (spec.default !== undefined) sources.set(key, { from: 'default', raw: spec.default });
  }
  const parsed = ConfigSchema.safeParse(Object.fromEntries([...sources].map(([key, source]) => [key, source.raw])));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] as ConfigKey;
      problems.push(`${describeSetting(key, sources.get(key), file?.path)} ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw configError(problems);
  const v = parsed.data;
  const base = (key: ConfigKey): string => (sources.get(key)?.from === 'file' && file !== undefined ? dirname(file.path) : cwd);
  const optionalPath = (key: 'keystore' | 'keystorePasswordFile' | 'ownerKeystore' | 'ownerKeystorePasswordFile'): string | undefined => {
    const value = v[key];
    return value === undefined ? undefined : resolve(base(key), value);
  };
  const snapshot = v.snapshot === undefined ? undefined : resolve(base('snapshot'), v.snapshot);
  if (snapshot !== undefined && !(existsSync(snapshot) && statSync(snapshot).isFile())) {
    throw configError([`${describeSetting('snapshot', sources.get('snapshot'), file?.path)} names no file (${snapshot}); allowed: a path to an orion.pools/v1 JSON file`]);
  }
  if (v.rpcUrls !== undefined && v.rpcUrls.length > 0 && snapshot === undefined) {
    throw configError([`${describeSetting('rpcUrls', sources.get('rpcUrls'), file?.path)} is set but ORION_SNAPSHOT is not; allowed: ORION_RPC_URLS together with ORION_SNAPSHOT naming the pools to follow on that chain`]);
  }
  const crossProblems = crossFieldProblems(v, (key) => describeSetting(key, sources.get(key), file?.path));
  if (crossProblems.length > 0) throw configError(crossProblems);
  // Frozen: the configuration is read once at boot, and nothing may change it afterwards.
  return Object.freeze({
    ...v,
    dataDir: resolve(base('dataDir'), v.dataDir),
    databaseUrl: v.databaseUrl,
    redisUrl: v.redisUrl,
    maxFeePerGas: v.maxFeePerGas,
    baseFeeRule: v.baseFeeRule,
    balancerVault: v.balancerVault,
    aavePool: v.aavePool,
    aavePremiumBps: v.aavePremiumBps ?? DEFAULT_AAVE_PREMIUM_BPS,
    executorAddress: v.executorAddress,
    hotKeyAddress: v.hotKeyAddress,
    minProfitMarginBps: v.minProfitMarginBps,
    deadlineBlocks: v.deadlineBlocks,
    gasLimitMarginBps: v.gasLimitMarginBps,
    rpcUrls: Object.freeze(v.rpcUrls ?? []),
    baseTokens: Object.freeze(v.baseTokens.map((token) => Object.freeze(token))),
    snapshot,
    backupDir: v.backupDir === undefined ? join(resolve(base('dataDir'), v.dataDir), 'backups') : resolve(base('backupDir'), v.backupDir),
    notifyFile: v.notifyFile === undefined ? undefined : resolve(base('notifyFile'), v.notifyFile),
    configFile: file?.path,
    corsOrigins: Object.freeze(v.corsOrigins ?? []),
    metricsAllow: Object.freeze(v.metricsAllow ?? []),
    relayUrls: Object.freeze(v.relayUrls ?? []),
    relayAuthKey: v.relayAuthKey,
    usdReferencePools: Object.freeze(v.usdReferencePools),
    riskCapital: Object.freeze(v.riskCapital ?? []),
    riskFreeRate: v.riskFreeRate,
    auditKeyFile: v.auditKeyFile === undefined ? join(resolve(base('dataDir'), v.dataDir), 'audit-checkpoint-key.pem') : resolve(base('auditKeyFile'), v.auditKeyFile),
    privateKey: v.privateKey,
    keystore: optionalPath('keystore'),
    keystorePasswordFile: optionalPath('keystorePasswordFile'),
    ownerKey: v.ownerKey,
    ownerKeystore: optionalPath('ownerKeystore'),
    ownerKeystorePasswordFile: optionalPath('ownerKeystorePasswordFile'),
    coldWallet: v.coldWallet,
  });
}

/** Settings that are valid alone but contradict each other. */
function crossFieldProblems(v: z.output<typeof ConfigSchema>, describe: (key: ConfigKey) => string): string[] {
  const problems: string[] = [];
  // EIP-1559 refuses a transaction whose maxFeePerGas is below its maxPriorityFeePerGas.
  if (v.maxFeePerGas !== undefined && v.maxFeePerGas < v.priorityFee) {
    problems.push(`${describe('maxFeePerGas')} is below ORION_PRIORITY_FEE (${v.priorityFee}); allowed: a cap at least the priority fee`);
  }
  if (v.aavePool === undefined && v.aavePremiumBps !== undefined) {
    problems.push(`${describe('aavePremiumBps')} is set but ORION_AAVE_POOL is not; allowed: the premium together with the Aave V3 Pool it applies to`);
  }
  if (v.hotKeyAddress !== undefined && v.executorAddress === undefined) {
    problems.push(`${describe('hotKeyAddress')} is set without ORION_EXECUTOR_ADDRESS; allowed: the hot key together with the executor contract it calls`);
  }
  problems.push(...keyProblems(v, describe), ...bundleProblems(v, describe));
  if (v.balancerVault !== undefined && v.balancerVault === v.aavePool) {
    problems.push(`${describe('aavePool')} is also ORION_BALANCER_VAULT; allowed: the Aave V3 Pool and the Balancer Vault at their own addresses`);
  }
  return problems;
}

/** Bundle submission needs its relays and its own reputation key, which is never the hot key. */
function bundleProblems(v: z.output<typeof ConfigSchema>, describe: (key: ConfigKey) => string): string[] {
  if (v.submit !== 'bundle') return [];
  const problems: string[] = [];
  if ((v.relayUrls ?? []).length === 0) problems.push(`${describe('submit')} but ORION_RELAY_URLS is unset; allowed: bundle submission together with the relay URLs (http(s)) to send to`);
  if (v.relayAuthKey === undefined) {
    problems.push(`${describe('submit')} but ORION_RELAY_AUTH_KEY is unset; allowed: bundle submission with a separate key that signs relay requests (X-Flashbots-Signature)`);
  } else if (v.privateKey !== undefined && v.relayAuthKey.toLowerCase() === v.privateKey.toLowerCase()) {
    problems.push(`${describe('relayAuthKey')} is the hot key ORION_PRIVATE_KEY; allowed: a separate key that holds no funds (the relay reputation key)`);
  }
  return problems;
}

/** A key comes from exactly one place, and a keystore always with its password file (and only then). */
function keyProblems(v: z.output<typeof ConfigSchema>, describe: (key: ConfigKey) => string): string[] {
  const problems: string[] = [];
  const roles = [
    { key: 'privateKey', keystore: 'keystore', passwordFile: 'keystorePasswordFile' },
    { key: 'ownerKey', keystore: 'ownerKeystore', passwordFile: 'ownerKeystorePasswordFile' },
  ] as const;
  for (const role of roles) {
    const [keyEnv, keystoreEnv, passwordEnv] = [VARIABLES[role.key].env, VARIABLES[role.keystore].env, VARIABLES[role.passwordFile].env];
    if (v[role.key] !== undefined && v[role.keystore] !== undefined) {
      problems.push(`${describe(role.key)} and ${keystoreEnv} are both set; allowed: one source for the key, ${keyEnv} or ${keystoreEnv}`);
    }
    if (v[role.keystore] !== undefined && v[role.passwordFile] === undefined) {
      problems.push(`${describe(role.keystore)} is set without ${passwordEnv}; allowed: the keystore together with the file holding its password`);
    }
    if (v[role.keystore] === undefined && v[role.passwordFile] !== undefined) {
      problems.push(`${describe(role.passwordFile)} is set without ${keystoreEnv}; allowed: the password file together with the keystore it opens`);
    }
  }
  return problems;
}

function configError(problems: string[]): ConfigError {
  const message = problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration (${problems.length} problems): ${problems.join('; ')}`;
  return new ConfigError(message, { details: { problems } });
}

/** "ORION_MAX_HOPS=\"7\"" or "orion.config.json: maxHops (ORION_MAX_HOPS) = 7", secrets masked. */
function describeSetting(key: ConfigKey, source: Source | undefined, filePath: string | undefined): string {
  const spec = VARIABLES[key];
  const shown = spec.secret === true ? maskSecret(source?.raw) : JSON.stringify(source?.raw);
  if (source?.from === 'file') return `${filePath ?? DEFAULT_CONFIG_FILE}: ${key} (${spec.env}) = ${shown}`;
  if (source?.from === 'default') return `default ${spec.env}=${shown}`;
  return `${spec.env}=${shown}`;
}

/** Shows a secret URL with its password replaced, or only its length when it does not parse. */
function maskSecret(raw: unknown): string {
  if (typeof raw !== 'string') return JSON.stringify(raw);
  try {
    return JSON.stringify(redactUrl(raw));
  } catch {
    return `(hidden, ${raw.length} characters)`;
  }
}

/** Replaces the password of a URL with `***` (for logs and messages). Throws if not a URL. */
export function redactUrl(value: string): string {
  const url = new URL(value);
  if (url.password !== '') url.password = '***';
  return url.toString();
}

function unknownEnvProblems(env: Env): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('ORION_') && !KNOWN_ENV.has(name))
    .sort()
    .map((name) => {
      const near = closest(name, [...KNOWN_ENV]);
      return `${name} is not a known variable${near === undefined ? '' : ` (did you mean ${near}?)`}; allowed: the variables in .env.example`;
    });
}

/**
 * The unprefixed settings whose misspelling is looked for: DATABASE_URL, REDIS_URL, LOG_LEVEL.
 * HOST and PORT are too short to tell a typo from the machine's own variables (HOME, PWD).
 */
const UNPREFIXED_CHECKED = KEYS.map((key) => VARIABLES[key].env).filter((name) => !name.startsWith('ORION_') && name.length >= 8);

/**
 * A variable within edit distance 2 of an unprefixed setting (or the same in another case) while
 * that setting itself is absent: DATABSE_URL, REDIS_ULR. Refused, like an unknown ORION_ name:
 * ignored, the setting falls back to its default (the embedded PGlite instead of the server's
 * ledger, with its kill switch, breakers, limits and intents; the in-process bus), silently. The
 * machine's other variables are not flagged: only a near miss, and only while the setting is
 * absent (set it, empty for its default, to keep such a variable).
 */
function unprefixedTypoProblems(env: Env): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('ORION_') || KNOWN_ENV.has(name)) continue;
    const meant = UNPREFIXED_CHECKED.find((known) => !(known in env) && editDistance(name.toUpperCase(), known) <= 2);
    if (meant === undefined) continue;
    problems.push(`${name} is set and ${meant} is not (did you mean ${meant}? as it is, ${meant} falls back to its default); allowed: the name ${meant}, or ${meant} set (empty for its default) beside ${name}`);
  }
  return problems;
}

/** The known name within edit distance 3 of `name`, if any (to catch typos like ORION_MAX_HOP). */
function closest(name: string, candidates: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

interface ConfigFile {
  path: string;
  values: Partial<Record<ConfigKey, unknown>>;
}

/** Reads orion.config.json: an object whose keys are schema fields (camelCase), secrets excluded. */
function readConfigFile(env: Env, options: LoadConfigOptions, cwd: string): ConfigFile | undefined {
  const fromEnv = env[CONFIG_FILE_VARIABLE]?.trim();
  const explicit = options.configFile ?? (fromEnv === '' ? undefined : fromEnv);
  const path = explicit === undefined ? join(cwd, DEFAULT_CONFIG_FILE) : isAbsolute(explicit) ? explicit : resolve(cwd, explicit);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (explicit === undefined && code === 'ENOENT') return undefined;
    const via = options.configFile !== undefined ? 'config file' : `${CONFIG_FILE_VARIABLE}=${JSON.stringify(explicit)}`;
    throw new ConfigError(`invalid configuration: ${via}: cannot read ${path} (${code ?? String(error)}); allowed: a readable JSON file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${path} is not valid JSON (${(error as Error).message}); allowed: a JSON object of settings`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`invalid configuration: ${path} holds ${Array.isArray(json) ? 'an array' : JSON.stringify(json)}; allowed: a JSON object of settings`);
  }
  const problems: string[] = [];
  const values: Partial<Record<ConfigKey, unknown>> = {};
  for (const [key, value] of Object.entries(json)) {
    if (key === '$schema') continue;
    if (!(key in VARIABLES)) {
      problems.push(`${path}: unknown key ${JSON.stringify(key)}; allowed keys: ${KEYS.filter((k) => VARIABLES[k].secret !== true).join(', ')}`);
    } else if (VARIABLES[key as ConfigKey].secret === true) {
      problems.push(`${path}: ${key} is a secret and may not be in the file; allowed: set ${VARIABLES[key as ConfigKey].env} in the environment`);
    } else if (value !== null) {
      values[key as ConfigKey] = value;
    }
  }
  if (problems.length > 0) throw configError(problems);
  return { path, values };
}
