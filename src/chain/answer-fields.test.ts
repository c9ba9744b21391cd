import { describe, expect, it } from 'vitest';
import { MalformedAnswerError, answerList } from './answer-fields.ts';
import { parseBlockHeader, parseLog } from './types.ts';

const block = { number: '0x10', hash: `0x${'ab'.repeat(32)}`, parentHash: `0x${'cd'.repeat(32)}`, timestamp: '0x5', gasLimit: '0x1c9c380', gasUsed: '0x0', baseFeePerGas: '0x7' };
const log = { address: `0x${'11'.repeat(20)}`, topics: [`0x${'22'.repeat(32)}`], data: '0x', blockNumber: '0x10', blockHash: block.hash, transactionHash: `0x${'33'.repeat(32)}`, transactionIndex: '0x0', logIndex: '0x1' };

// Every shape a list field can come in malformed, with how the error must show it.
const notLists: [unknown, string][] = [
  [{}, '{}'],
  [{ 0: log.topics[0], length: 1 }, `{"0":"${log.topics[0]}","length":1}`.slice(0, 80)],
  [null, 'null'],
  [undefined, 'nothing'],
  [log.topics[0], JSON.stringify(log.topics[0])],
  [7, '7'],
  [true, 'true'],
];

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('answerList', () => {
  it('hands back a list as it came', () => {
    const list = ['a', 1];
    expect(answerList(list, 'x')).toBe(list);
    expect(answerList([], 'x')).toEqual([]);
  });

  it.each(notLists)('refuses %j as a list, naming the field (a MalformedAnswerError, not a TypeError)', (value, shownAs) => {
    const error = thrown(() => answerList(value, 'log.topics'));
    expect(error).toBeInstanceOf(MalformedAnswerError);
    expect((error as Error).message).toBe(`malformed node answer: log.topics is ${shownAs}, not a list`);
  });
});

describe('parseLog topics', () => {
  it.each(notLists)('refuses topics %j with a MalformedAnswerError naming log.topics', (topics, shownAs) => {
    const error = thrown(() => parseLog({ ...log, topics }));
    expect(error).toBeInstanceOf(MalformedAnswerError);
    expect((error as Error).message).toBe(`malformed node answer: log.topics is ${shownAs}, not a list`);
  });

  it('reads an empty list and a list of hashes', () => {
    expect(parseLog({ ...log, topics: [] }).topics).toEqual([]);
    expect(parseLog(log).topics).toEqual(log.topics);
  });
});

describe('parseBlockHeader transactions', () => {
  it('has no hashes when the header carries none (a newHeads announcement), the hashes when it carries a list', () => {
    expect(parseBlockHeader(block).transactionHashes).toBeUndefined();
    const hash = `0x${'EF'.repeat(32)}`;
    expect(parseBlockHeader({ ...block, transactions: [hash] }).transactionHashes).toEqual([hash.toLowerCase()]);
  });

  it.each(notLists.filter(([value]) => value !== undefined))('refuses transactions %j with a MalformedAnswerError naming block.transactions', (transactions, shownAs) => {
    const error = thrown(() => parseBlockHeader({ ...block, transactions }));
    expect(error).toBeInstanceOf(MalformedAnswerError);
    expect((error as Error).message).toBe(`malformed node answer: block.transactions is ${shownAs}, not a list`);
  });

  it('refuses a transaction hash that is not a 32-byte hash, naming its index', () => {
    expect(() => parseBlockHeader({ ...block, transactions: [`0x${'11'.repeat(32)}`, '0x12'] })).toThrow('block.transactions[1] is "0x12", not a 32-byte hex hash');
  });
});
