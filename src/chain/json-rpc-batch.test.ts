import { expect, it } from 'vitest';
import { matchBatch } from './json-rpc-batch.ts';
import { EndpointFault } from './rpc-errors.ts';

const URL = 'http://node.test';
const calls = [{ method: 'eth_call' }, { method: 'eth_call' }];

it('matches a batch answer to its calls by id, in the calls\' order', () => {
  const answers = matchBatch(URL, calls, 7, [{ id: 8, result: '0x2' }, { id: 7, result: '0x1' }]);
  expect(answers.map((a) => a.result)).toEqual(['0x1', '0x2']);
});

it('takes a one-call batch answered with that call\'s own reply (its id, not an array), an error included', () => {
  expect(matchBatch(URL, [{ method: 'eth_call' }], 5, { id: 5, error: { code: 3, message: 'execution reverted' } })).toEqual([{ id: 5, error: { code: 3, message: 'execution reverted' } }]);
});

// Before, the refusal was copied onto every call as its own error: nothing failed over, and the
// pool loader excluded the batch's pools one by one, each blamed for it.
it('makes a batch refused whole (one error object without an id) the endpoint\'s fault, naming the refusal', () => {
  const refusal = { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch size too large' } };
  expect(() => matchBatch(URL, calls, 1, refusal)).toThrow(EndpointFault);
  expect(() => matchBatch(URL, calls, 1, refusal)).toThrow('batch refused: batch size too large (code -32600)');
  expect(() => matchBatch(URL, [{ method: 'eth_call' }], 1, refusal)).toThrow(EndpointFault);
});

// A batch refused for its size is `batch-refused`: rpc-pool.ts halves it on the same endpoint.
// Before, geth's refusal (one error carrying the first call's id) read as "lacks the reply" and
// a per-call batch-limit error as that call's own error: neither was ever sent smaller.
it('reads geth\'s "batch too large" (one error with the first call\'s id), an id-less refusal and per-call batch-limit errors as the batch refused for its size', () => {
  const kindOf = (parsed: unknown, batch = calls): unknown => {
    try {
      matchBatch(URL, batch, 1, parsed);
    } catch (error) {
      return error instanceof EndpointFault ? [error.kind, error.message] : error;
    }
    return 'matched';
  };
  expect(kindOf([{ jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'batch too large' } }])).toEqual(['batch-refused', `${URL}: batch refused: batch too large (code -32600)`]);
  expect(kindOf({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } })).toEqual(['batch-refused', `${URL}: batch refused: invalid request (code -32600)`]);
  expect(kindOf([{ id: 1, result: '0x1' }, { id: 2, error: { code: -32005, message: 'Batch size limit exceeded' } }])).toEqual(['batch-refused', `${URL}: batch refused: Batch size limit exceeded (code -32005)`]);
  expect(kindOf([{ id: 1, result: '0x1' }, { id: 2, error: { code: -32003, message: 'response too large' } }])).toEqual(['batch-refused', `${URL}: batch refused: response too large (code -32003)`]);
  expect(kindOf([{ id: 1, error: { code: -32600, message: 'too many requests in batch' } }, { id: 2, error: { code: -32600, message: 'too many requests in batch' } }])).toEqual(['batch-refused', `${URL}: batch refused: too many requests in batch (code -32600)`]);
  // A call's own error is still its own, in a batch of one or more.
  expect(kindOf([{ id: 1, result: '0x1' }, { id: 2, error: { code: 3, message: 'execution reverted' } }])).toBe('matched');
  expect(kindOf([{ id: 1, error: { code: 3, message: 'execution reverted' } }], [{ method: 'eth_call' }])).toBe('matched');
});
