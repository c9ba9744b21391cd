import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, VARIABLES } from './config.ts';
import { CLI_CLIENT_VARIABLES } from './config/schema.ts';
import { ConfigError } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'orion-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function writeFile(content: string): string {
  const path = join(dir, `config-${++fileCount}.json`);
  writeFileSync(path, content);
  return path;
}

/** loadConfig in the temp folder (so no orion.config.json of the checkout is read). */
function load(env: Record<string, string>, configFile?: string) {
  return loadConfig(env, configFile === undefined ? { cwd: dir } : { cwd: dir, configFile });
}

function failure(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, got a config');
}

describe('loadConfig defaults and sources', () => {
  it('gives the documented defaults with an empty environment', () => {
    const config = load({});
    expect(config).toMatchObject({ mode: 'sim', host: '127.0.0.1', port: 8080, blockTime: 2, flow: true, maxHops: 3, logLevel: 'info' });
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.rpcUrls).toEqual([]);
    expect(config.snapshot).toBeUndefined();
    expect(config.baseTokens).toEqual([{ type: 'symbol', symbol: 'WETH' }, { type: 'symbol', symbol: 'USDC' }, { type: 'symbol', symbol: 'USDT' }]);
    expect(config.configFile).toBeUndefined();
    expect(config).toMatchObject({ priorityFee: 1_000_000_000n, maxFeePerGas: undefined, balancerVault: undefined, aavePool: undefined, aavePremiumBps: 5 });
    expect(Object.isFrozen(config) && Object.isFrozen(config.baseTokens)).toBe(true);
  });

  it('takes the file, lets the environment override it, and resolves file paths against its folder', () => {
    const pools = writeFile('{}');
    const path = writeFile(JSON.stringify({ port: 9000, maxHops: 4, dataDir: 'state', flow: false, rpcUrls: ['http://127.0.0.1:8545'], snapshot: basename(pools) }));
    const config = load({ ORION_MAX_HOPS: '2', ORION_FLOW_RATE: '7', ORION_FLOW_SIZE: '25', ORION_MODE: 'LIVE' }, path);
    expect(config).toMatchObject({ port: 9000, maxHops: 2, flowRate: 7, flowSize: 25, flow: false, mode: 'live', configFile: path });
    expect(config.dataDir).toBe(join(dir, 'state'));
    expect(config.rpcUrls).toEqual(['http://127.0.0.1:8545']);
    expect(config.snapshot).toBe(pools);
  });

  it('refuses RPC endpoints without the snapshot of the pools to follow', () => {
    expect(failure(() => load({ ORION_RPC_URLS: 'http://127.0.0.1:8545' })).message).toMatch(
      /ORION_RPC_URLS="http:\/\/127\.0\.0\.1:8545" is set but ORION_SNAPSHOT is not/,
    );
  });

  it('refuses a noise swap size outside 1..10000 basis points', () => {
    expect(failure(() => load({ ORION_FLOW_SIZE: '0' })).message).toMatch(/ORION_FLOW_SIZE="0"/);
    expect(failure(() => load({ ORION_FLOW_SIZE: '20000' })).message).toMatch(/ORION_FLOW_SIZE="20000"/);
  });

  it('maintenance: hourly with 30 days of retention by default; 0 turns it off; retention outside 1..3650 days refused', () => {
    expect(load({})).toMatchObject({ maintenanceInterval: 3600, retentionDays: 30 });
    expect(load({ ORION_MAINTENANCE_INTERVAL: '0', ORION_RETENTION_DAYS: '90' })).toMatchObject({ maintenanceInterval: 0, retentionDays: 90 });
    expect(failure(() => load({ ORION_RETENTION_DAYS: '0' })).message).toMatch(/ORION_RETENTION_DAYS="0"/);
    expect(failure(() => load({ ORION_RETENTION_DAYS: '30d' })).message).toMatch(/ORION_RETENTION_DAYS="30d"/);
    expect(failure(() => load({ ORION_MAINTENANCE_INTERVAL: '-1' })).message).toMatch(/ORION_MAINTENANCE_INTERVAL="-1"/);
  });

  it('reads ORION_CONFIG, and ./orion.config.json when it is unset', () => {
    const path = writeFile(JSON.stringify({ port: 1234 }));
    expect(load({ ORION_CONFIG: path }).port).toBe(1234);
    writeFileSync(join(dir, 'orion.config.json'), JSON.stringify({ port: 4321 }));
    try {
      expect(load({}).port).toBe(4321);
    } finally {
      rmSync(join(dir, 'orion.config.json'));
    }
  });

  it('treats an empty variable as unset, and lower-cases addresses', () => {
    const config = load({ PORT: '', ORION_BASE_TOKENS: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2, usdc' });
    expect(config.port).toBe(8080);
    expect(config.baseTokens).toEqual([
      { type: 'address', address: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2' },
      { type: 'symbol', symbol: 'usdc' },
    ]);
  });
});

describe('gas and flash lender settings', () => {
  const VAULT = '0xBA12222222228d8Ba445958a75a0704d566BF2C8';
  const AAVE = '0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2';

  it('reads the lenders (checksummed or lower case, stored lower case) and the fees in wei', () => {
    const config = load({ ORION_BALANCER_VAULT: VAULT, ORION_AAVE_POOL: AAVE.toLowerCase(), ORION_AAVE_PREMIUM_BPS: '9', ORION_PRIORITY_FEE: '0', ORION_MAX_FEE_PER_GAS: '200000000000000000000000' });
    expect(config).toMatchObject({ balancerVault: VAULT.toLowerCase(), aavePool: AAVE.toLowerCase(), aavePremiumBps: 9, priorityFee: 0n, maxFeePerGas: 200_000_000_000_000_000_000_000n });
  });

  it('takes wei as an exact JSON number or a string from the file', () => {
    const config = load({}, writeFile(JSON.stringify({ priorityFee: 2_000_000_000, maxFeePerGas: '300000000000000000000' })));
    expect(config).toMatchObject({ priorityFee: 2_000_000_000n, maxFeePerGas: 300_000_000_000_000_000_000n });
    expect(failure(() => load({}, writeFile('{ "maxFeePerGas": 300000000000000000000 }'))).message).toMatch(/maxFeePerGas \(ORION_MAX_FEE_PER_GAS\) = 300000000000000000000 is a JSON number too large to be exact \(write it as a string\)/);
  });

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['fractional wei', { ORION_PRIORITY_FEE: '1.5' }, /ORION_PRIORITY_FEE="1.5" is not a whole number in decimal digits; allowed: a whole number of wei/],
    ['negative wei', { ORION_PRIORITY_FEE: '-1' }, /ORION_PRIORITY_FEE="-1" is negative/],
    ['wei beyond uint256', { ORION_MAX_FEE_PER_GAS: (1n << 256n).toString() }, /ORION_MAX_FEE_PER_GAS="\d+" is out of range \(more than a uint256\)/],
    ['a cap below the tip', { ORION_PRIORITY_FEE: '2000000000', ORION_MAX_FEE_PER_GAS: '1000000000' }, /ORION_MAX_FEE_PER_GAS="1000000000" is below ORION_PRIORITY_FEE \(2000000000\); allowed: a cap at least the priority fee/],
    ['short lender address', { ORION_BALANCER_VAULT: '0xBA1222' }, /ORION_BALANCER_VAULT="0xBA1222" is not a 20-byte address; allowed: a 20-byte address/],
    ['mistyped checksummed address', { ORION_AAVE_POOL: AAVE.replace('Bca3', 'Bca4') }, /ORION_AAVE_POOL="0x87870Bca4F.*" has a wrong EIP-55 checksum/],
    ['zero address', { ORION_BALANCER_VAULT: `0x${'0'.repeat(40)}` }, /ORION_BALANCER_VAULT="0x0+" is the zero address/],
    ['premium without the pool', { ORION_AAVE_PREMIUM_BPS: '9' }, /ORION_AAVE_PREMIUM_BPS="9" is set but ORION_AAVE_POOL is not/],
    ['premium out of range', { ORION_AAVE_POOL: AAVE, ORION_AAVE_PREMIUM_BPS: '10000' }, /ORION_AAVE_PREMIUM_BPS="10000" is out of range; allowed: an integer from 0 to 9999/],
    ['one address for both lenders', { ORION_AAVE_POOL: AAVE, ORION_BALANCER_VAULT: AAVE.toLowerCase() }, /ORION_AAVE_POOL=".*" is also ORION_BALANCER_VAULT/],
  ];
  it.each(cases)('refuses %s', (_name, env, pattern) => {
    expect(failure(() => load(env)).message).toMatch(pattern);
  });
});

describe('loadConfig rejects bad values with the variable, the value and what is allowed', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['not a number', { PORT: 'abc' }, /PORT="abc" is not a number; allowed: an integer from 0 to 65535/],
    ['not an integer', { ORION_FLOW_RATE: '2.5' }, /ORION_FLOW_RATE="2.5" is not an integer; allowed: an integer from 0 to 1000/],
    ['out of range (port)', { PORT: '70000' }, /PORT="70000" is out of range; allowed: an integer from 0 to 65535/],
    ['out of range (hops)', { ORION_MAX_HOPS: '5' }, /ORION_MAX_HOPS="5" is out of range; allowed: an integer from 2 to 4/],
    ['out of range (block time)', { ORION_BLOCK_TIME: '0' }, /ORION_BLOCK_TIME="0" is out of range; allowed: a number of seconds greater than 0/],
    ['unknown enum (mode)', { ORION_MODE: 'production' }, /ORION_MODE="production" is not a known value; allowed: sim \| live/],
    ['unknown enum (log level)', { LOG_LEVEL: 'verbose' }, /LOG_LEVEL="verbose" is not a known value; allowed: fatal \| error/],
    ['bad switch', { ORION_FLOW: 'maybe' }, /ORION_FLOW="maybe" is not a switch value; allowed: on \| off/],
    ['bad URL scheme', { REDIS_URL: 'http://127.0.0.1:6379' }, /REDIS_URL="http:\/\/127.0.0.1:6379\/?" has scheme http; allowed: a URL starting with redis:\/\/ or rediss:\/\//],
    ['not a URL', { DATABASE_URL: 'localhost:5432' }, /DATABASE_URL=.* (is not a URL|has scheme localhost); allowed: a URL starting with postgres:\/\//],
    ['bad URL in a list', { ORION_RPC_URLS: 'http://127.0.0.1:8545,ftp://x' }, /ORION_RPC_URLS="http:\/\/127.0.0.1:8545,ftp:\/\/x" has entry 2 \("ftp:\/\/x"\) that has scheme ftp/],
    ['empty list entry', { ORION_RPC_URLS: 'http://127.0.0.1:8545,,' }, /ORION_RPC_URLS=.* has an empty entry 2/],
    ['short address', { ORION_BASE_TOKENS: 'WETH,0x1234' }, /ORION_BASE_TOKENS="WETH,0x1234" has entry 2 \("0x1234"\) that is not a 20-byte address; allowed: a comma-separated list of token addresses/],
    ['non-hex address', { ORION_BASE_TOKENS: `0x${'zz'.repeat(20)}` }, /has entry 1 \("0xzz.*"\) that is not a 20-byte address/],
    ['duplicate token', { ORION_BASE_TOKENS: 'WETH,weth' }, /ORION_BASE_TOKENS="WETH,weth" lists "weth" twice/],
    ['missing snapshot', { ORION_SNAPSHOT: 'nope.json' }, /ORION_SNAPSHOT="nope.json" names no file \(.*nope.json\)/],
    ['unknown ORION_ variable', { ORION_MAX_HOP: '3' }, /ORION_MAX_HOP is not a known variable \(did you mean ORION_MAX_HOPS\?\)/],
    ['misspelt DATABASE_URL', { DATABSE_URL: 'postgres://orion:hunter2@db/orion' }, /^invalid configuration: DATABSE_URL is set and DATABASE_URL is not \(did you mean DATABASE_URL\? as it is, DATABASE_URL falls back to its default\)/],
    ['misspelt REDIS_URL', { REDIS_ULR: 'redis://127.0.0.1:6379' }, /REDIS_ULR is set and REDIS_URL is not \(did you mean REDIS_URL\?/],
    ['REDIS_URL in lower case', { redis_url: 'redis://127.0.0.1:6379' }, /redis_url is set and REDIS_URL is not/],
    ['misspelt LOG_LEVEL', { LOG_LEVLE: 'debug' }, /LOG_LEVLE is set and LOG_LEVEL is not/],
  ];
  it.each(cases)('%s', (_name, env, pattern) => {
    expect(failure(() => load(env)).message).toMatch(pattern);
  });

  it('a misspelt unprefixed setting: never its value; the machine\'s own variables, or the setting present beside a near name, are not flagged', () => {
    expect(failure(() => load({ DATABSE_URL: 'postgres://orion:hunter2@db/orion' })).message).not.toContain('hunter2');
    const machine = { HOME: '/root', HOSTNAME: 'box', PWD: '/work', PATH: '/usr/bin', LANG: 'C.UTF-8', TERM: 'xterm', USER: 'orion', SHELL: '/bin/sh', NODE_ENV: 'production', REDIS_HOST: 'r', DATABASE_HOST: 'd', PGDATABASE: 'orion', LOGNAME: 'orion' };
    expect(load(machine).databaseUrl).toBeUndefined();
    // DATABASE_URL set (empty: the embedded PGlite, on purpose) beside another program's DATABASE_URI.
    expect(load({ DATABASE_URI: 'postgres://elsewhere/x', DATABASE_URL: '' }).databaseUrl).toBeUndefined();
    expect(load({ DATABASE_URI: 'postgres://elsewhere/x', DATABASE_URL: 'postgres://db/orion' }).databaseUrl).toBe('postgres://db/orion');
  });

  it('never prints a password of a secret URL', () => {
    const message = failure(() => load({ DATABASE_URL: 'mysql://orion:hunter2@127.0.0.1/db' })).message;
    expect(message).toMatch(/DATABASE_URL="mysql:\/\/orion:\*\*\*@127.0.0.1\/db" has scheme mysql/);
    expect(message).not.toContain('hunter2');
  });

  it('reports every bad value at once', () => {
    const error = failure(() => load({ PORT: '-1', ORION_MODE: 'x', ORION_MAX_HOPS: 'three' }));
    expect(error.message).toMatch(/^invalid configuration \(3 problems\)/);
    expect(error.details['problems']).toHaveLength(3);
    for (const name of ['PORT="-1"', 'ORION_MODE="x"', 'ORION_MAX_HOPS="three"']) expect(error.message).toContain(name);
  });
});

describe('loadConfig rejects a bad config file', () => {
  it('bad JSON', () => {
    const path = writeFile('{ "port": 80, }');
    expect(failure(() => load({}, path)).message).toMatch(new RegExp(`${path} is not valid JSON \\(.+\\); allowed: a JSON object`));
  });

  it('not an object', () => {
    expect(failure(() => load({}, writeFile('[1, 2]'))).message).toMatch(/holds an array; allowed: a JSON object of settings/);
  });

  it('unknown key', () => {
    expect(failure(() => load({}, writeFile('{ "maxHop": 3 }'))).message).toMatch(/unknown key "maxHop"; allowed keys: mode, host, port/);
  });

  it('a secret in the file', () => {
    const message = failure(() => load({}, writeFile('{ "databaseUrl": "postgres://u:pw@127.0.0.1/db" }'))).message;
    expect(message).toMatch(/databaseUrl is a secret and may not be in the file; allowed: set DATABASE_URL in the environment/);
  });

  it('a value of the wrong type, named by key and variable', () => {
    const path = writeFile('{ "maxHops": "three", "flow": 1 }');
    const message = failure(() => load({}, path)).message;
    expect(message).toContain(`${path}: maxHops (ORION_MAX_HOPS) = "three" is not a number; allowed: an integer from 2 to 4`);
    expect(message).toContain(`${path}: flow (ORION_FLOW) = 1 is a number, not on/off`);
  });

  it('a missing file named by ORION_CONFIG', () => {
    expect(failure(() => load({ ORION_CONFIG: 'absent.json' })).message).toMatch(/ORION_CONFIG="absent.json": cannot read .*absent.json \(ENOENT\)/);
  });
});

describe('.env.example', () => {
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');

  it('documents every variable with its default', () => {
    for (const spec of Object.values(VARIABLES)) {
      const line = spec.default === undefined ? new RegExp(`^# ${spec.env}=`, 'm') : new RegExp(`^${spec.env}=${spec.default.replace(/[.$]/g, '\\$&')}$`, 'm');
      expect(example, spec.env).toMatch(line);
      expect(example, spec.env).toContain(spec.doc);
    }
  });

  it('documents the CLI\'s client variables, which the config knows (an operator\'s shell holds them beside the rest)', () => {
    for (const [name, doc] of Object.entries(CLI_CLIENT_VARIABLES)) {
      expect(example, name).toMatch(new RegExp(`^# ${name}=`, 'm'));
      expect(example, name).toContain(doc);
    }
    const config = load({ ORION_API_URL: 'http://127.0.0.1:9', ORION_API_KEY: 'oak_x', ORION_USERNAME: 'ops', ORION_PASSWORD: 'p' });
    expect(config).toEqual(load({}));
  });

  it('names no variable the schema does not know, and loads as a valid config', () => {
    const env = Object.fromEntries([...example.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const known = new Set(['ORION_CONFIG', ...Object.values(VARIABLES).map((spec) => spec.env), ...Object.keys(CLI_CLIENT_VARIABLES)]);
    for (const name of example.matchAll(/^#? ?([A-Z][A-Z_]+)=/gm)) expect(known.has(name[1] ?? '')).toBe(true);
    expect(load(env)).toEqual(load({}));
  });
});

describe('ORION_BASE_FEE_RULE', () => {
  it('is unset by default (the chain id decides), takes ethereum, op-stack or arbitrum, and refuses anything else naming the choices', () => {
    expect(load({}).baseFeeRule).toBeUndefined();
    expect(load({ ORION_BASE_FEE_RULE: 'op-stack' }).baseFeeRule).toBe('op-stack');
    expect(load({ ORION_BASE_FEE_RULE: ' Arbitrum ' }).baseFeeRule).toBe('arbitrum');
    expect(failure(() => load({ ORION_BASE_FEE_RULE: 'optimism' })).message).toContain('ORION_BASE_FEE_RULE');
    expect(failure(() => load({ ORION_BASE_FEE_RULE: 'optimism' })).message).toContain('ethereum | op-stack | arbitrum');
  });
});

describe('ORION_USD_REFERENCE_POOLS', () => {
  it('defaults to the WETH/USDC V3 0.3 % pool of the market, by its tokens and fee; none turns it off', () => {
    expect(load({}).usdReferencePools).toEqual([
      { token: { type: 'symbol', symbol: 'WETH' }, pool: { type: 'pair', protocol: 'uniswap-v3', stable: { type: 'symbol', symbol: 'USDC' }, fee: 3000 }, text: 'WETH=v3:USDC:3000' },
    ]);
    expect(load({ ORION_USD_REFERENCE_POOLS: 'none' }).usdReferencePools).toEqual([]);
    const pool = `0x${'Ab'.repeat(20)}`;
    const token = `0x${'0c'.repeat(20)}`;
    expect(load({ ORION_USD_REFERENCE_POOLS: `cbBTC=${pool}, ${token}=v2:0x${'0b'.repeat(20)}:3000` }).usdReferencePools).toEqual([
      { token: { type: 'symbol', symbol: 'cbBTC' }, pool: { type: 'address', address: pool.toLowerCase() }, text: `cbBTC=${pool}` },
      { token: { type: 'address', address: token }, pool: { type: 'pair', protocol: 'uniswap-v2', stable: { type: 'address', address: `0x${'0b'.repeat(20)}` }, fee: 3000 }, text: `${token}=v2:0x${'0b'.repeat(20)}:3000` },
    ]);
  });

  it('a malformed entry is refused, naming the variable and the entry', () => {
    for (const [value, problem] of [
      ['WETH', /entry 1 \("WETH"\) that is not TOKEN=POOL/],
      ['WETH=0x12', /entry "WETH=0x12" whose pool is not a 20-byte address/],
      ['WETH=v4:USDC:3000', /neither an address nor v2:STABLE:FEE/],
      ['WETH=v3:USDC:1000000', /neither an address nor v2:STABLE:FEE/],
      ['WETH=v3:USDC:3000,weth=v2:USDC:3000', /names "weth" twice/],
      ['0x12=v3:USDC:3000', /a token "0x12" that is not a 20-byte address/],
    ] as const) {
      const message = failure(() => load({ ORION_USD_REFERENCE_POOLS: value })).message;
      expect(message, value).toContain(`ORION_USD_REFERENCE_POOLS="${value}"`);
      expect(message, value).toMatch(problem);
    }
  });
});

describe('ORION_RISK_FREE_RATE', () => {
  it('unset by default; a fraction below 1', () => {
    expect(load({}).riskFreeRate).toBeUndefined();
    expect(load({ ORION_RISK_FREE_RATE: '0.05' }).riskFreeRate).toBe(0.05);
    for (const value of ['5%', '1', '-0.1', 'abc']) expect(failure(() => load({ ORION_RISK_FREE_RATE: value })).message, value).toContain(`ORION_RISK_FREE_RATE="${value}"`);
  });
});

describe('ORION_RISK_CAPITAL', () => {
  it('unset by default; TOKEN=AMOUNT in token units, kept as written', () => {
    expect(load({}).riskCapital).toEqual([]);
    expect(load({ ORION_RISK_CAPITAL: 'WETH=10, usdc=25000.5' }).riskCapital).toEqual([
      { token: { type: 'symbol', symbol: 'WETH' }, amount: '10', text: 'WETH=10' },
      { token: { type: 'symbol', symbol: 'usdc' }, amount: '25000.5', text: 'usdc=25000.5' },
    ]);
  });

  it('a malformed entry is refused, naming the variable and the entry', () => {
    for (const [value, problem] of [
      ['WETH', /not TOKEN=AMOUNT/],
      ['WETH=0', /amount is not a positive decimal number/],
      ['WETH=-1', /amount is not a positive decimal number/],
      ['WETH=1e3', /amount is not a positive decimal number/],
      ['0x12=1', /token is not a 20-byte address/],
      ['WETH=1,weth=2', /names "weth" twice/],
    ] as const) {
      const message = failure(() => load({ ORION_RISK_CAPITAL: value })).message;
      expect(message, value).toContain(`ORION_RISK_CAPITAL="${value}"`);
      expect(message, value).toMatch(problem);
    }
  });
});
