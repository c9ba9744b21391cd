import { InputError } from '../errors.ts';
import type { BlockHeader } from './types.ts';

/**
 * The fee per gas a transaction pays in the next block, known exactly from the block just
 * applied: EIP-1559 fixes the next base fee from the parent's base fee, gas used and gas limit,
 * so the engine prices gas without an `eth_gasPrice` round trip on the block-to-decision path.
 */

/** EIP-1559's parameters; Ethereum's by default (some L2s change them, e.g. OP Stack chains). */
export interface BaseFeeParams {
  /** BASE_FEE_MAX_CHANGE_DENOMINATOR: the base fee moves by at most 1/denominator per block. */
  changeDenominator: bigint;
  /** ELASTICITY_MULTIPLIER: the gas target is gasLimit / elasticity. */
  elasticity: bigint;
}

/** Ethereum mainnet's (and anvil's, and geth's) EIP-1559 parameters. */
export const ETHEREUM_BASE_FEE_PARAMS: BaseFeeParams = { changeDenominator: 8n, elasticity: 2n };

/**
 * OP Mainnet's and Base mainnet's parameters since Canyon: denominator 250 (50 before Canyon,
 * January 2024), elasticity 6 — alloy-eips / kona-genesis `OP_MAINNET_EIP1559_BASE_FEE_MAX_CHANGE_DENOMINATOR_CANYON = 250`,
 * `OP_MAINNET_EIP1559_DEFAULT_ELASTICITY_MULTIPLIER = 6`, and reth's OP and Base chain specs
 * (`BaseFeeParams::optimism_canyon()` from Canyon on). OP Sepolia has the same; Base Sepolia's
 * elasticity is 10 (`BASE_SEPOLIA_EIP1559_DEFAULT_ELASTICITY_MULTIPLIER`). Since Holocene these
 * are only the fallback: the parent header's extraData carries the parameters in force.
 */
export const OP_STACK_CANYON_BASE_FEE_PARAMS: BaseFeeParams = { changeDenominator: 250n, elasticity: 6n };
const BASE_SEPOLIA_CANYON_BASE_FEE_PARAMS: BaseFeeParams = { changeDenominator: 250n, elasticity: 10n };

/**
 * How a chain sets the next block's base fee:
 * - `eip1559`: from the parent header with fixed parameters (Ethereum, its testnets, anvil);
 * - `op-stack`: EIP-1559 with the parameters the parent's extraData carries since Holocene
 *   (version 0: `u8 0 | u32 denominator | u32 elasticity`, big-endian; version 1 since Jovian
 *   adds `u64 minBaseFee`, a floor the result is clamped to — OP specs holocene/exec-engine.md,
 *   jovian/exec-engine.md), the chain's Canyon defaults when it carries none;
 * - `arbitrum`: ArbOS sets the base fee from its own gas-pool model, not from the header's
 *   gasUsed/gasLimit (a header's gasLimit there is not a block target): the next block's base
 *   fee is taken as the current one (ArbOS moves it slowly, with a floor of 0.01 gwei on Arbitrum
 *   One). Applying Ethereum's rule there would read a near-empty "block" and cut the fee 12.5 %.
 */
export type BaseFeeRule =
  | { kind: 'eip1559'; name: string; params: BaseFeeParams }
  | { kind: 'op-stack'; name: string; params: BaseFeeParams }
  | { kind: 'arbitrum'; name: string };

const ethereumRule = (name: string): BaseFeeRule => ({ kind: 'eip1559', name, params: ETHEREUM_BASE_FEE_PARAMS });

/** Ethereum's rule (the default, and what a chain not in the table gets). */
export const ETHEREUM_BASE_FEE_RULE: BaseFeeRule = ethereumRule('ethereum');

/** The base fee rule per chain id. */
export const BASE_FEE_RULES: ReadonlyMap<number, BaseFeeRule> = new Map<number, BaseFeeRule>([
  [1, ETHEREUM_BASE_FEE_RULE],
  [11155111, ethereumRule('ethereum (sepolia)')],
  [17000, ethereumRule('ethereum (holesky)')],
  [560048, ethereumRule('ethereum (hoodi)')],
  [31337, ethereumRule('ethereum (devnet: anvil, hardhat)')],
  [10, { kind: 'op-stack', name: 'op-stack (OP Mainnet)', params: OP_STACK_CANYON_BASE_FEE_PARAMS }],
  [11155420, { kind: 'op-stack', name: 'op-stack (OP Sepolia)', params: OP_STACK_CANYON_BASE_FEE_PARAMS }],
  [8453, { kind: 'op-stack', name: 'op-stack (Base)', params: OP_STACK_CANYON_BASE_FEE_PARAMS }],
  [84532, { kind: 'op-stack', name: 'op-stack (Base Sepolia)', params: BASE_SEPOLIA_CANYON_BASE_FEE_PARAMS }],
  [42161, { kind: 'arbitrum', name: 'arbitrum (Arbitrum One, ArbOS)' }],
  [42170, { kind: 'arbitrum', name: 'arbitrum (Arbitrum Nova, ArbOS)' }],
  [421614, { kind: 'arbitrum', name: 'arbitrum (Arbitrum Sepolia, ArbOS)' }],
]);

/** The rules ORION_BASE_FEE_RULE can name, to override the table. */
export const BASE_FEE_RULE_KINDS = ['ethereum', 'op-stack', 'arbitrum'] as const;
export type BaseFeeRuleKind = (typeof BASE_FEE_RULE_KINDS)[number];

/**
 * The rule of `chainId`, or the one `override` names (ORION_BASE_FEE_RULE; op-stack with
 * Canyon's 250/6 where the parent's extraData carries no parameters). A chain not in the table
 * gets Ethereum's rule rather than a refusal (a private devnet or fork under its own chain id
 * is Ethereum's rule almost always), with `assumed` set and the name saying so: the engine's
 * /health shows it (`gas.rule`) and the platform says it at startup.
 */
export function baseFeeRuleFor(chainId: number, override?: BaseFeeRuleKind): BaseFeeRule & { assumed: boolean } {
  if (override === 'ethereum') return { ...ethereumRule('ethereum (ORION_BASE_FEE_RULE)'), assumed: false };
  if (override === 'op-stack') return { kind: 'op-stack', name: 'op-stack (ORION_BASE_FEE_RULE)', params: OP_STACK_CANYON_BASE_FEE_PARAMS, assumed: false };
  if (override === 'arbitrum') return { kind: 'arbitrum', name: 'arbitrum (ORION_BASE_FEE_RULE)', assumed: false };
  const known = BASE_FEE_RULES.get(chainId);
  if (known !== undefined) return { ...known, assumed: false };
  return { ...ethereumRule(`ethereum (assumed: chain ${chainId} is not in the base fee table, src/chain/next-base-fee.ts)`), assumed: true };
}

/** The header fields the next base fee depends on. */
export type BaseFeeParent = Pick<BlockHeader, 'number' | 'gasUsed' | 'gasLimit'> & { baseFeePerGas: bigint };

/** The EIP-1559 parameters (and Jovian's floor) an OP-stack header's extraData carries; null when it carries none. */
export function opStackExtraDataParams(extraData: string | undefined): (BaseFeeParams & { minBaseFee: bigint | null }) | null {
  if (extraData === undefined) return null;
  const hex = extraData.slice(2);
  const version = hex.slice(0, 2);
  if (!((version === '00' && hex.length === 18) || (version === '01' && hex.length === 34))) return null;
  const changeDenominator = BigInt(`0x${hex.slice(2, 10)}`);
  const elasticity = BigInt(`0x${hex.slice(10, 18)}`);
  if (changeDenominator === 0n || elasticity === 0n) return null;
  return { changeDenominator, elasticity, minBaseFee: version === '01' ? BigInt(`0x${hex.slice(18, 34)}`) : null };
}

/** The next block's base fee under `rule`, from the applied header `parent`. */
export function nextBaseFeeBy(parent: BaseFeeParent & Pick<BlockHeader, 'extraData' | 'blobGasUsed'>, rule: BaseFeeRule): bigint {
  if (rule.kind === 'eip1559') return nextBaseFee(parent, rule.params);
  if (rule.kind === 'arbitrum') return parent.baseFeePerGas;
  const carried = opStackExtraDataParams(parent.extraData);
  if (carried === null) return nextBaseFee(parent, rule.params);
  // Jovian: a block's DA footprint counts as gas used for the base fee when larger; the spec
  // moved it between gasUsed and blobGasUsed while drafting, and blobGasUsed is otherwise 0 on
  // an L2 (no blob transactions), so the larger of the two is right either way.
  const gasUsed = carried.minBaseFee !== null && (parent.blobGasUsed ?? 0n) > parent.gasUsed ? (parent.blobGasUsed as bigint) : parent.gasUsed;
  const next = nextBaseFee({ ...parent, gasUsed }, carried);
  return carried.minBaseFee !== null && next < carried.minBaseFee ? carried.minBaseFee : next;
}

/**
 * The base fee per gas of the block after `parent`, exactly as go-ethereum's `CalcBaseFee`
 * (consensus/misc/eip1559) computes it, in integers: unchanged at the gas target; above it up
 * by parentBaseFee × (gasUsed − target) / target / denominator, at least 1 wei; below it down
 * by parentBaseFee × (target − gasUsed) / target / denominator, never under 0.
 */
export function nextBaseFee(parent: BaseFeeParent, params: BaseFeeParams = ETHEREUM_BASE_FEE_PARAMS): bigint {
  const target = parent.gasLimit / params.elasticity;
  if (target <= 0n) throw new InputError(`block ${parent.number} has gas limit ${parent.gasLimit}: no gas target to compute the next base fee from`);
  if (parent.baseFeePerGas < 0n || parent.gasUsed < 0n) throw new InputError(`block ${parent.number} has a negative base fee or gas used`);
  const base = parent.baseFeePerGas;
  if (parent.gasUsed === target) return base;
  if (parent.gasUsed > target) {
    const delta = (base * (parent.gasUsed - target)) / target / params.changeDenominator;
    return base + (delta > 1n ? delta : 1n);
  }
  const delta = (base * (target - parent.gasUsed)) / target / params.changeDenominator;
  return base > delta ? base - delta : 0n;
}

/** How the engine bids for gas (wei per gas). */
export interface GasBidPolicy {
  /** Tip per gas to the block builder on top of the base fee (maxPriorityFeePerGas). */
  priorityFee: bigint;
  /** Most we pay per gas in total (maxFeePerGas); undefined = no cap. */
  maxFeePerGas?: bigint | undefined;
}

/** The fee per gas for the next block, and how it was found (what /health shows). */
export interface NextBlockFee {
  /** The block the fee was derived from; the price is for the block after it. */
  block: bigint;
  /** 'base-fee': derived from the header (EIP-1559); 'eth_gasPrice': asked of the node (pre-London chain). */
  source: 'base-fee' | 'eth_gasPrice';
  /** The chain's base fee rule (`BaseFeeRule.name`); says "assumed" for a chain not in the table. */
  rule?: string;
  /** The next block's base fee; null on a chain without EIP-1559. */
  nextBaseFee: bigint | null;
  /** What a transaction in the next block pays per gas: min(nextBaseFee + priorityFee, maxFeePerGas). */
  gasPrice: bigint;
  /** The cap is below the next base fee: no transaction of ours can be included in that block. */
  pricedOut: boolean;
}

/**
 * The fee per gas a transaction of ours pays in the block after `parent`, or null when the
 * chain has no base fee (pre-London): the caller then asks the node (`eth_gasPrice`).
 */
export function nextBlockFee(parent: BlockHeader, policy: GasBidPolicy, rule: BaseFeeRule = ETHEREUM_BASE_FEE_RULE): NextBlockFee | null {
  if (parent.baseFeePerGas === null) return null;
  const base = nextBaseFeeBy({ ...parent, baseFeePerGas: parent.baseFeePerGas }, rule);
  const bid = base + policy.priorityFee;
  const cap = policy.maxFeePerGas;
  const gasPrice = cap !== undefined && cap < bid ? cap : bid;
  return { block: parent.number, source: 'base-fee', rule: rule.name, nextBaseFee: base, gasPrice, pricedOut: cap !== undefined && cap < base };
}

/** The fee per gas on a chain without a base fee: the node's `eth_gasPrice`, capped by the policy. */
export function legacyBlockFee(block: bigint, nodeGasPrice: bigint, policy: GasBidPolicy): NextBlockFee {
  const cap = policy.maxFeePerGas;
  const gasPrice = cap !== undefined && cap < nodeGasPrice ? cap : nodeGasPrice;
  return { block, source: 'eth_gasPrice', nextBaseFee: null, gasPrice, pricedOut: false };
}
