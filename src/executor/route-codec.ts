import {
  decodeErrorResult,
  decodeEventLog,
  getAddress,
  isAddress,
  zeroAddress,
  type Address,
  type Hex,
  type Log,
} from 'viem';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { InputError } from '../errors.ts';
import { executeCalldata } from './execute-calldata.ts';

/**
 * The calldata of FlashArbExecutor.execute and the decoding of what it emits or reverts with.
 * The same checks as the contract's `_validate` run here first, so a bad route fails in
 * TypeScript with a message naming the hop and field instead of as an opaque revert.
 */

/** Protocol of one hop. */
export type HopProtocol = 'v2' | 'v3';

/** One swap of a route; `fee` in pips (3000 = 0.30 %), which prices V2 hops. */
export interface RouteHop {
  pool: Address;
  protocol: HopProtocol;
  tokenIn: Address;
  tokenOut: Address;
  fee: number;
}

/** Where the capital comes from. */
export type FlashKind = 'none' | 'v2-flash-swap' | 'v3-flash' | 'balancer' | 'aave';

/** A flash source: `lender` is the V3 pool / Balancer Vault / Aave Pool; ignored for 'none' and 'v2-flash-swap'. */
export interface FlashSource {
  kind: FlashKind;
  lender?: Address | undefined;
}

/** Arguments of one execution. */
export interface ExecuteParams {
  route: readonly RouteHop[];
  amountIn: bigint;
  minProfit: bigint;
  deadlineBlock: bigint;
  flash: FlashSource;
}

/** The contract's flash kind numbers (FLASH_* constants). */
export const FLASH_KIND_ID: Readonly<Record<FlashKind, number>> = { none: 0, 'v2-flash-swap': 1, 'v3-flash': 2, balancer: 3, aave: 4 };
const FLASH_KIND_BY_ID = Object.fromEntries(Object.entries(FLASH_KIND_ID).map(([k, v]) => [v, k])) as Record<number, FlashKind>;
const PROTOCOL_ID: Readonly<Record<HopProtocol, number>> = { v2: 0, v3: 1 };

const same = (x: Address, y: Address): boolean => x.toLowerCase() === y.toLowerCase();

/** Checks a route and flash source as the contract will; throws InputError naming the hop and field. */
export function validateExecute(params: ExecuteParams): void {
  const { route, flash } = params;
  if (route.length < 2) throw new InputError(`route must have at least 2 hops, got ${route.length}`);
  if (params.amountIn <= 0n) throw new InputError(`amountIn must be positive, got ${params.amountIn}`);
  if (params.minProfit < 0n) throw new InputError(`minProfit must not be negative, got ${params.minProfit}`);
  const base = route[0]!.tokenIn;
  let previous = base;
  route.forEach((hop, i) => {
    for (const field of ['pool', 'tokenIn', 'tokenOut'] as const) {
      if (!isAddress(hop[field], { strict: false }) || same(hop[field], zeroAddress)) {
        throw new InputError(`route hop ${i}: ${field} is not a non-zero address: ${String(hop[field])}`);
      }
    }
    if (hop.protocol !== 'v2' && hop.protocol !== 'v3') throw new InputError(`route hop ${i}: protocol must be v2 or v3, got ${String(hop.protocol)}`);
    if (!Number.isInteger(hop.fee) || hop.fee < 0 || hop.fee >= 1_000_000) throw new InputError(`route hop ${i}: fee must be pips in [0, 999999], got ${hop.fee}`);
    if (!same(hop.tokenIn, previous)) throw new InputError(`route hop ${i}: tokenIn ${hop.tokenIn} is not the previous hop's tokenOut ${previous}`);
    if (same(hop.tokenIn, hop.tokenOut)) throw new InputError(`route hop ${i}: tokenIn and tokenOut are both ${hop.tokenIn}`);
    previous = hop.tokenOut;
  });
  if (!same(previous, base)) throw new InputError(`route ends in ${previous}, not in its base token ${base}`);
  const pools = route.map((hop) => hop.pool.toLowerCase());
  if (flash.kind === 'v2-flash-swap') {
    if (route[0]!.protocol !== 'v2') throw new InputError('flash source v2-flash-swap needs a V2 first hop');
    if (pools.slice(1).includes(pools[0]!)) throw new InputError(`flash-swap pair ${route[0]!.pool} is swapped through again later in the route`);
  } else if (flash.kind !== 'none') {
    if (flash.lender === undefined || !isAddress(flash.lender, { strict: false }) || same(flash.lender, zeroAddress)) {
      throw new InputError(`flash source ${flash.kind} needs a lender address, got ${String(flash.lender)}`);
    }
    if (pools.includes(flash.lender.toLowerCase())) throw new InputError(`flash lender ${flash.lender} is also a pool of the route`);
  } else if (!(flash.kind in FLASH_KIND_ID)) {
    throw new InputError(`unknown flash source kind ${String(flash.kind)}`);
  }
}

/** The lender address the contract is given for this source (as written: the encoding is case-blind). */
function lenderOf(route: readonly RouteHop[], flash: FlashSource): Address {
  if (flash.kind === 'none') return zeroAddress;
  if (flash.kind === 'v2-flash-swap') return route[0]!.pool;
  return flash.lender!;
}

/** The route and flash source in the ABI's shape (validated), each address passed through `address`. */
function abiShape(params: ExecuteParams, address: (a: Address) => Address) {
  validateExecute(params);
  const route = params.route.map((hop) => ({
    pool: address(hop.pool), protocol: PROTOCOL_ID[hop.protocol], tokenIn: address(hop.tokenIn), tokenOut: address(hop.tokenOut), fee: hop.fee,
  }));
  return { route, flash: { kind: FLASH_KIND_ID[params.flash.kind], lender: address(lenderOf(params.route, params.flash)) } };
}

/** `execute` arguments in the ABI's shape (validated; checksummed addresses), for viem's contract calls. */
export function executeArgs(params: ExecuteParams) {
  const { route, flash } = abiShape(params, getAddress);
  return [route, params.amountIn, params.minProfit, params.deadlineBlock, flash] as const;
}

/** Calldata of `execute(route, amountIn, minProfit, deadlineBlock, flash)` (validated; encoded by execute-calldata.ts, no checksums). */
export function encodeExecute(params: ExecuteParams): Hex {
  const { route, flash } = abiShape(params, (a) => a);
  return executeCalldata(route, params.amountIn, params.minProfit, params.deadlineBlock, flash);
}

/** One decoded `Executed` event. */
export interface ExecutedEvent {
  executor: Address;
  caller: Address;
  baseToken: Address;
  flash: FlashKind;
  lender: Address;
  amountIn: bigint;
  profit: bigint;
  hopCount: number;
  transactionHash: Hex | null;
}

/** The `Executed` events among `logs` (other logs, including other contracts', are skipped). */
export function decodeExecutedEvents(logs: readonly Log[], executor?: Address): ExecutedEvent[] {
  const events: ExecutedEvent[] = [];
  for (const log of logs) {
    if (executor !== undefined && !same(log.address, executor)) continue;
    let decoded;
    try {
      decoded = decodeEventLog({ abi: flashArbExecutorAbi, data: log.data, topics: log.topics, eventName: 'Executed' });
    } catch {
      continue;
    }
    const a = decoded.args;
    events.push({
      executor: getAddress(log.address), caller: a.caller, baseToken: a.baseToken, flash: FLASH_KIND_BY_ID[a.flashKind] ?? 'none',
      lender: a.lender, amountIn: a.amountIn, profit: a.profit, hopCount: Number(a.hopCount), transactionHash: log.transactionHash,
    });
  }
  return events;
}

/** A decoded custom error of the executor (or of OpenZeppelin's modules it uses). */
export interface ExecutorRevert {
  name: string;
  args: readonly unknown[];
}

/** Decodes revert data of the executor; undefined when it is not one of its errors. */
export function decodeExecutorRevert(data: Hex): ExecutorRevert | undefined {
  try {
    const decoded = decodeErrorResult({ abi: flashArbExecutorAbi, data });
    return { name: decoded.errorName, args: (decoded.args ?? []) as readonly unknown[] };
  } catch {
    return undefined;
  }
}
