import type { Address } from 'viem';
import { computeV2PairAddress, computeV3PoolAddress } from '../devnet/pool-address.ts';
import { InputError } from '../errors.ts';
import type { HexAddress, SnapshotToken } from '../market/snapshot.ts';

/**
 * What a recorded file's name can say about its pool: the replay data names pools by protocol,
 * token symbols, fee and an address prefix (the CSVs have no address column). The full address
 * is derived as the factories derive it (CREATE2) and must start with that prefix.
 */

/** Ethereum mainnet tokens the recorded files may name, by lower-case symbol. */
const MAINNET_TOKENS: Readonly<Record<string, SnapshotToken>> = {
  usdc: { address: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', symbol: 'USDC', decimals: 6 },
  usdt: { address: '0xdac17f958d2ee523a2206206994597c13d831ec7', symbol: 'USDT', decimals: 6 },
  dai: { address: '0x6b175474e89094c44da98b954eedeac495271d0f', symbol: 'DAI', decimals: 18 },
  weth: { address: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', symbol: 'WETH', decimals: 18 },
  wbtc: { address: '0x2260fac5e5542a773aa44fbcfc66ad3db6d3ec9d', symbol: 'WBTC', decimals: 8 },
};

const V2_FACTORY: Address = '0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f';
const V3_FACTORY: Address = '0x1F98431c8aD98523631AE4a59f267346ea31F984';
/** Tick spacing of each V3 fee tier (the factory's enabled tiers). */
const V3_TICK_SPACING: Readonly<Record<number, number>> = { 100: 1, 500: 10, 3000: 60, 10000: 200 };
/** Uniswap V2's swap fee in pips. */
const V2_FEE_PIPS = 3000;

/** A pool named by a recorded file. */
export interface RecordedPool {
  protocol: 'uniswap-v2' | 'uniswap-v3';
  address: HexAddress;
  /** Fee in pips. */
  fee: number;
  /** V3 only. */
  tickSpacing: number;
  token0: SnapshotToken;
  token1: SnapshotToken;
}

function token(symbol: string, file: string): SnapshotToken {
  const known = MAINNET_TOKENS[symbol];
  if (known === undefined) throw new InputError(`${file}: unknown token "${symbol}" (known: ${Object.keys(MAINNET_TOKENS).join(', ')})`);
  return known;
}

/** The pool a file names (`protocol`, symbols in token0/token1 order, fee for V3, address prefix); InputError when they disagree. */
export function mainnetPool(file: string, protocol: RecordedPool['protocol'], symbol0: string, symbol1: string, fee: number | undefined, prefix: string): RecordedPool {
  const token0 = token(symbol0, file);
  const token1 = token(symbol1, file);
  if (BigInt(token0.address) >= BigInt(token1.address)) throw new InputError(`${file}: ${token0.symbol} must sort before ${token1.symbol} (token0 < token1)`);
  let address: string;
  let tickSpacing = 0;
  if (protocol === 'uniswap-v2') {
    address = computeV2PairAddress(V2_FACTORY, token0.address, token1.address);
  } else {
    const spacing = V3_TICK_SPACING[fee!];
    if (spacing === undefined) throw new InputError(`${file}: fee ${fee} is not a Uniswap V3 tier (${Object.keys(V3_TICK_SPACING).join(', ')})`);
    tickSpacing = spacing;
    address = computeV3PoolAddress(V3_FACTORY, token0.address, token1.address, fee!);
  }
  const lower = address.toLowerCase() as HexAddress;
  if (!lower.startsWith(prefix.toLowerCase())) throw new InputError(`${file}: the ${protocol} pool of ${token0.symbol}/${token1.symbol} is ${lower}, not 0x${prefix.slice(2)}…`);
  return { protocol, address: lower, fee: protocol === 'uniswap-v2' ? V2_FEE_PIPS : fee!, tickSpacing, token0, token1 };
}
