import type { Address, Hex } from 'viem';
import { addressField, answerList, answerObject, dataField, hashField, quantityField } from './answer-fields.ts';

/**
 * The chain monitor's vocabulary: block references, raw logs and the `ChainEvent` tagged union
 * the block stream emits (block | reorg | finalized), in the order they happened.
 */

/** A block by number and hash, with its parent hash: enough to check the chain links up. */
export interface BlockRef {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
}

/** The header fields downstream stages use. */
export interface BlockHeader extends BlockRef {
  timestamp: bigint;
  baseFeePerGas: bigint | null;
  gasLimit: bigint;
  /** Gas the block's transactions used: with gasLimit and baseFeePerGas it fixes the next base fee (EIP-1559). */
  gasUsed: bigint;
  /**
   * The hashes of the block's transactions, when the node's answer listed them (a block fetched
   * by hash or number; not a WebSocket header): the live executor learns from them that its
   * transaction was mined without asking for a receipt first.
   */
  transactionHashes?: readonly Hex[];
  /**
   * The header's extraData, when the answer carried it. On OP-stack chains since Holocene it
   * holds the EIP-1559 parameters of the next block's base fee (next-base-fee.ts).
   */
  extraData?: Hex;
  /** The header's blobGasUsed, when present (OP-stack since Jovian: the block's DA footprint may count there). */
  blobGasUsed?: bigint;
  /**
   * The header's 2048-bit logs bloom (lower case), when the answer carried a well-formed one: an
   * empty logs answer for a block whose bloom says a watched event may be there is refused
   * (block-fetch.ts). Absent (no check) when the node left it out or sent something else.
   */
  logsBloom?: Hex;
}

/** A log as the node returns it, with numbers parsed. */
export interface ChainLog {
  address: Address;
  topics: Hex[];
  data: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: number;
  logIndex: number;
  removed: boolean;
}

/** A new canonical block with the logs of tracked pools, in log order. */
export interface BlockEvent {
  type: 'block';
  block: BlockHeader;
  logs: ChainLog[];
}

/** Blocks above `commonAncestor` left the canonical chain; `dropped` is newest first. */
export interface ReorgEvent {
  type: 'reorg';
  commonAncestor: BlockRef;
  dropped: BlockRef[];
}

/** `block` and everything below it can no longer be reorganised (by our finality depth). */
export interface FinalizedEvent {
  type: 'finalized';
  block: BlockRef;
}

/** What the block stream emits. */
export type ChainEvent = BlockEvent | ReorgEvent | FinalizedEvent;

interface RpcBlock {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  timestamp: Hex;
  baseFeePerGas?: Hex | null;
  gasLimit: Hex;
  gasUsed: Hex;
  logsBloom?: Hex;
  transactions?: unknown[];
  extraData?: Hex;
  blobGasUsed?: Hex | null;
}

interface RpcLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: Hex;
  logIndex: Hex;
  removed?: boolean;
}

/** Parses an `eth_getBlockBy*` result (hex quantities) into a header; a MalformedAnswerError (retryable) names a bad field. */
export function parseBlockHeader(raw: unknown): BlockHeader {
  const b = answerObject(raw, 'the block') as Partial<Record<keyof RpcBlock, unknown>>;
  const header: BlockHeader = {
    number: quantityField(b.number, 'block.number'),
    hash: hashField(b.hash, 'block.hash'),
    parentHash: hashField(b.parentHash, 'block.parentHash'),
    timestamp: quantityField(b.timestamp, 'block.timestamp'),
    baseFeePerGas: b.baseFeePerGas === undefined || b.baseFeePerGas === null ? null : quantityField(b.baseFeePerGas, 'block.baseFeePerGas'),
    gasLimit: quantityField(b.gasLimit, 'block.gasLimit'),
    gasUsed: quantityField(b.gasUsed, 'block.gasUsed'),
  };
  if (typeof b.logsBloom === 'string' && /^0x[0-9a-fA-F]{512}$/.test(b.logsBloom)) header.logsBloom = b.logsBloom.toLowerCase() as Hex;
  if (b.extraData !== undefined) header.extraData = dataField(b.extraData, 'block.extraData');
  if (b.blobGasUsed !== undefined && b.blobGasUsed !== null) header.blobGasUsed = quantityField(b.blobGasUsed, 'block.blobGasUsed');
  // Hashes only (a block asked for without full transactions); full objects are not kept. A
  // header without the field (a newHeads announcement) has none; one with it must hold a list.
  if (b.transactions !== undefined) {
    const transactions = answerList(b.transactions, 'block.transactions');
    if (transactions.every((t) => typeof t === 'string')) header.transactionHashes = transactions.map((t, i) => hashField(t, `block.transactions[${i}]`).toLowerCase() as Hex);
  }
  return header;
}

/** Parses an `eth_getLogs` entry; a MalformedAnswerError (retryable) names a bad field. */
export function parseLog(raw: unknown): ChainLog {
  const l = answerObject(raw, 'a log') as Partial<Record<keyof RpcLog, unknown>>;
  return {
    address: addressField(l.address, 'log.address').toLowerCase() as Address,
    topics: answerList(l.topics, 'log.topics').map((topic, i) => hashField(topic, `log.topics[${i}]`)),
    data: dataField(l.data, 'log.data'),
    blockNumber: quantityField(l.blockNumber, 'log.blockNumber'),
    blockHash: hashField(l.blockHash, 'log.blockHash'),
    transactionHash: hashField(l.transactionHash, 'log.transactionHash'),
    transactionIndex: Number(quantityField(l.transactionIndex, 'log.transactionIndex')),
    logIndex: Number(quantityField(l.logIndex, 'log.logIndex')),
    removed: l.removed === true,
  };
}

/** Just the reference part of a header. */
export function refOf(block: BlockRef): BlockRef {
  return { number: block.number, hash: block.hash, parentHash: block.parentHash };
}

/** Hex quantity for JSON-RPC params. */
export function toQuantity(n: bigint | number): Hex {
  return `0x${n.toString(16)}`;
}
