import type { Address, Hex } from 'viem';
import { OrionError } from '../errors.ts';

/**
 * Decoding of the pool and factory events the market follows, straight from topics and data
 * words (no ABI walk: a block can carry hundreds of these and decoding is on the hot path).
 * A malformed log is an error naming the emitter, the event and the log index.
 */

/** topic0 of each event we decode. */
export const TOPICS = {
  v2Sync: '0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1',
  v3Swap: '0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67',
  v3Mint: '0x7a53080ba414158be7ec69b987b5fb7d07dee101fe85488f0853ae16239d0bde',
  v3Burn: '0x0c396cd989a39f4459b5fa1aed6a9a8dcdbc45908acfd67e028cd568da98982c',
  v2PairCreated: '0x0d3648bd0f6ba80134a33ba9275ac585d9d315f0ad8355cddefde31afa28d0e9',
  v3PoolCreated: '0x783cca1c0412dd0d695e784568c96da2e9c22ff989357a2e8b1d9b2b4e6b7118',
} as const satisfies Record<string, Hex>;

/** The topic0 values that change pool state (what the block stream asks for). */
export const POOL_STATE_TOPICS: readonly Hex[] = [TOPICS.v2Sync, TOPICS.v3Swap, TOPICS.v3Mint, TOPICS.v3Burn];

/** The parts of a log the decoders read. */
export interface LogLike {
  address: string;
  topics: readonly Hex[];
  data: Hex;
  logIndex?: number;
}

/** A decoded pool event. */
export type PoolEvent =
  | { kind: 'sync'; reserve0: bigint; reserve1: bigint }
  | { kind: 'swap'; amount0: bigint; amount1: bigint; sqrtPriceX96: bigint; liquidity: bigint; tick: number }
  | { kind: 'mint'; tickLower: number; tickUpper: number; amount: bigint; amount0: bigint; amount1: bigint }
  | { kind: 'burn'; tickLower: number; tickUpper: number; amount: bigint; amount0: bigint; amount1: bigint };

/** A log that does not decode as the event its topic0 says. */
export class LogDecodeError extends OrionError {}

const TWO_256 = 1n << 256n;
const TWO_255 = 1n << 255n;

function word(data: Hex, index: number): bigint {
  const start = 2 + index * 64;
  const hex = data.slice(start, start + 64);
  if (hex.length !== 64) throw new RangeError(`data word ${index} is missing`);
  return BigInt(`0x${hex}`);
}

function signed(value: bigint): bigint {
  return value >= TWO_255 ? value - TWO_256 : value;
}

function int24(value: bigint): number {
  return Number(signed(value));
}

function topicWord(log: LogLike, index: number): bigint {
  const topic = log.topics[index];
  if (topic === undefined) throw new RangeError(`topic ${index} is missing`);
  return BigInt(topic);
}

function describe(log: LogLike, what: string, error: unknown): LogDecodeError {
  return new LogDecodeError(`log ${log.logIndex ?? '?'} of ${log.address}: malformed ${what}: ${(error as Error).message}`, {
    details: { address: log.address, logIndex: log.logIndex, topics: log.topics, data: log.data },
  });
}

/** Decodes a Sync/Swap/Mint/Burn log, or returns undefined for any other topic0. */
export function decodePoolEvent(log: LogLike): PoolEvent | undefined {
  const topic0 = log.topics[0];
  try {
    switch (topic0) {
      case TOPICS.v2Sync:
        return { kind: 'sync', reserve0: word(log.data, 0), reserve1: word(log.data, 1) };
      case TOPICS.v3Swap:
        return {
          kind: 'swap',
          amount0: signed(word(log.data, 0)),
          amount1: signed(word(log.data, 1)),
          sqrtPriceX96: word(log.data, 2),
          liquidity: word(log.data, 3),
          tick: int24(word(log.data, 4)),
        };
      case TOPICS.v3Mint:
        // data: sender, amount, amount0, amount1 (owner and the ticks are indexed)
        return {
          kind: 'mint',
          tickLower: int24(topicWord(log, 2)),
          tickUpper: int24(topicWord(log, 3)),
          amount: word(log.data, 1),
          amount0: word(log.data, 2),
          amount1: word(log.data, 3),
        };
      case TOPICS.v3Burn:
        return {
          kind: 'burn',
          tickLower: int24(topicWord(log, 2)),
          tickUpper: int24(topicWord(log, 3)),
          amount: word(log.data, 0),
          amount0: word(log.data, 1),
          amount1: word(log.data, 2),
        };
      default:
        return undefined;
    }
  } catch (error) {
    throw describe(log, `event ${topic0}`, error);
  }
}

/** A pool a factory announced. */
export interface CreatedPool {
  protocol: 'uniswap-v2' | 'uniswap-v3';
  address: Address;
  factory: Address;
  token0: Address;
  token1: Address;
  /** V3 only (V2 pools take their fee from configuration). */
  fee?: number;
  tickSpacing?: number;
}

function addressOf(value: bigint): Address {
  return `0x${value.toString(16).padStart(40, '0')}` as Address;
}

/** Decodes PairCreated / PoolCreated, or undefined for another topic0. */
export function decodeCreatedPool(log: LogLike): CreatedPool | undefined {
  const topic0 = log.topics[0];
  try {
    if (topic0 === TOPICS.v2PairCreated) {
      return {
        protocol: 'uniswap-v2',
        address: addressOf(word(log.data, 0)),
        factory: log.address.toLowerCase() as Address,
        token0: addressOf(topicWord(log, 1)),
        token1: addressOf(topicWord(log, 2)),
      };
    }
    if (topic0 === TOPICS.v3PoolCreated) {
      return {
        protocol: 'uniswap-v3',
        address: addressOf(word(log.data, 1)),
        factory: log.address.toLowerCase() as Address,
        token0: addressOf(topicWord(log, 1)),
        token1: addressOf(topicWord(log, 2)),
        fee: Number(topicWord(log, 3)),
        tickSpacing: int24(word(log.data, 0)),
      };
    }
    return undefined;
  } catch (error) {
    throw describe(log, `factory event ${topic0}`, error);
  }
}
