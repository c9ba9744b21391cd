import { formatGwei, parseGwei } from 'viem';
import { InputError } from '../errors.ts';
import { exactTokenAmount, parseTokenAmount } from '../format/token-amount.ts';
import type { TokenDirectory } from '../format/symbols.ts';
import type { HexAddress } from '../market/snapshot.ts';

/**
 * The risk limits as data: what the protection rules judge by, changed by the risk officer
 * without a deploy (`orion limits set`, the API), versioned in the `limits` table
 * (limits-repository.ts). Amounts are bigint base units keyed by the token's lowercase address;
 * people read and write them as `KEY=VALUE` in token units with the token's symbol:
 *
 *   min_net_profit.WETH=0.002          least net profit (after gas and flash fee) of a plan, per base token
 *   max_input.WETH=50                  largest input of a plan, per base token
 *   max_flash_loan.balancer.WETH=100   largest flash loan per lender kind (v2-flash-swap, v3-flash, balancer, aave) and token
 *   max_daily_loss.WETH=0.5            largest loss including gas in a UTC day (sim: of the mode session; live: of every live session on the chain); trips a breaker re-armed by hand; live needs one per base token, and none can be removed while live; live mode needs one per base token (src/mode/checks.ts)
 *   max_gas_price=80gwei               highest gas price Orion plans at (also `wei`), `none` for no limit
 *   revert_breaker.consecutive=5       reverts in a row that trip the revert breaker
 *   revert_breaker.window=50           outcomes in the rolling window …
 *   revert_breaker.max_rate_pct=50     … and the revert rate in it that trips the breaker (once the window is full)
 *   revert_breaker.cooldown_blocks=25  blocks the revert breaker holds before re-arming itself
 *   route_suppression.failures=3       failures in a row after which a route is suppressed …
 *   route_suppression.retry_blocks=50  … and retried once every this many blocks
 *   gas_money.min_executions=3         live: no planning while the hot key's balance pays for fewer executions at the fee cap (0: off)
 *   tokens.allow=WETH,USDC             only routes all of whose tokens are listed (`none`: any token)
 *   tokens.deny=0x…                    no route through a listed token
 *
 * `KEY=none` removes a per-token entry (no limit for that token).
 */

/** The lender kinds a flash-loan limit can name. */
export const LENDER_KINDS = ['v2-flash-swap', 'v3-flash', 'balancer', 'aave'] as const;
export type LenderKind = (typeof LENDER_KINDS)[number];

/** The limits in force. */
export interface Limits {
  minNetProfit: Record<string, bigint>;
  maxInput: Record<string, bigint>;
  /** By lender kind, then token. */
  maxFlashLoan: Partial<Record<LenderKind, Record<string, bigint>>>;
  maxDailyLoss: Record<string, bigint>;
  /** Wei per gas; null: no limit. */
  maxGasPrice: bigint | null;
  revertBreaker: { consecutive: number; window: number; maxRatePct: number; cooldownBlocks: number };
  routeSuppression: { failures: number; retryBlocks: number };
  /** Executions at the fee cap the hot key's balance must still pay for, or planning stops (live). */
  gasMoney: { minExecutions: number };
  tokens: { allow: HexAddress[]; deny: HexAddress[] };
}

/**
 * Three executions in hand: one in flight, its replacement (+10 % fees), and the next plan.
 * Below that a live engine would soon sign transactions a node refuses for want of gas money.
 */
const DEFAULT_MIN_GAS_EXECUTIONS = 3;

/** The defaults of version 1 (before config): breakers on, no amount limit a token must be named for. */
export const DEFAULT_LIMITS: Limits = {
  minNetProfit: {},
  maxInput: {},
  maxFlashLoan: {},
  maxDailyLoss: {},
  maxGasPrice: null,
  revertBreaker: { consecutive: 5, window: 50, maxRatePct: 50, cooldownBlocks: 25 },
  routeSuppression: { failures: 3, retryBlocks: 50 },
  gasMoney: { minExecutions: DEFAULT_MIN_GAS_EXECUTIONS },
  tokens: { allow: [], deny: [] },
};

/** Version 1: the defaults, with what the configuration says (ORION_MAX_FEE_PER_GAS caps the gas price too). */
export function seedLimits(config: { maxFeePerGas?: bigint | undefined }): Limits {
  return { ...structuredClone(DEFAULT_LIMITS), maxGasPrice: config.maxFeePerGas ?? null };
}

/** One `KEY=VALUE` change, before and after, as a person reads it (keys name tokens by address). */
export interface LimitChange {
  key: string;
  old: string | null;
  new: string | null;
}

type Flat = Map<string, string>;

const PER_TOKEN = { min_net_profit: 'minNetProfit', max_input: 'maxInput', max_daily_loss: 'maxDailyLoss' } as const;
const COUNTS = {
  'revert_breaker.consecutive': { get: (l: Limits) => l.revertBreaker.consecutive, set: (l: Limits, n: number) => { l.revertBreaker.consecutive = n; }, min: 1, max: 1_000_000 },
  'revert_breaker.window': { get: (l: Limits) => l.revertBreaker.window, set: (l: Limits, n: number) => { l.revertBreaker.window = n; }, min: 1, max: 100_000 },
  'revert_breaker.max_rate_pct': { get: (l: Limits) => l.revertBreaker.maxRatePct, set: (l: Limits, n: number) => { l.revertBreaker.maxRatePct = n; }, min: 1, max: 100 },
  'revert_breaker.cooldown_blocks': { get: (l: Limits) => l.revertBreaker.cooldownBlocks, set: (l: Limits, n: number) => { l.revertBreaker.cooldownBlocks = n; }, min: 1, max: 1_000_000 },
  'route_suppression.failures': { get: (l: Limits) => l.routeSuppression.failures, set: (l: Limits, n: number) => { l.routeSuppression.failures = n; }, min: 1, max: 1_000_000 },
  'route_suppression.retry_blocks': { get: (l: Limits) => l.routeSuppression.retryBlocks, set: (l: Limits, n: number) => { l.routeSuppression.retryBlocks = n; }, min: 1, max: 1_000_000 },
  'gas_money.min_executions': { get: (l: Limits) => l.gasMoney.minExecutions, set: (l: Limits, n: number) => { l.gasMoney.minExecutions = n; }, min: 0, max: 1_000_000 },
} as const;

/** Every key a person can set, with a token or lender placeholder where the key takes one. */
export const LIMIT_KEYS = [
  'min_net_profit.TOKEN', 'max_input.TOKEN', 'max_flash_loan.LENDER.TOKEN', 'max_daily_loss.TOKEN', 'max_gas_price',
  ...Object.keys(COUNTS), 'tokens.allow', 'tokens.deny',
];

/**
 * The limits flattened to `key → value`, keys naming tokens by address, values exact (base
 * units as decimal strings; the gas price in wei): what is compared for a change list and
 * stored in it.
 */
export function flattenLimits(limits: Limits): Flat {
  const flat: Flat = new Map();
  for (const [prefix, field] of Object.entries(PER_TOKEN)) {
    for (const [token, amount] of Object.entries(limits[field])) flat.set(`${prefix}.${token}`, amount.toString());
  }
  for (const kind of LENDER_KINDS) {
    for (const [token, amount] of Object.entries(limits.maxFlashLoan[kind] ?? {})) flat.set(`max_flash_loan.${kind}.${token}`, amount.toString());
  }
  flat.set('max_gas_price', limits.maxGasPrice === null ? 'none' : limits.maxGasPrice.toString());
  for (const [key, count] of Object.entries(COUNTS)) flat.set(key, count.get(limits).toString());
  flat.set('tokens.allow', limits.tokens.allow.join(',') || 'none');
  flat.set('tokens.deny', limits.tokens.deny.join(',') || 'none');
  return flat;
}

/** What changed from `before` to `after`, key by key. */
export function diffLimits(before: Limits, after: Limits): LimitChange[] {
  const a = flattenLimits(before);
  const b = flattenLimits(after);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.filter((key) => a.get(key) !== b.get(key)).map((key) => ({ key, old: a.get(key) ?? null, new: b.get(key) ?? null }));
}

/**
 * Applies `assignments` (`KEY=VALUE` each) to a copy of `limits`, with tokens resolved in
 * `tokens` (symbol or address). Every assignment is checked before anything is returned: one bad
 * key or value is an InputError naming it, and the limits passed in are never modified.
 */
export function applyAssignments(limits: Limits, assignments: readonly string[], tokens: TokenDirectory): Limits {
  if (assignments.length === 0) throw new InputError(`no limit to set: give KEY=VALUE (keys: ${LIMIT_KEYS.join(', ')})`);
  const next = structuredClone(limits);
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw new InputError(`"${assignment}" is not KEY=VALUE (keys: ${LIMIT_KEYS.join(', ')})`);
    applyOne(next, assignment.slice(0, at).trim(), assignment.slice(at + 1).trim(), tokens);
  }
  return next;
}

function applyOne(limits: Limits, key: string, value: string, tokens: TokenDirectory): void {
  const parts = key.split('.');
  const head = parts[0]!;
  if (head in PER_TOKEN && parts.length === 2) {
    const token = tokens.resolve(parts[1]!, `the token of limit ${key}`);
    const field = limits[PER_TOKEN[head as keyof typeof PER_TOKEN]];
    setAmount(field, token, key, value);
    return;
  }
  if (head === 'max_flash_loan' && parts.length === 3) {
    const kind = parts[1] as LenderKind;
    if (!LENDER_KINDS.includes(kind)) throw new InputError(`limit ${key}: the lender "${parts[1]}" is not one of ${LENDER_KINDS.join(', ')}`);
    const token = tokens.resolve(parts[2]!, `the token of limit ${key}`);
    setAmount((limits.maxFlashLoan[kind] ??= {}), token, key, value);
    if (Object.keys(limits.maxFlashLoan[kind]).length === 0) delete limits.maxFlashLoan[kind];
    return;
  }
  if (key === 'max_gas_price') {
    limits.maxGasPrice = value === 'none' ? null : parseGasPrice(key, value);
    return;
  }
  if (key in COUNTS) {
    const spec = COUNTS[key as keyof typeof COUNTS];
    if (!/^[0-9]+$/.test(value)) throw new InputError(`limit ${key} must be a whole number from ${spec.min} to ${spec.max}, got "${value}"`);
    const n = Number(value);
    if (n < spec.min || n > spec.max) throw new InputError(`limit ${key} must be from ${spec.min} to ${spec.max}, got ${value}`);
    spec.set(limits, n);
    return;
  }
  if (key === 'tokens.allow' || key === 'tokens.deny') {
    const list = value === 'none' || value === '' ? [] : value.split(',').map((spec) => tokens.resolve(spec.trim(), `a token of limit ${key}`).address.toLowerCase() as HexAddress);
    limits.tokens[key === 'tokens.allow' ? 'allow' : 'deny'] = [...new Set(list)].sort();
    return;
  }
  throw new InputError(`unknown limit "${key}" (keys: ${LIMIT_KEYS.join(', ')})`);
}

function setAmount(field: Record<string, bigint>, token: { address: string; decimals: number; symbol: string }, key: string, value: string): void {
  const address = token.address.toLowerCase();
  if (value === 'none') {
    delete field[address];
    return;
  }
  if (value.startsWith('-')) throw new InputError(`limit ${key} must not be negative, got "${value}"`);
  field[address] = parseTokenAmount(`limit ${key} (in ${token.symbol})`, value, token.decimals);
}

function parseGasPrice(key: string, value: string): bigint {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*(gwei|wei)$/i.exec(value);
  if (match === null) throw new InputError(`limit ${key} must be an amount with its unit, e.g. 80gwei or 80000000000wei, or none; got "${value}"`);
  if (match[2]!.toLowerCase() === 'wei') {
    if (match[1]!.includes('.')) throw new InputError(`limit ${key}: wei are whole, got "${value}"`);
    return BigInt(match[1]!);
  }
  const fraction = match[1]!.split('.')[1] ?? '';
  if (fraction.length > 9) throw new InputError(`limit ${key}: a gwei has 9 decimals, got "${value}"`);
  return parseGwei(match[1]!);
}

/** The limits as stored (JSON: amounts as decimal strings). */
export function limitsToJson(limits: Limits): Record<string, unknown> {
  const amounts = (record: Record<string, bigint>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v.toString()]));
  return {
    minNetProfit: amounts(limits.minNetProfit),
    maxInput: amounts(limits.maxInput),
    maxFlashLoan: Object.fromEntries(Object.entries(limits.maxFlashLoan).map(([kind, record]) => [kind, amounts(record)])),
    maxDailyLoss: amounts(limits.maxDailyLoss),
    maxGasPrice: limits.maxGasPrice?.toString() ?? null,
    revertBreaker: { ...limits.revertBreaker },
    routeSuppression: { ...limits.routeSuppression },
    gasMoney: { ...limits.gasMoney },
    tokens: { allow: [...limits.tokens.allow], deny: [...limits.tokens.deny] },
  };
}

/** The limits stored as JSON, checked field by field (a row edited by hand is refused naming the field). */
export function limitsFromJson(json: unknown, where = 'the stored limits'): Limits {
  const fail = (field: string, what: string): never => {
    throw new InputError(`${where}: ${field} ${what}`);
  };
  const object = (value: unknown, field: string): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(field, 'must be an object');
  const amount = (value: unknown, field: string): bigint => (typeof value === 'string' && /^[0-9]+$/.test(value) ? BigInt(value) : fail(field, `must be a decimal string of base units, got ${JSON.stringify(value)}`));
  const address = (value: string, field: string): string => (/^0x[0-9a-f]{40}$/.test(value) ? value : fail(field, `names a token by "${value}", not a lowercase address`));
  const amounts = (value: unknown, field: string): Record<string, bigint> =>
    Object.fromEntries(Object.entries(object(value, field)).map(([k, v]) => [address(k, `${field}.${k}`), amount(v, `${field}.${k}`)]));
  const count = (value: unknown, field: string, min: number, max: number): number =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max ? (value as number) : fail(field, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  const list = (value: unknown, field: string): HexAddress[] =>
    Array.isArray(value) ? value.map((v, i) => address(String(v), `${field}[${i}]`) as HexAddress) : fail(field, 'must be a list of token addresses');

  const root = object(json, 'the limits');
  const flash = object(root['maxFlashLoan'], 'maxFlashLoan');
  const maxFlashLoan: Limits['maxFlashLoan'] = {};
  for (const [kind, record] of Object.entries(flash)) {
    if (!LENDER_KINDS.includes(kind as LenderKind)) fail(`maxFlashLoan.${kind}`, `is not a lender kind (${LENDER_KINDS.join(', ')})`);
    maxFlashLoan[kind as LenderKind] = amounts(record, `maxFlashLoan.${kind}`);
  }
  const breaker = object(root['revertBreaker'], 'revertBreaker');
  const suppression = object(root['routeSuppression'], 'routeSuppression');
  const tokenLists = object(root['tokens'], 'tokens');
  // Versions stored before the gas-money floor existed read as the default floor.
  const gasMoney = root['gasMoney'] === undefined ? { minExecutions: DEFAULT_MIN_GAS_EXECUTIONS } : object(root['gasMoney'], 'gasMoney');
  return {
    minNetProfit: amounts(root['minNetProfit'], 'minNetProfit'),
    maxInput: amounts(root['maxInput'], 'maxInput'),
    maxFlashLoan,
    maxDailyLoss: amounts(root['maxDailyLoss'], 'maxDailyLoss'),
    maxGasPrice: root['maxGasPrice'] === null ? null : amount(root['maxGasPrice'], 'maxGasPrice'),
    revertBreaker: {
      consecutive: count(breaker['consecutive'], 'revertBreaker.consecutive', 1, 1_000_000),
      window: count(breaker['window'], 'revertBreaker.window', 1, 100_000),
      maxRatePct: count(breaker['maxRatePct'], 'revertBreaker.maxRatePct', 1, 100),
      cooldownBlocks: count(breaker['cooldownBlocks'], 'revertBreaker.cooldownBlocks', 1, 1_000_000),
    },
    routeSuppression: {
      failures: count(suppression['failures'], 'routeSuppression.failures', 1, 1_000_000),
      retryBlocks: count(suppression['retryBlocks'], 'routeSuppression.retryBlocks', 1, 1_000_000),
    },
    gasMoney: { minExecutions: count(gasMoney['minExecutions'], 'gasMoney.minExecutions', 0, 1_000_000) },
    tokens: { allow: list(tokenLists['allow'], 'tokens.allow'), deny: list(tokenLists['deny'], 'tokens.deny') },
  };
}

/** The limits as a person reads them: one `key = value` row each, tokens by symbol, amounts in token units. */
export function describeLimits(limits: Limits, tokens: TokenDirectory): { key: string; value: string }[] {
  return [...flattenLimits(limits)].map(([key, value]) => describeEntry(key, value, tokens));
}

/** One flat entry (or a change's side) in words: `max_input.WETH = 50 WETH`. */
export function describeEntry(key: string, value: string | null, tokens: TokenDirectory): { key: string; value: string } {
  const parts = key.split('.');
  const token = parts.length >= 2 && /^0x[0-9a-f]{40}$/.test(parts.at(-1)!) ? parts.at(-1)! : null;
  const label = token === null ? key : [...parts.slice(0, -1), tokens.label(token)].join('.');
  if (value === null) return { key: label, value: '(none)' };
  if (key === 'max_gas_price') return { key: label, value: value === 'none' ? 'none' : `${formatGwei(BigInt(value))} gwei` };
  if (key === 'tokens.allow' || key === 'tokens.deny') return { key: label, value: value === 'none' ? 'none' : value.split(',').map((t) => tokens.label(t)).join(', ') };
  if (token !== null) {
    const known = tokens.get(token);
    return { key: label, value: known === undefined ? `${value} base units` : `${exactTokenAmount(BigInt(value), known.decimals)} ${tokens.label(token)}` };
  }
  return { key: label, value };
}
