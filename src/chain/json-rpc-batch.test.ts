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
