import { z } from 'zod';
import { riskCapitalList, riskFreeRate } from './risk-capital.ts';
import { usdReferenceList } from './usd-reference.ts';
import { BASE_FEE_RULE_KINDS } from '../chain/next-base-fee.ts';
import { address, integer, ipList, oneOf, onOff, positiveNumber, privateKey, text, tokenList, trustedProxies, url, urlList, wei } from './values.ts';

/**
 * The one configuration schema, and the table that ties each field to its environment
 * variable, its key in `orion.config.json`, its default and its documentation. The table
 * drives loading, error messages and `.env.example` (a test checks they agree).
 */

/** Log levels understood by pino. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The schema of every setting; each field accepts an env string or the file's JSON value. */
export const ConfigSchema = z.object({
  mode: oneOf(['sim', 'live']),
  host: text('a host name or IP address', /^[A-Za-z0-9.:[\]-]+$/),
  port: integer(0, 65535),
  dataDir: text('a folder path'),
  databaseUrl: url(['postgres:', 'postgresql:']).optional(),
  redisUrl: url(['redis:', 'rediss:']).optional(),
  rpcUrls: urlList(['http:', 'https:', 'ws:', 'wss:']).optional(),
  blockTime: positiveNumber(3600),
  snapshot: text('a path to an orion.pools/v1 JSON file').optional(),
  flow: onOff(),
  flowSeed: integer(0, 4_294_967_295),
  flowRate: integer(0, 1000),
  flowSize: integer(1, 10_000),
  maxStaleBlocks: integer(0, 10_000),
  baseTokens: tokenList(),
  maxHops: integer(2, 4),
  minPoolLiquidity: text('a non-negative decimal amount of the reference token (e.g. 1 or 0.5)', /^[0-9]+(\.[0-9]+)?$/),
  priorityFee: wei(),
  maxFeePerGas: wei().optional(),
  baseFeeRule: oneOf(BASE_FEE_RULE_KINDS).optional(),
  balancerVault: address().optional(),
  aavePool: address().optional(),
  aavePremiumBps: integer(0, 9999).optional(),
  // Decisions (issue 9)
  executorAddress: address().optional(),
  hotKeyAddress: address().optional(),
  minProfitMarginBps: integer(0, 10_000),
  deadlineBlocks: integer(1, 1000),
  gasLimitMarginBps: integer(0, 100_000),
  // Live execution (issue 11)
  tipShareBps: integer(0, 10_000),
  replaceAfterBlocks: integer(1, 1000),
  poolVisible: onOff(),
  confirmations: integer(0, 10_000),
  submit: oneOf(['public', 'bundle']),
  relayUrls: urlList(['http:', 'https:']).optional(),
  relayAuthKey: privateKey().optional(),
  bundleBlocks: integer(1, 25),
  logLevel: oneOf(LOG_LEVELS),
  backupDir: text('a folder path').optional(),
  backupInterval: integer(0, 86_400),
  backupKeep: integer(1, 100_000),
  notifyFile: text('a path to a notifications JSON file').optional(),
  // Risk maintenance (issue 13)
  maintenanceInterval: integer(0, 86_400),
  retentionDays: integer(1, 3650),
  usdReferencePools: usdReferenceList(),
  riskCapital: riskCapitalList().optional(),
  riskFreeRate: riskFreeRate().optional(),
  // API (issue 12)
  corsOrigins: urlList(['http:', 'https:']).optional(),
  rateLimit: integer(1, 1_000_000),
  authRateLimit: integer(1, 100_000),
  metricsAllow: ipList().optional(),
  trustProxy: trustedProxies(),
  jwtIssuer: text('a JWT issuer name'),
  jwtAudience: text('a JWT audience name'),
  accessTokenTtl: integer(60, 900),
  refreshTokenTtl: integer(300, 30 * 86_400),
  auditKeyFile: text('a path to the audit checkpoint key (PEM)').optional(),
  // Keys and mode (issue 11): secrets from the environment only; keystores are files
  privateKey: privateKey().optional(),
  keystore: text('a path to a Web3 Secret Storage v3 keystore (JSON)').optional(),
  keystorePasswordFile: text('a path to a file holding the keystore password').optional(),
  ownerKey: privateKey().optional(),
  ownerKeystore: text('a path to a Web3 Secret Storage v3 keystore (JSON)').optional(),
  ownerKeystorePasswordFile: text('a path to a file holding the owner keystore password').optional(),
  allowLive: onOff(),
  coldWallet: address().optional(),
  gasReserveTxs: integer(1, 1_000_000),
});

/** The fields of the schema. */
export type ConfigKey = keyof z.input<typeof ConfigSchema>;

/** How one field is set and documented. */
export interface VariableSpec {
  /** Environment variable name. */
  env: string;
  /** Default as the environment would spell it; undefined = unset by default. */
  default: string | undefined;
  /** One line for `.env.example` and the README's configuration table. */
  doc: string;
  /** Secrets (credentials) may only come from the environment, never from the file. */
  secret?: true;
  /** Relative paths resolve against the working directory (env) or the file's folder (file). */
  path?: true;
}

/** Every field's variable, default and documentation, in documentation order. */
export const VARIABLES: Readonly<Record<ConfigKey, VariableSpec>> = {
  mode: { env: 'ORION_MODE', default: 'sim', doc: 'Execution mode: sim simulates and never signs; live signs and sends.' },
  host: { env: 'HOST', default: '127.0.0.1', doc: 'Address the HTTP server listens on.' },
  port: { env: 'PORT', default: '8080', doc: 'Port the HTTP server listens on (0 = any free port).' },
  dataDir: { env: 'ORION_DATA_DIR', default: './data', doc: 'Folder for local data (the embedded PGlite database, caches).', path: true },
  databaseUrl: {
    env: 'DATABASE_URL',
    default: undefined,
    doc: 'PostgreSQL server (postgres://user:pass@host:5432/db). Unset = embedded PGlite in ORION_DATA_DIR/pglite. Secret: environment only.',
    secret: true,
  },
  redisUrl: { env: 'REDIS_URL', default: undefined, doc: 'Redis for the event bus across instances (/ws clients of every instance see every event). Unset = in-process bus. Secret: environment only.', secret: true },
  rpcUrls: { env: 'ORION_RPC_URLS', default: undefined, doc: 'Comma-separated JSON-RPC URLs (http, https, ws, wss), first = primary: the engine follows this chain instead of starting the embedded one, tracking the pools of ORION_SNAPSHOT (required then). Unset = the embedded local chain.' },
  blockTime: { env: 'ORION_BLOCK_TIME', default: '2', doc: 'Seconds between blocks of the embedded local chain.' },
  snapshot: { env: 'ORION_SNAPSHOT', default: undefined, doc: 'orion.pools/v1 file: the pools that seed the local chain, or with ORION_RPC_URLS the pools to follow on that chain. Unset = the embedded default snapshot.', path: true },
  flow: { env: 'ORION_FLOW', default: 'on', doc: 'Random noise swaps on the local chain so prices drift (on/off).' },
  flowSeed: { env: 'ORION_FLOW_SEED', default: '1', doc: 'Seed of the noise flow RNG (same seed = same swaps).' },
  flowRate: { env: 'ORION_FLOW_RATE', default: '2', doc: 'Noise swaps per block.' },
  flowSize: { env: 'ORION_FLOW_SIZE', default: '50', doc: 'Largest noise swap, in basis points of the pool\'s reserve of the input token (1 to 10000).' },
  maxStaleBlocks: { env: 'ORION_MAX_STALE_BLOCKS', default: '2', doc: 'Reject an opportunity whose pool state is more than this many blocks old.' },
  baseTokens: { env: 'ORION_BASE_TOKENS', default: 'WETH,USDC,USDT', doc: 'Comma-separated base tokens (addresses or symbols) every cycle starts and ends in.' },
  maxHops: { env: 'ORION_MAX_HOPS', default: '3', doc: 'Longest cycle searched, in pools (2 to 4).' },
  minPoolLiquidity: {
    env: 'ORION_MIN_POOL_LIQUIDITY',
    default: '1',
    doc: 'Liquidity floor: pools whose lesser side is worth less than this many reference tokens (the chain\'s wrapped native token, e.g. WETH) are not followed (0 = follow every pool).',
  },
  priorityFee: {
    env: 'ORION_PRIORITY_FEE',
    default: '1000000000',
    doc: 'Priority fee (tip) per gas in wei, added to the next block\'s base fee to price gas (default 1 gwei, what geth and anvil suggest).',
  },
  maxFeePerGas: { env: 'ORION_MAX_FEE_PER_GAS', default: undefined, doc: 'Most we pay per gas in wei (base fee + tip); at least ORION_PRIORITY_FEE. Unset = no cap.' },
  baseFeeRule: {
    env: 'ORION_BASE_FEE_RULE',
    default: undefined,
    doc: "How the next block's base fee is computed: ethereum (EIP-1559, 8/2), op-stack (the parent header's extraData parameters, else 250/6), arbitrum (the current base fee: ArbOS sets it). Unset = by the chain id (src/chain/next-base-fee.ts); a chain not in that table gets ethereum, said at startup.",
  },
  balancerVault: {
    env: 'ORION_BALANCER_VAULT',
    default: undefined,
    doc: 'Balancer V2 Vault on the followed chain, a flash lender at fee 0 (0xBA12222222228d8Ba445958a75a0704d566BF2C8 on mainnet). Unset = no Balancer flash loans.',
  },
  aavePool: { env: 'ORION_AAVE_POOL', default: undefined, doc: 'Aave V3 Pool on the followed chain, a flash lender (flashLoanSimple). Unset = no Aave flash loans.' },
  aavePremiumBps: {
    env: 'ORION_AAVE_PREMIUM_BPS',
    default: undefined,
    doc: 'Aave V3 flash-loan premium in basis points (the Pool\'s FLASHLOAN_PREMIUM_TOTAL, 0 to 9999); only with ORION_AAVE_POOL. Unset = 5, Aave V3\'s default.',
  },
  executorAddress: {
    env: 'ORION_EXECUTOR_ADDRESS',
    default: undefined,
    doc: 'FlashArbExecutor deployed on the followed chain (ORION_RPC_URLS); plans are made and simulated against it. Unset on the embedded chain: npm start deploys one. Unset on a followed chain: opportunities are rejected with rule no-executor.',
  },
  hotKeyAddress: {
    env: 'ORION_HOT_KEY_ADDRESS',
    default: undefined,
    doc: 'Address executions are sent from (the contract owner or an allowed executor); sim needs only the address, never a key. Required with ORION_EXECUTOR_ADDRESS; the embedded chain uses its own.',
  },
  minProfitMarginBps: {
    env: 'ORION_MIN_PROFIT_MARGIN_BPS',
    default: '2000',
    doc: 'Share of the predicted net profit given up as a safety margin, in basis points: the contract reverts unless the trade still nets (1 - margin) of the prediction after gas.',
  },
  deadlineBlocks: { env: 'ORION_DEADLINE_BLOCKS', default: '2', doc: 'Blocks after the ranked block a plan stays valid (the contract\'s deadline block), 1 to 1000.' },
  gasLimitMarginBps: { env: 'ORION_GAS_LIMIT_MARGIN_BPS', default: '20000', doc: 'Gas limit above the gas table\'s units for the route, in basis points (V3 hops that cross initialized ticks cost more than the table).' },
  // Live execution (issue 11)
  tipShareBps: { env: 'ORION_TIP_SHARE_BPS', default: '0', doc: "Live: share of an execution's expected profit added to its priority fee (tip), in basis points (0 to 10000); the total never exceeds ORION_MAX_FEE_PER_GAS." },
  replaceAfterBlocks: { env: 'ORION_REPLACE_AFTER_BLOCKS', default: '3', doc: 'Live: blocks a sent transaction may stay pending before it is replaced on the same nonce with both fees raised by 10 % (1 to 1000).' },
  poolVisible: { env: 'ORION_POOL_VISIBLE', default: 'on', doc: 'Live: whether the RPC shows the pending transactions it holds (on/off). off for a private or sequencer RPC that answers null for one: its absence is then no drop, and a sent transaction is replaced only every ORION_REPLACE_AFTER_BLOCKS blocks.' },
  confirmations: { env: 'ORION_CONFIRMATIONS', default: '12', doc: 'Live: blocks after inclusion at which an execution is final (a reorg before then puts it back to pending), 0 to 10000.' },
  submit: {
    env: 'ORION_SUBMIT',
    default: 'public',
    doc: 'Live: how a signed execution is sent: public (eth_sendRawTransaction to ORION_RPC_URLS, also how an L2 sequencer is reached) or bundle (eth_sendBundle to every relay of ORION_RELAY_URLS).',
  },
  relayUrls: { env: 'ORION_RELAY_URLS', default: undefined, doc: 'Live, ORION_SUBMIT=bundle: comma-separated bundle relay URLs (http or https), e.g. https://relay.flashbots.net; each gets every bundle.' },
  relayAuthKey: {
    env: 'ORION_RELAY_AUTH_KEY',
    default: undefined,
    doc: 'Live, ORION_SUBMIT=bundle: the key that signs relay requests (X-Flashbots-Signature), your searcher reputation; holds no funds and must not be the hot key (0x + 64 hex digits). Secret: environment only.',
    secret: true,
  },
  bundleBlocks: { env: 'ORION_BUNDLE_BLOCKS', default: '3', doc: 'Live, ORION_SUBMIT=bundle: a bundle targets the next this many blocks (1 to 25); re-targeted while its deadline allows.' },
  logLevel: { env: 'LOG_LEVEL', default: 'info', doc: `Log level: ${LOG_LEVELS.join(', ')} (info prints the start-up and engine lines; warn and above hide them).` },
  backupDir: { env: 'ORION_BACKUP_DIR', default: undefined, doc: 'Folder of the scheduled backups (orion-backup-*.jsonl). Unset = ORION_DATA_DIR/backups. Put it on another disk than the database.', path: true },
  backupInterval: { env: 'ORION_BACKUP_INTERVAL', default: '300', doc: 'Seconds between scheduled backups (the RPO on PGlite); 0 = no scheduled backups.' },
  backupKeep: { env: 'ORION_BACKUP_KEEP', default: '24', doc: 'Scheduled backups kept in ORION_BACKUP_DIR; older ones are deleted after each new one.' },
  notifyFile: {
    env: 'ORION_NOTIFY_FILE',
    default: undefined,
    doc: 'JSON file of notification webhooks ({"webhooks":[{"name","url","format":"json|slack|discord|telegram","events":[...] or "*","chatId" (telegram)}]}); it holds webhook secrets, keep it private. Unset = no notifications.',
    path: true,
  },
  // Risk maintenance (issue 13)
  maintenanceInterval: { env: 'ORION_MAINTENANCE_INTERVAL', default: '3600', doc: 'Seconds between maintenance runs (a risk snapshot per mode, then retention); 0 = none.' },
  retentionDays: { env: 'ORION_RETENTION_DAYS', default: '30', doc: 'Days opportunities, simulations and past risk snapshots are kept (1 to 3650); executions (and the opportunities they were sent for) and the audit log are kept 7 years.' },
  riskCapital: { env: 'ORION_RISK_CAPITAL', default: undefined, doc: 'Capital per base token in token units (WETH=10,USDC=25000): the risk snapshots give the maximum drawdown as a percentage of it. Unset = no percentage.' },
  riskFreeRate: { env: 'ORION_RISK_FREE_RATE', default: undefined, doc: "Annual risk-free rate as a fraction (0.05 = 5 %) earned on ORION_RISK_CAPITAL: taken off each day before the risk snapshots' Sharpe and Sortino, for tokens with a capital. Unset = no risk-free rate." },
  usdReferencePools: {
    env: 'ORION_USD_REFERENCE_POOLS',
    default: 'WETH=v3:USDC:3000',
    doc: 'Pools that price base tokens in a USD stablecoin for the risk snapshot\'s USD figures: TOKEN=POOL, comma-separated; POOL is a pool address or v2:STABLE:FEE / v3:STABLE:FEE (the pool of TOKEN and STABLE with that fee in the followed market). none = no USD figures.',
  },
  // API (issue 12)
  corsOrigins: { env: 'ORION_CORS_ORIGINS', default: undefined, doc: 'Comma-separated origins (http(s)://host:port) whose browsers may call the API cross-origin. Unset = same origin only.' },
  rateLimit: { env: 'ORION_RATE_LIMIT', default: '1200', doc: 'Requests per minute one IP address may make to the API (429 with Retry-After beyond).' },
  authRateLimit: { env: 'ORION_AUTH_RATE_LIMIT', default: '30', doc: 'Requests per minute one IP address may make to the login, MFA and refresh routes.' },
  metricsAllow: { env: 'ORION_METRICS_ALLOW', default: undefined, doc: 'Comma-separated IP addresses that may scrape /metrics without an API key (e.g. 127.0.0.1). Unset = an API key is always needed.' },
  trustProxy: { env: 'ORION_TRUST_PROXY', default: 'off', doc: 'Take the client address from X-Forwarded-For, through the proxies you run only: off; on (a reverse proxy on this host or a private network); or the proxies (IPs, CIDR blocks, loopback, linklocal, uniquelocal). Every hop is never trusted: a client could name its own address.' },
  jwtIssuer: { env: 'ORION_JWT_ISSUER', default: 'orion', doc: 'The iss claim of access tokens (checked on every request).' },
  jwtAudience: { env: 'ORION_JWT_AUDIENCE', default: 'orion-api', doc: 'The aud claim of access tokens (checked on every request).' },
  accessTokenTtl: { env: 'ORION_ACCESS_TOKEN_TTL', default: '900', doc: 'Access token lifetime in seconds (60 to 900).' },
  refreshTokenTtl: { env: 'ORION_REFRESH_TOKEN_TTL', default: '604800', doc: 'Refresh token lifetime in seconds (300 to 2592000); each use rotates it.' },
  auditKeyFile: {
    env: 'ORION_AUDIT_KEY_FILE',
    default: undefined,
    doc: 'Ed25519 key (PEM) that signs the audit log head; created 0600 on first run. Keep a copy off the machine. Unset = ORION_DATA_DIR/audit-checkpoint-key.pem.',
    path: true,
  },
  // Keys and mode (issue 11)
  privateKey: {
    env: 'ORION_PRIVATE_KEY',
    default: undefined,
    doc: 'The hot key that signs executions in live mode (0x + 64 hex digits). Prefer ORION_KEYSTORE; never both. Secret: environment only.',
    secret: true,
  },
  keystore: {
    env: 'ORION_KEYSTORE',
    default: undefined,
    doc: 'The hot key as an encrypted Web3 Secret Storage v3 keystore (what geth account new or cast wallet import write); needs ORION_KEYSTORE_PASSWORD_FILE.',
    path: true,
  },
  keystorePasswordFile: { env: 'ORION_KEYSTORE_PASSWORD_FILE', default: undefined, doc: 'File holding the password of ORION_KEYSTORE (its first line); keep it 0600.', path: true },
  ownerKey: {
    env: 'ORION_OWNER_KEY',
    default: undefined,
    doc: 'The executor contract owner\'s key, only for orion contract pause/unpause/withdraw/allow-executor/revoke-executor; never needed to trade. Prefer ORION_OWNER_KEYSTORE. Secret: environment only.',
    secret: true,
  },
  ownerKeystore: { env: 'ORION_OWNER_KEYSTORE', default: undefined, doc: 'The contract owner\'s key as a Web3 Secret Storage v3 keystore; needs ORION_OWNER_KEYSTORE_PASSWORD_FILE.', path: true },
  ownerKeystorePasswordFile: { env: 'ORION_OWNER_KEYSTORE_PASSWORD_FILE', default: undefined, doc: 'File holding the password of ORION_OWNER_KEYSTORE (its first line); keep it 0600.', path: true },
  allowLive: { env: 'ORION_ALLOW_LIVE', default: 'off', doc: 'Whether orion mode switch (and the API) may turn live mode on at all (on/off); ORION_MODE=live at boot also needs it.' },
  coldWallet: { env: 'ORION_COLD_WALLET', default: undefined, doc: 'Where orion contract withdraw sends the contract\'s tokens (an address you hold offline). Required to validate live mode.' },
  gasReserveTxs: { env: 'ORION_GAS_RESERVE_TXS', default: '20', doc: 'Executions the hot key must be able to pay at the fee cap for live mode to validate (balance >= this x gas limit x ORION_MAX_FEE_PER_GAS).' },
};

/** Aave V3's default flash-loan premium (FLASHLOAN_PREMIUM_TOTAL), used when ORION_AAVE_PREMIUM_BPS is unset. */
export const DEFAULT_AAVE_PREMIUM_BPS = 5;

/**
 * Variables the `orion` CLI reads as a client of a running server (src/cli/running-server.ts):
 * not settings of the platform, so not fields of the config, but known to it — an operator keeps
 * them in the same shell as the rest, and an unknown ORION_ variable is refused as a typo.
 */
export const CLI_CLIENT_VARIABLES: Readonly<Record<string, string>> = {
  ORION_API_URL: 'The running server the orion CLI talks to (default: the URL the server of ORION_DATA_DIR recorded, else http://127.0.0.1:PORT). Read by the CLI only.',
  ORION_API_KEY: 'The API key the orion CLI sends to the running server (an admin creates keys with a role). Read by the CLI only. Secret: environment only.',
  ORION_USERNAME: 'The user the orion CLI signs in as at the running server (password from ORION_PASSWORD or --password-file; MFA code from --totp). Read by the CLI only.',
  ORION_PASSWORD: 'The password of ORION_USERNAME for the orion CLI. Read by the CLI only. Secret: environment only; prefer --password-file.',
};

/** The variable naming the config file; not a field, read before everything else. */
export const CONFIG_FILE_VARIABLE = 'ORION_CONFIG';

/** The file read when ORION_CONFIG is unset (relative to the working directory). */
export const DEFAULT_CONFIG_FILE = 'orion.config.json';
