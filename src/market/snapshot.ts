import { readFile } from 'node:fs/promises';
import { getTickAtSqrtRatio } from '../amm/uniswap-v3/tick-math.ts';
import { InputError } from '../errors.ts';

/**
 * The pool snapshot format `orion.pools/v1` (SPEC.md §3): reading with validation that names
 * the pool and the field at fault, and writing back. Amounts are decimal strings on disk and
 * `bigint` in memory; addresses are lower-cased on read so lookups are case-insensitive.
 */

/** The format tag every snapshot carries. */
export const SNAPSHOT_FORMAT = 'orion.pools/v1';

/** Lower-case 0x-prefixed 20-byte hex address. */
export type HexAddress = `0x${string}`;

/** A token as a snapshot lists it. */
export interface SnapshotToken {
  address: HexAddress;
  symbol: string;
  decimals: number;
}

interface PoolBase {
  address: HexAddress;
  /** Swap fee in pips (hundredths of a basis point): 3000 = 0.30 %. */
  fee: number;
  token0: SnapshotToken;
  token1: SnapshotToken;
}

/** A Uniswap V2 pair (or a fork with another fee) with its reserves. */
export interface V2PoolSnapshot extends PoolBase {
  protocol: 'uniswap-v2';
  reserve0: bigint;
  reserve1: bigint;
}

/** One initialized tick of a V3 pool. */
export interface TickEntry {
  tick: number;
  liquidityNet: bigint;
}

/** A Uniswap V3 pool: slot0, active liquidity and every initialized tick. */
export interface V3PoolSnapshot extends PoolBase {
  protocol: 'uniswap-v3';
  tickSpacing: number;
  sqrtPriceX96: bigint;
  liquidity: bigint;
  tick: number;
  /** Initialized ticks, strictly increasing. */
  ticks: TickEntry[];
}

/** Any pool of a snapshot, told apart by `protocol`. */
export type PoolSnapshot = V2PoolSnapshot | V3PoolSnapshot;

/** A whole `orion.pools/v1` document, amounts as bigint. */
export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  chainId: number;
  /** Block the state was read at; `null` when unknown. */
  block: bigint | null;
  note?: string;
  source?: string;
  pools: PoolSnapshot[];
}

/** A validated snapshot and the warnings its reading produced. */
export interface ParsedSnapshot {
  snapshot: Snapshot;
  /** Unknown keys that were ignored, one line each. */
  warnings: string[];
}

/** Protocols this version of the format knows. */
export const SNAPSHOT_PROTOCOLS = ['uniswap-v2', 'uniswap-v3'] as const;

/** Tick and sqrt-price bounds of Uniswap V3 (TickMath). */
export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
export const MIN_SQRT_RATIO = 4295128739n;
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;
const MAX_UINT112 = (1n << 112n) - 1n;
const MAX_UINT128 = (1n << 128n) - 1n;
const MIN_INT128 = -(1n << 127n);
const MAX_INT128 = (1n << 127n) - 1n;

/** A snapshot that breaks the format: the message names the pool and field. */
export class SnapshotError extends InputError {}

const TOP_KEYS = new Set(['format', 'chainId', 'block', 'note', 'source', 'pools']);
const TOKEN_KEYS = new Set(['address', 'symbol', 'decimals']);
const V2_KEYS = new Set(['protocol', 'address', 'fee', 'token0', 'token1', 'reserve0', 'reserve1']);
const V3_KEYS = new Set([
  'protocol', 'address', 'fee', 'tickSpacing', 'token0', 'token1', 'sqrtPriceX96', 'liquidity', 'tick', 'ticks',
]);
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const UNSIGNED_RE = /^[0-9]+$/;
const SIGNED_RE = /^-?[0-9]+$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validation context: says which pool (index and address) an error belongs to. */
class Reader {
  constructor(private readonly origin: string, private readonly where: string) {}

  fail(field: string, problem: string): never {
    throw new SnapshotError(`${this.origin}: ${this.where}: field "${field}" ${problem}`, {
      details: { origin: this.origin, where: this.where, field },
    });
  }

  field(obj: Json, key: string): unknown {
    if (!(key in obj) || obj[key] === undefined) this.fail(key, 'is missing');
    return obj[key];
  }

  integer(obj: Json, key: string, min: number, max: number): number {
    const value = this.field(obj, key);
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(key, `must be an integer, got ${JSON.stringify(value)}`);
    if (value < min || value > max) this.fail(key, `must be within [${min}, ${max}], got ${value}`);
    return value;
  }

  amount(obj: Json, key: string, max: bigint, label: string): bigint {
    const value = this.field(obj, key);
    return this.unsignedString(value, key, max, label);
  }

  unsignedString(value: unknown, key: string, max: bigint, label: string): bigint {
    if (typeof value !== 'string' || !UNSIGNED_RE.test(value)) {
      this.fail(key, `must be a non-negative integer as a decimal string, got ${JSON.stringify(value)}`);
    }
    const parsed = BigInt(value);
    if (parsed > max) this.fail(key, `exceeds ${label}, got ${value}`);
    return parsed;
  }

  address(obj: Json, key: string): HexAddress {
    const value = this.field(obj, key);
    if (typeof value !== 'string' || !ADDRESS_RE.test(value)) this.fail(key, `must be a 20-byte hex address, got ${JSON.stringify(value)}`);
    return value.toLowerCase() as HexAddress;
  }

  token(obj: Json, key: string, warnings: string[]): SnapshotToken {
    const value = this.field(obj, key);
    if (!isObject(value)) this.fail(key, 'must be an object {address, symbol, decimals}');
    const sub: Reader = new Reader(this.origin, `${this.where} ${key}`);
    warnUnknown(value, TOKEN_KEYS, `${this.origin}: ${this.where} ${key}`, warnings);
    const symbol = sub.field(value, 'symbol');
    if (typeof symbol !== 'string') sub.fail('symbol', `must be a string, got ${JSON.stringify(symbol)}`);
    return { address: sub.address(value, 'address'), symbol, decimals: sub.integer(value, 'decimals', 0, 255) };
  }
}

function warnUnknown(obj: Json, known: Set<string>, where: string, warnings: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) warnings.push(`${where}: unknown key "${key}" ignored`);
  }
}

/**
 * Whether `obj`'s own enumerable keys are exactly the `known` ones, as `Object.keys` would tell,
 * with no array per object: `for…in` visits every own enumerable key, and an inherited one answers
 * no. `Object.keys` on the three objects of each pool took ~10 ms of the 10,773 real pairs' cold
 * start (issue 16).
 */
function onlyKnownKeys(obj: Json, known: Set<string>): boolean {
  let count = 0;
  for (const key in obj) {
    if (!known.has(key) || !Object.hasOwn(obj, key)) return false;
    count++;
  }
  return count === known.size;
}

/**
 * A well-formed token with only the known keys, as `Reader.token` returns it; undefined for
 * anything else (the full reader then names the fault or warns).
 */
function wellFormedToken(value: unknown): SnapshotToken | undefined {
  if (!isObject(value) || !onlyKnownKeys(value, TOKEN_KEYS)) return undefined;
  const { address, symbol, decimals } = value;
  if (typeof address !== 'string' || !ADDRESS_RE.test(address) || typeof symbol !== 'string') return undefined;
  if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > 255) return undefined;
  return { address: address.toLowerCase() as HexAddress, symbol, decimals };
}

/** A reserve as `Reader.amount` reads it when valid (at most a uint112), else -1n. */
function wellFormedReserve(value: unknown): bigint {
  if (typeof value !== 'string' || !UNSIGNED_RE.test(value)) return -1n;
  const parsed = BigInt(value);
  return parsed > MAX_UINT112 ? -1n : parsed;
}

/**
 * The V2 pool `parsePool` returns for `raw` when raw is a well-formed V2 pool with only the
 * known keys; undefined for anything else, which `parsePool` then reads to name the fault or
 * warn. The same checks without a context object, message or key list per field: nearly every
 * pool of a real file is such a pool, and the full reader took ~60 ms of the 10,773 real pairs'
 * cold start (issue 16). Exported for the test that holds it equal to `parsePool`.
 */
export function wellFormedV2(raw: unknown): V2PoolSnapshot | undefined {
  if (!isObject(raw) || raw.protocol !== 'uniswap-v2' || !onlyKnownKeys(raw, V2_KEYS)) return undefined;
  const { address, fee } = raw;
  if (typeof address !== 'string' || !ADDRESS_RE.test(address)) return undefined;
  if (typeof fee !== 'number' || !Number.isInteger(fee) || fee < 0 || fee > 999_999) return undefined;
  const token0 = wellFormedToken(raw.token0);
  const token1 = wellFormedToken(raw.token1);
  if (token0 === undefined || token1 === undefined || token0.address >= token1.address) return undefined;
  const reserve0 = wellFormedReserve(raw.reserve0);
  const reserve1 = wellFormedReserve(raw.reserve1);
  if (reserve0 < 0n || reserve1 < 0n) return undefined;
  return { protocol: 'uniswap-v2', address: address.toLowerCase() as HexAddress, fee, token0, token1, reserve0, reserve1 };
}

/**
 * Reads one pool of a snapshot, naming the pool and field at fault. Returns `null` for a pool
 * that is well-formed but unpriced (skipped with a warning). Exported for the fast path's test.
 */
export function parsePool(raw: unknown, index: number, origin: string, warnings: string[]): PoolSnapshot | null {
  const addressHint = isObject(raw) && typeof raw.address === 'string' ? ` (${raw.address})` : '';
  const r: Reader = new Reader(origin, `pool #${index}${addressHint}`);
  if (!isObject(raw)) r.fail('pool', 'must be an object');
  const protocol = r.field(raw, 'protocol');
  if (protocol !== 'uniswap-v2' && protocol !== 'uniswap-v3') {
    r.fail('protocol', `is unknown: ${JSON.stringify(protocol)} (allowed: ${SNAPSHOT_PROTOCOLS.join(', ')})`);
  }
  const address = r.address(raw, 'address');
  const fee = r.integer(raw, 'fee', 0, 999_999);
  const token0 = r.token(raw, 'token0', warnings);
  const token1 = r.token(raw, 'token1', warnings);
  if (token0.address >= token1.address) {
    r.fail('token1', `must sort after token0 (token0 ${token0.address}, token1 ${token1.address})`);
  }
  const base = { address, fee, token0, token1 };

  if (protocol === 'uniswap-v2') {
    for (const key of ['reserve0', 'reserve1']) {
      if (raw[key] === null || raw[key] === 'None') {
        // Real crawls write an unreadable reserve as null (or Python's "None"): the pool is
        // unpriced, not malformed. It is left out with a warning rather than failing the file.
        warnings.push(`${origin}: pool #${index}${addressHint}: "${key}" is unknown (${JSON.stringify(raw[key])}): pool skipped`);
        return null;
      }
    }
    warnUnknown(raw, V2_KEYS, `${origin}: pool #${index}${addressHint}`, warnings);
    return {
      protocol,
      ...base,
      reserve0: r.amount(raw, 'reserve0', MAX_UINT112, 'uint112'),
      reserve1: r.amount(raw, 'reserve1', MAX_UINT112, 'uint112'),
    };
  }

  warnUnknown(raw, V3_KEYS, `${origin}: pool #${index}${addressHint}`, warnings);
  const tickSpacing = r.integer(raw, 'tickSpacing', 1, 16383);
  const sqrtPriceX96 = r.amount(raw, 'sqrtPriceX96', MAX_SQRT_RATIO - 1n, 'the maximum sqrt price');
  if (sqrtPriceX96 < MIN_SQRT_RATIO) r.fail('sqrtPriceX96', `is below the minimum sqrt price ${MIN_SQRT_RATIO}`);
  const liquidity = r.amount(raw, 'liquidity', MAX_UINT128, 'uint128');
  const tick = r.integer(raw, 'tick', MIN_TICK, MAX_TICK);
  // The pool's tick is its price's, or one below right after a swap crossed down onto a tick (as
  // the market's V3Pool checks): a tick that disagrees would put the active liquidity elsewhere.
  const priceTick = getTickAtSqrtRatio(sqrtPriceX96);
  if (tick !== priceTick && tick !== priceTick - 1) r.fail('tick', `${tick} does not match sqrtPriceX96 ${sqrtPriceX96} (tick ${priceTick})`);
  const rawTicks = r.field(raw, 'ticks');
  if (!Array.isArray(rawTicks)) r.fail('ticks', 'must be an array of [tick, liquidityNet]');
  const ticks: TickEntry[] = [];
  let activeLiquidity = 0n;
  let runningLiquidity = 0n;
  for (let i = 0; i < rawTicks.length; i++) {
    const entry: unknown = rawTicks[i];
    const name = `ticks[${i}]`;
    if (!Array.isArray(entry) || entry.length !== 2) r.fail(name, 'must be a pair [tick, liquidityNet]');
    const [t, net] = entry as [unknown, unknown];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < MIN_TICK || t > MAX_TICK) {
      r.fail(name, `tick must be an integer within [${MIN_TICK}, ${MAX_TICK}], got ${JSON.stringify(t)}`);
    }
    if (t % tickSpacing !== 0) r.fail(name, `tick ${t} is not aligned to tickSpacing ${tickSpacing}`);
    const previous = ticks[ticks.length - 1];
    if (previous !== undefined && t <= previous.tick) {
      r.fail(name, `tick ${t} is ${t === previous.tick ? 'a duplicate' : 'out of order'} after ${previous.tick}`);
    }
    if (typeof net !== 'string' || !SIGNED_RE.test(net)) {
      r.fail(name, `liquidityNet must be an integer as a decimal string, got ${JSON.stringify(net)}`);
    }
    const liquidityNet = BigInt(net);
    if (liquidityNet < MIN_INT128 || liquidityNet > MAX_INT128) r.fail(name, 'liquidityNet exceeds int128');
    // Zero is a real state: one position ends where another of the same liquidity starts. The
    // tick stays initialized (its gross liquidity is not zero) and the swap loop stops at it,
    // which changes exact quotes: it is kept, not refused.
    runningLiquidity += liquidityNet;
    if (runningLiquidity < 0n) r.fail(name, 'running liquidity goes negative: the tick map is inconsistent');
    if (t <= tick) activeLiquidity = runningLiquidity;
    ticks.push({ tick: t, liquidityNet });
  }
  if (runningLiquidity !== 0n) r.fail('ticks', `liquidityNet must sum to zero, sums to ${runningLiquidity}`);
  if (activeLiquidity !== liquidity) {
    r.fail('liquidity', `is ${liquidity} but the ticks at or below tick ${tick} sum to ${activeLiquidity}`);
  }
  return { protocol, ...base, tickSpacing, sqrtPriceX96, liquidity, tick, ticks };
}

/**
 * Validates a decoded JSON document as `orion.pools/v1`. `origin` (usually the file path) is
 * put in front of every message. Throws {@link SnapshotError} on the first problem.
 */
export function parseSnapshot(raw: unknown, origin = 'snapshot'): ParsedSnapshot {
  const r: Reader = new Reader(origin, 'document');
  if (!isObject(raw)) r.fail('format', 'cannot be read: the document is not a JSON object');
  const format = r.field(raw, 'format');
  if (format !== SNAPSHOT_FORMAT) r.fail('format', `must be "${SNAPSHOT_FORMAT}", got ${JSON.stringify(format)}`);
  const warnings: string[] = [];
  warnUnknown(raw, TOP_KEYS, `${origin}: document`, warnings);
  const chainId = r.integer(raw, 'chainId', 1, Number.MAX_SAFE_INTEGER);
  const rawBlock = raw.block;
  let block: bigint | null = null;
  if (rawBlock !== null && rawBlock !== undefined) {
    if (typeof rawBlock === 'number' && Number.isSafeInteger(rawBlock) && rawBlock >= 0) block = BigInt(rawBlock);
    else if (typeof rawBlock === 'string' && UNSIGNED_RE.test(rawBlock)) block = BigInt(rawBlock);
    else r.fail('block', `must be a non-negative integer or null, got ${JSON.stringify(rawBlock)}`);
  }
  const rawPools = r.field(raw, 'pools');
  if (!Array.isArray(rawPools)) r.fail('pools', 'must be an array');
  const pools: PoolSnapshot[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < rawPools.length; i++) {
    const pool = wellFormedV2(rawPools[i]) ?? parsePool(rawPools[i], i, origin, warnings);
    if (pool === null) continue;
    // One lookup per pool: the set grows unless the address was already in it.
    const before = seen.size;
    seen.add(pool.address);
    if (seen.size === before) new Reader(origin, `pool #${i} (${pool.address})`).fail('address', 'appears twice');
    pools.push(pool);
  }
  const snapshot: Snapshot = { format: SNAPSHOT_FORMAT, chainId, block, pools };
  if (typeof raw.note === 'string') snapshot.note = raw.note;
  if (typeof raw.source === 'string') snapshot.source = raw.source;
  return { snapshot, warnings };
}

/** Reads and validates a snapshot file. */
export async function readSnapshotFile(path: string): Promise<ParsedSnapshot> {
  let text: string;
  try {
    // Read as bytes and decoded once: `readFile(path, 'utf8')` decodes chunk by chunk into a
    // concatenated string that JSON.parse must flatten first (~15 ms more on the 3.6 MB real pairs).
    text = (await readFile(path)).toString('utf8');
  } catch (cause) {
    throw new SnapshotError(`${path}: cannot read the snapshot file (${(cause as Error).message})`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SnapshotError(`${path}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  return parseSnapshot(json, path);
}

/**
 * A snapshot as the text of a file: its JSON form with every non-ASCII character written as a
 * \uXXXX escape (the same document to any JSON reader), as the shared real snapshots are
 * written. A file of ASCII only decodes to a one-byte string, which V8 reads faster: on the 100k
 * V2 synthetic universe (33 MB, ~1,000 non-ASCII characters in token symbols) reading and
 * parsing took ~200 ms less of the main thread than with the raw UTF-8 text (issue 16).
 */
export function snapshotFileText(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshotToJson(snapshot)).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** The JSON form of a snapshot, amounts as decimal strings, in the field order of SPEC.md §3. */
export function snapshotToJson(snapshot: Snapshot): Record<string, unknown> {
  return {
    format: snapshot.format,
    chainId: snapshot.chainId,
    block: snapshot.block === null ? null : Number(snapshot.block),
    ...(snapshot.note === undefined ? {} : { note: snapshot.note }),
    ...(snapshot.source === undefined ? {} : { source: snapshot.source }),
    pools: snapshot.pools.map((pool) =>
      pool.protocol === 'uniswap-v2'
        ? {
            protocol: pool.protocol, address: pool.address, fee: pool.fee, token0: pool.token0, token1: pool.token1,
            reserve0: pool.reserve0.toString(), reserve1: pool.reserve1.toString(),
          }
        : {
            protocol: pool.protocol, address: pool.address, fee: pool.fee, tickSpacing: pool.tickSpacing,
            token0: pool.token0, token1: pool.token1,
            sqrtPriceX96: pool.sqrtPriceX96.toString(), liquidity: pool.liquidity.toString(), tick: pool.tick,
            ticks: pool.ticks.map((t) => [t.tick, t.liquidityNet.toString()]),
          },
    ),
  };
}

/** Every distinct token of a snapshot, sorted by address. */
export function snapshotTokens(snapshot: Snapshot): SnapshotToken[] {
  const byAddress = new Map<string, SnapshotToken>();
  for (const pool of snapshot.pools) {
    byAddress.set(pool.token0.address, pool.token0);
    byAddress.set(pool.token1.address, pool.token1);
  }
  return [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}
