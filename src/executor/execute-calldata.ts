import type { Hex } from 'viem';
import { InputError } from '../errors.ts';

/**
 * The ABI encoding of `FlashArbExecutor.execute(Hop[] route, uint256 amountIn, uint256 minProfit,
 * uint256 deadlineBlock, FlashSource flash)`, written out by hand. Every plan of every block is
 * encoded on the path from head to decision, and viem's general encoder (with an EIP-55 checksum,
 * one keccak each, for every address) took ~0.3 ms of it per block; this takes a few
 * microseconds. Its output is held byte for byte to viem's `encodeFunctionData` over random
 * routes by route-codec.test.ts. The caller validates the route first (route-codec.ts).
 *
 * Layout: selector, then six head words — the offset of the dynamic `route` (6 × 32 bytes), the
 * three uint256, and the static `flash` tuple inline (kind, lender) — then `route`: its length
 * and five words per hop (pool, protocol, tokenIn, tokenOut, fee).
 */

/** `bytes4(keccak256("execute((address,uint8,address,address,uint24)[],uint256,uint256,uint256,(uint8,address))"))`. */
export const EXECUTE_SELECTOR = '0x19fbcbd0';

const HEAD_WORDS = 6;
const WORD_HEX = 64;
const UINT256_LIMIT = 1n << 256n;

/** One hop as the contract's `Hop` struct takes it (addresses 0x-prefixed, any case). */
export interface EncodedHop {
  pool: string;
  protocol: number;
  tokenIn: string;
  tokenOut: string;
  fee: number;
}

function uintWord(value: bigint | number, bits: number, field: string): string {
  const big = BigInt(value);
  if (big < 0n || big >= (bits === 256 ? UINT256_LIMIT : 1n << BigInt(bits))) throw new InputError(`${field} does not fit a uint${bits}: ${big}`);
  return big.toString(16).padStart(WORD_HEX, '0');
}

function addressWord(address: string, field: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new InputError(`${field} is not an address: ${address}`);
  return address.slice(2).toLowerCase().padStart(WORD_HEX, '0');
}

/** The calldata of `execute` for these (already validated) arguments. */
export function executeCalldata(
  route: readonly EncodedHop[], amountIn: bigint, minProfit: bigint, deadlineBlock: bigint, flash: { kind: number; lender: string },
): Hex {
  const words: string[] = [
    uintWord(HEAD_WORDS * 32, 256, 'route offset'),
    uintWord(amountIn, 256, 'amountIn'),
    uintWord(minProfit, 256, 'minProfit'),
    uintWord(deadlineBlock, 256, 'deadlineBlock'),
    uintWord(flash.kind, 8, 'flash kind'),
    addressWord(flash.lender, 'flash lender'),
    uintWord(route.length, 256, 'route length'),
  ];
  route.forEach((hop, i) => {
    words.push(
      addressWord(hop.pool, `route hop ${i}: pool`),
      uintWord(hop.protocol, 8, `route hop ${i}: protocol`),
      addressWord(hop.tokenIn, `route hop ${i}: tokenIn`),
      addressWord(hop.tokenOut, `route hop ${i}: tokenOut`),
      uintWord(hop.fee, 24, `route hop ${i}: fee`),
    );
  });
  return `${EXECUTE_SELECTOR}${words.join('')}`;
}
