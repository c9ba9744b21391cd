import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { InputError } from '../errors.ts';
import { decodePoolEvent, type PoolEvent } from '../market/pool-events.ts';
import { mainnetPool, type RecordedPool } from './mainnet-pools.ts';

/** V2 reserves after a block. */
export interface ReserveRow {
  block: number;
  reserve0: bigint;
  reserve1: bigint;
}

/** One decoded V3 log with where it sat on chain. */
export interface RecordedLog {
  block: number;
  txHash: Hex;
  txIndex: number;
  logIndex: number;
  event: PoolEvent;
}

/** Every recorded pool of a folder and its updates, each list in chain order. */
export interface RecordedEvents {
  pools: RecordedPool[];
  /** V2 reserves per block, by pool address. */
  reserves: Map<string, ReserveRow[]>;
  /** V3 Swap/Mint/Burn logs, by pool address. */
  logs: Map<string, RecordedLog[]>;
  /** Files that were not read (decoded copies, anything else), for a warning. */
  skipped: string[];
}

const V2_FILE = /^uniswap-v2-([a-z0-9]+)-([a-z0-9]+)-(0x[0-9a-f]+)-reserves-per-block\.csv$/;
const V3_FILE = /^uniswap-v3-([a-z0-9]+)-([a-z0-9]+)-(\d+)-(0x[0-9a-f]+)-logs\.csv$/;
const RESERVE_ROW = /^(\d+),"?(\d+)"?,"?(\d+)"?$/;
// block_number,block_timestamp,transaction_hash,transaction_index,log_index,"[topics]",data
const LOG_ROW = /^(\d+),[^,]*,(0x[0-9a-f]{64}),(\d+),(\d+),"\[([^\]]*)\]",(0x[0-9a-f]*)$/;
const TOPIC = /'(0x[0-9a-f]{64})'/g;

function rows(text: string): { line: number; row: string }[] {
  return text.split(/\r?\n/).map((row, i) => ({ line: i + 1, row: row.trim() })).slice(1).filter((r) => r.row !== '');
}

/** Parses a reserves-per-block CSV (`blockNumber,reserve0,reserve1`); a bad row is an error naming its line. */
export function parseReserves(text: string, file: string): ReserveRow[] {
  let last = -1;
  return rows(text).map(({ line, row }) => {
    const m = RESERVE_ROW.exec(row);
    if (m === null) throw new InputError(`${file} line ${line}: expected blockNumber,reserve0,reserve1, got "${row.slice(0, 80)}"`);
    const block = Number(m[1]);
    if (block <= last) throw new InputError(`${file} line ${line}: block ${block} is not after ${last}`);
    last = block;
    return { block, reserve0: BigInt(m[2]!), reserve1: BigInt(m[3]!) };
  });
}

/** Parses a V3 logs CSV (raw topics and data) and decodes each log; a bad row is an error naming its line. */
export function parseLogs(text: string, file: string): RecordedLog[] {
  const out: RecordedLog[] = [];
  let last = [-1, -1];
  for (const { line, row } of rows(text)) {
    const m = LOG_ROW.exec(row);
    if (m === null) throw new InputError(`${file} line ${line}: expected block_number,block_timestamp,transaction_hash,transaction_index,log_index,topics,data`);
    const block = Number(m[1]);
    const logIndex = Number(m[4]);
    if (block < last[0]! || (block === last[0] && logIndex <= last[1]!)) throw new InputError(`${file} line ${line}: log ${block}/${logIndex} is out of chain order`);
    last = [block, logIndex];
    const topics = [...m[5]!.matchAll(TOPIC)].map((t) => t[1] as Hex);
    let event: PoolEvent | undefined;
    try {
      event = decodePoolEvent({ address: file, topics, data: m[6] as Hex, logIndex });
    } catch (error) {
      throw new InputError(`${file} line ${line}: ${(error as Error).message}`);
    }
    // Collect and other events do not move price or liquidity.
    if (event === undefined || event.kind === 'sync') continue;
    out.push({ block, txHash: m[2] as Hex, txIndex: Number(m[3]), logIndex, event });
  }
  return out;
}

/**
 * Reads a folder of recorded updates named as in `../shared/data/replay/`:
 * `uniswap-v2-SYM0-SYM1-0xPREFIX-reserves-per-block.csv` and `uniswap-v3-SYM0-SYM1-FEE-0xPREFIX-logs.csv`
 * (the `-decoded.csv` copies are not needed: the raw logs are decoded here).
 */
export async function readEventsDir(dir: string): Promise<RecordedEvents> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new InputError(`cannot read --events ${dir}: ${(error as Error).message}`);
  }
  const events: RecordedEvents = { pools: [], reserves: new Map(), logs: new Map(), skipped: [] };
  for (const name of names) {
    const v2 = V2_FILE.exec(name);
    const v3 = V3_FILE.exec(name);
    if (v2 === null && v3 === null) {
      events.skipped.push(name);
      continue;
    }
    const path = join(dir, name);
    const pool = v2 !== null
      ? mainnetPool(name, 'uniswap-v2', v2[1]!, v2[2]!, undefined, v2[3]!)
      : mainnetPool(name, 'uniswap-v3', v3![1]!, v3![2]!, Number(v3![3]), v3![4]!);
    if (events.pools.some((p) => p.address === pool.address)) throw new InputError(`${name}: pool ${pool.address} is recorded twice in ${dir}`);
    events.pools.push(pool);
    const text = await readFile(path, 'utf8');
    if (v2 !== null) events.reserves.set(pool.address, parseReserves(text, path));
    else events.logs.set(pool.address, parseLogs(text, path));
  }
  if (events.pools.length === 0) throw new InputError(`--events ${dir} holds no recorded pool file (uniswap-v2-…-reserves-per-block.csv or uniswap-v3-…-logs.csv)`);
  return events;
}
