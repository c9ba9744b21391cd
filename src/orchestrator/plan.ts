import type { Address, Hex } from 'viem';
import type { GasBidPolicy } from '../chain/next-base-fee.ts';
import { InputError } from '../errors.ts';
import { encodeExecute, type ExecuteParams, type FlashKind, type HopProtocol } from '../executor/route-codec.ts';
import type { HexAddress } from '../market/snapshot.ts';
import type { LentOpportunity } from '../scanner/flash-lender.ts';
import { largestRouteGasUnits } from '../scanner/gas-table.ts';

/**
 * The executable plan: everything the contract, the ledger, the API and the dashboard need to
 * know about one intended execution, derived from a ranked opportunity and the block it was
 * ranked at. The sim executor simulates exactly `{from, to: executor, data: calldata, gas:
 * gasLimit, maxFeePerGas, maxPriorityFeePerGas}`; the live executor will sign exactly that.
 */

/** One swap of the plan, as the contract runs it. */
export interface PlanHop {
  protocol: HopProtocol;
  pool: HexAddress;
  /** The pool's own fee in pips (prices V2 hops in the contract). */
  fee: number;
  tokenIn: HexAddress;
  tokenOut: HexAddress;
  /** token0 -> token1 (token0 is the lower address). */
  zeroForOne: boolean;
  amountIn: bigint;
  amountOut: bigint;
}

/** Where the input comes from and what it costs. */
export interface PlanFlash {
  kind: FlashKind;
  /** The lender (V2 pair, V3 pool, Balancer Vault, Aave Pool); null for own capital. */
  lender: HexAddress | null;
  feePips: number;
  /** The fee on amountIn, rounded up, in the base token. */
  fee: bigint;
}

/** The block a plan was made at and the next block it targets. */
export interface PlanBlock {
  number: bigint;
  hash: Hex;
}

/** An executable plan. */
export interface Plan {
  /** The block whose state the amounts were computed at. */
  block: PlanBlock;
  /** The scanner's cycle number (stable for the scanner's lifetime). */
  cycle: number;
  baseToken: HexAddress;
  hops: PlanHop[];
  amountIn: bigint;
  amountOut: bigint;
  flash: PlanFlash;
  /** What the contract reports as profit if nothing moves: amountOut − amountIn − flash fee. */
  expectedProfit: bigint;
  /** Gas units × gas price, in the base token (the scanner's estimate). */
  gasCost: bigint;
  /** The gas price (wei per gas) the ranking priced gasCost at: gasCost / (gasUnits × gasPrice) is the base token per wei. */
  gasPrice: bigint;
  /** expectedProfit − gasCost. */
  netProfit: bigint;
  /** The base-token balance growth below which the contract reverts (see minProfitFor). */
  minProfit: bigint;
  /** The last block the contract accepts the call in. */
  deadlineBlock: bigint;
  /** FlashArbExecutor on this chain. */
  executor: Address;
  /** The hot key the transaction is sent from. */
  from: Address;
  /** Calldata of FlashArbExecutor.execute. */
  calldata: Hex;
  /** Gas units of the route shape through its flash source (the gas table). */
  gasUnits: bigint;
  /** gasUnits plus the safety margin. */
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** What the planner needs besides the opportunity. */
export interface PlanContext {
  /** The block the opportunity was ranked at. */
  block: PlanBlock;
  /** The next block's base fee (null on a chain without EIP-1559). */
  nextBaseFee: bigint | null;
  /** The gas price the ranking used (for a chain without a base fee, the legacy price). */
  gasPrice: bigint;
  executor: Address;
  from: Address;
}

/** How plans are made; every field is configuration (ORION_* variables). */
export interface PlanSettings {
  /** Share of the predicted net profit given up as a safety margin, in basis points (ORION_MIN_PROFIT_MARGIN_BPS). */
  minProfitMarginBps: number;
  /** Blocks after the ranked block the plan stays valid: deadline = block + this (ORION_DEADLINE_BLOCKS). */
  deadlineBlocks: number;
  /** Gas limit above the gas table's units, in basis points (ORION_GAS_LIMIT_MARGIN_BPS). */
  gasLimitMarginBps: number;
  gasBid: GasBidPolicy;
}

/** Defaults of PlanSettings other than the gas bid. */
// The gas table is measured on routes that cross no initialized tick and on pairs whose price
// accumulators are already non-zero; each tick a V3 hop crosses costs ~20-30k more and a pair's
// first update ~40k: routes through the dense V3 pools of the seeded Base market used up to
// twice the table. A limit only caps what may be spent (EIP-1559 charges the gas used), so it is
// three times the table. (The ranking itself still prices the table's gas: see the gas gap in
// src/orchestrator/README.md.)
export const DEFAULT_PLAN_SETTINGS = { minProfitMarginBps: 2000, deadlineBlocks: 2, gasLimitMarginBps: 20_000 } as const;

const BPS = 10_000n;
const PROTOCOL: Record<string, HopProtocol> = { 'uniswap-v2': 'v2', 'uniswap-v3': 'v3' };

/**
 * The minimum balance growth the contract must see. The contract measures its base-token
 * balance, which does not pay gas: the sender pays gas in the native token. So the floor is the
 * expected balance growth less the margin's share of the NET profit: below it the trade, after
 * gas, would make less than (1 − margin) of what was predicted, and the contract reverts
 * instead (`InsufficientProfit(actual, minimum)`). Rounded so the floor is never above the
 * prediction; a plan with no net profit gets the full expected profit as its floor.
 */
export function minProfitFor(expectedProfit: bigint, netProfit: bigint, marginBps: number): bigint {
  if (netProfit <= 0n) return expectedProfit > 0n ? expectedProfit : 0n;
  const giveUp = (netProfit * BigInt(marginBps) + BPS - 1n) / BPS;
  const floor = expectedProfit - giveUp;
  return floor > 0n ? floor : 0n;
}

/**
 * The most the base fee can be by the deadline: +12.5 % a block (EIP-1559's ceiling, at least 1 wei), for each block after the next one up to the deadline. Bidding this much keeps the
 * transaction includable until it expires; only the base fee actually charged is paid.
 */
export function baseFeeCeiling(nextBaseFee: bigint, blocksAfterNext: number): bigint {
  let ceiling = nextBaseFee;
  // A full block raises the base fee by max(1, base / 8) (geth's CalcBaseFee at gasUsed = limit).
  for (let i = 0; i < blocksAfterNext; i++) ceiling += ceiling < 16n ? 1n : ceiling / 8n;
  return ceiling;
}

function checkSettings(settings: PlanSettings): void {
  const ints: [string, number, number][] = [
    ['minProfitMarginBps (ORION_MIN_PROFIT_MARGIN_BPS)', settings.minProfitMarginBps, 10_000],
    ['deadlineBlocks (ORION_DEADLINE_BLOCKS)', settings.deadlineBlocks, 1_000],
    ['gasLimitMarginBps (ORION_GAS_LIMIT_MARGIN_BPS)', settings.gasLimitMarginBps, 100_000],
  ];
  for (const [name, value, max] of ints) {
    if (!Number.isInteger(value) || value < 0 || value > max) throw new InputError(`${name} must be an integer in [0, ${max}], got ${value}`);
  }
  if (settings.deadlineBlocks < 1) throw new InputError(`deadlineBlocks (ORION_DEADLINE_BLOCKS) must be at least 1, got ${settings.deadlineBlocks}`);
}

/** The plan for `opportunity` ranked at `context.block`; throws InputError on an inconsistent opportunity. */
export function buildPlan(opportunity: LentOpportunity, context: PlanContext, settings: PlanSettings): Plan {
  checkSettings(settings);
  const n = opportunity.pools.length;
  if (opportunity.tokens.length !== n + 1 || opportunity.amounts.length !== n + 1 || opportunity.protocols.length !== n || opportunity.fees.length !== n) {
    throw new InputError(`opportunity of cycle ${opportunity.cycle}: ${n} pools but ${opportunity.tokens.length} tokens, ${opportunity.amounts.length} amounts, ${opportunity.protocols.length} protocols, ${opportunity.fees.length} fees`);
  }
  const hops: PlanHop[] = opportunity.pools.map((pool, h) => {
    const protocol = PROTOCOL[opportunity.protocols[h]!];
    if (protocol === undefined) throw new InputError(`opportunity of cycle ${opportunity.cycle}: hop ${h} has an unknown protocol ${String(opportunity.protocols[h])}`);
    const tokenIn = opportunity.tokens[h]!;
    const tokenOut = opportunity.tokens[h + 1]!;
    return {
      protocol, pool, fee: opportunity.fees[h]!, tokenIn, tokenOut,
      zeroForOne: tokenIn.toLowerCase() < tokenOut.toLowerCase(),
      amountIn: opportunity.amounts[h]!, amountOut: opportunity.amounts[h + 1]!,
    };
  });
  const expectedProfit = opportunity.profit - opportunity.flashFee;
  const deadlineBlock = context.block.number + BigInt(settings.deadlineBlocks);
  const { priorityFee, maxFeePerGas: cap } = settings.gasBid;
  // On an EIP-1559 chain: the base fee's ceiling at the deadline plus the tip, capped. Without a
  // base fee: the legacy price the ranking used, for both fields.
  const uncapped = context.nextBaseFee === null ? context.gasPrice : baseFeeCeiling(context.nextBaseFee, settings.deadlineBlocks - 1) + priorityFee;
  const maxFeePerGas = cap !== undefined && cap < uncapped ? cap : uncapped;
  const maxPriorityFeePerGas = context.nextBaseFee === null ? maxFeePerGas : priorityFee < maxFeePerGas ? priorityFee : maxFeePerGas;
  const params: ExecuteParams = {
    route: hops.map((hop) => ({ pool: hop.pool, protocol: hop.protocol, tokenIn: hop.tokenIn, tokenOut: hop.tokenOut, fee: hop.fee })),
    amountIn: opportunity.amountIn,
    minProfit: minProfitFor(expectedProfit, opportunity.netProfit, settings.minProfitMarginBps),
    deadlineBlock,
    flash: { kind: opportunity.flashSource.kind, lender: opportunity.flashLender ?? undefined },
  };
  return {
    block: context.block,
    cycle: opportunity.cycle,
    baseToken: opportunity.tokens[0]!,
    hops,
    amountIn: opportunity.amountIn,
    amountOut: opportunity.amountOut,
    flash: { kind: opportunity.flashSource.kind, lender: opportunity.flashLender, feePips: opportunity.flashSource.feePips, fee: opportunity.flashFee },
    expectedProfit,
    gasCost: opportunity.gasCost,
    gasPrice: context.gasPrice,
    netProfit: opportunity.netProfit,
    minProfit: params.minProfit,
    deadlineBlock,
    executor: context.executor,
    from: context.from,
    calldata: encodeExecute(params),
    gasUnits: opportunity.gasUnits,
    gasLimit: gasLimitOf(opportunity.gasUnits, settings.gasLimitMarginBps),
    maxFeePerGas,
    maxPriorityFeePerGas,
  };
}

/** The gas limit a plan of `gasUnits` gets: the units plus the margin, rounded up. */
export function gasLimitOf(gasUnits: bigint, gasLimitMarginBps: number): bigint {
  return gasUnits + (gasUnits * BigInt(gasLimitMarginBps) + BPS - 1n) / BPS;
}

/** The largest gas limit a plan of up to `maxHops` hops gets: what one execution may reserve at most (gas money, pre-flight). */
export function largestGasLimit(maxHops: number, gasLimitMarginBps: number): bigint {
  return gasLimitOf(largestRouteGasUnits(maxHops), gasLimitMarginBps);
}
