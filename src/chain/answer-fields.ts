import type { Hex } from 'viem';
import { RetryableError } from '../errors.ts';

/**
 * The fields of a node's answer, checked as they are read. A load-balanced provider under load
 * answers now and then with `null` or a half-filled object; read with a bare `BigInt()` that was a
 * TypeError, which the chain monitor takes for a bug and stops on for good. A malformed answer is
 * the endpoint's fault, for now: a `MalformedAnswerError` is retryable, names the field and what
 * came, and the next look asks again.
 */
export class MalformedAnswerError extends RetryableError {}

const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const DATA = /^0x([0-9a-fA-F]{2})*$/;

const shown = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 80) ?? String(value));

function malformed(what: string, value: unknown, expected: string): never {
  throw new MalformedAnswerError(`malformed node answer: ${what} is ${shown(value)}, not ${expected}`, { details: { field: what } });
}

/** The answer itself as an object (a block, a log). */
export function answerObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(what, value, 'an object');
  return value as Record<string, unknown>;
}

/**
 * A list in the answer (a log's topics, a block's transaction hashes). `Array.isArray`, not
 * `typeof 'object'`: an object (`{}`) read as a list was a TypeError at `.map`, not a
 * MalformedAnswerError naming the field.
 */
export function answerList(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) malformed(what, value, 'a list');
  return value;
}

/** A hex quantity (`0x1a`) as a bigint. */
export function quantityField(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !QUANTITY.test(value)) malformed(what, value, 'a hex quantity');
  return BigInt(value);
}

/** A 32-byte hash. */
export function hashField(value: unknown, what: string): Hex {
  if (typeof value !== 'string' || !HASH.test(value)) malformed(what, value, 'a 32-byte hex hash');
  return value as Hex;
}

/** A 20-byte address. */
export function addressField(value: unknown, what: string): Hex {
  if (typeof value !== 'string' || !ADDRESS.test(value)) malformed(what, value, 'a 20-byte hex address');
  return value as Hex;
}

/** Hex data of whole bytes (`0x` for none). */
export function dataField(value: unknown, what: string): Hex {
  if (typeof value !== 'string' || !DATA.test(value)) malformed(what, value, 'hex data');
  return value as Hex;
}
