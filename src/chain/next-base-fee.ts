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

/** The header fields the next base fee depends on. */
export type BaseFeeParent = Pick<BlockHeader, 'number' | 'gasUsed' | 'gasLimit'> & { baseFeePerGas: bigint };

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
export function nextBlockFee(parent: BlockHeader, policy: GasBidPolicy, params: BaseFeeParams = ETHEREUM_BASE_FEE_PARAMS): NextBlockFee | null {
  if (parent.baseFeePerGas === null) return null;
  const base = nextBaseFee({ ...parent, baseFeePerGas: parent.baseFeePerGas }, params);
  const bid = base + policy.priorityFee;
  const cap = policy.maxFeePerGas;
  const gasPrice = cap !== undefined && cap < bid ? cap : bid;
  return { block: parent.number, source: 'base-fee', nextBaseFee: base, gasPrice, pricedOut: cap !== undefined && cap < base };
}

/** The fee per gas on a chain without a base fee: the node's `eth_gasPrice`, capped by the policy. */
export function legacyBlockFee(block: bigint, nodeGasPrice: bigint, policy: GasBidPolicy): NextBlockFee {
  const cap = policy.maxFeePerGas;
  const gasPrice = cap !== undefined && cap < nodeGasPrice ? cap : nodeGasPrice;
  return { block, source: 'eth_gasPrice', nextBaseFee: null, gasPrice, pricedOut: false };
}
