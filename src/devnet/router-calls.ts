import { encodeFunctionData, type Address, type Hex } from 'viem';
import { uniswapArtifact } from './uniswap-artifacts.ts';

/**
 * Calldata of the Uniswap routers' exact-input swaps, as the noise flow and the tests that move a
 * pool on the local chain send them: no minimum output (the caller sizes the swap; a revert is
 * the pool's verdict, not a slippage guard's) and a deadline far in the future unless given.
 */

/** Far beyond any block the local chain reaches. */
export const FAR_DEADLINE = 1n << 40n;

/** A single-pool exact-input swap through the V3 SwapRouter (`exactInputSingle`). */
export interface V3ExactInput {
  tokenIn: Address;
  tokenOut: Address;
  /** The pool's fee tier in pips: it names the pool of the pair. */
  fee: number;
  recipient: Address;
  amountIn: bigint;
  /** 0: no price limit. */
  sqrtPriceLimitX96?: bigint;
  deadline?: bigint;
}

/** `SwapRouter.exactInputSingle` calldata for `swap`. */
export function v3ExactInputCalldata(swap: V3ExactInput): Hex {
  return encodeFunctionData({
    abi: uniswapArtifact('SwapRouter').abi, functionName: 'exactInputSingle',
    args: [{
      tokenIn: swap.tokenIn, tokenOut: swap.tokenOut, fee: swap.fee, recipient: swap.recipient, deadline: swap.deadline ?? FAR_DEADLINE,
      amountIn: swap.amountIn, amountOutMinimum: 0n, sqrtPriceLimitX96: swap.sqrtPriceLimitX96 ?? 0n,
    }],
  });
}

/** `UniswapV2Router02.swapExactTokensForTokens` calldata: `amountIn` along `path` to `recipient`. */
export function v2ExactInputCalldata(amountIn: bigint, path: readonly Address[], recipient: Address, deadline: bigint = FAR_DEADLINE): Hex {
  return encodeFunctionData({ abi: uniswapArtifact('UniswapV2Router02').abi, functionName: 'swapExactTokensForTokens', args: [amountIn, 0n, [...path], recipient, deadline] });
}
