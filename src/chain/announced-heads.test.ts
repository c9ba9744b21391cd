import type { Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import { AnnouncedHeads, MAX_ANNOUNCED } from './announced-heads.ts';
import { headHintOf } from './heads.ts';
import type { BlockHeader, BlockRef } from './types.ts';

const hash = (tag: string): Hex => `0x${tag.padStart(64, '0')}`;
const header = (number: bigint, tag: string, parentTag: string): BlockHeader => ({
  number,
  hash: hash(tag),
  parentHash: hash(parentTag),
  timestamp: 1n,
  baseFeePerGas: 7n,
  gasLimit: 30_000_000n,
  gasUsed: 0n,
});
const tip: BlockRef = { number: 10n, hash: hash('a10'), parentHash: hash('a9') };

describe('announced heads', () => {
  it('gives the announced headers that link up from the tip, stopping at a gap, a foreign parent or the cap', () => {
    const heads = new AnnouncedHeads();
    heads.add(header(11n, 'a11', 'a10'));
    heads.add(header(12n, 'a12', 'a11'));
    heads.add(header(14n, 'a14', 'a13')); // a gap at 13
    expect(heads.chainFrom(tip, 10).map((h) => h.number)).toEqual([11n, 12n]);
    expect(heads.chainFrom(tip, 1).map((h) => h.number)).toEqual([11n]);
    // A newer announcement at a height replaces the older one: 12 on another branch breaks the link.
    heads.add(header(12n, 'b12', 'b11'));
    expect(heads.chainFrom(tip, 10).map((h) => h.number)).toEqual([11n]);
    heads.forget(11n);
    expect(heads.chainFrom(tip, 10)).toEqual([]);
    // Nothing links to a tip on another branch.
    heads.add(header(11n, 'a11', 'a10'));
    expect(heads.chainFrom({ ...tip, hash: hash('c10') }, 10)).toEqual([]);
  });

  it('forgets what the chain passed and keeps at most MAX_ANNOUNCED, dropping the oldest announced', () => {
    const heads = new AnnouncedHeads();
    heads.add(header(11n, 'a11', 'a10'));
    heads.add(header(12n, 'a12', 'a11'));
    heads.dropThrough(11n);
    expect(heads.chainFrom(tip, 10)).toEqual([]);
    expect(heads.chainFrom({ number: 11n, hash: hash('a11'), parentHash: hash('a10') }, 10).map((h) => h.number)).toEqual([12n]);
    // A socket naming heads far ahead: the first announced (11 onwards) go first.
    for (let n = 11n; n < 11n + BigInt(MAX_ANNOUNCED) + 1n; n += 1n) heads.add(header(n, `a${n}`, `a${n - 1n}`));
    expect(heads.chainFrom(tip, 1_000)).toEqual([]);
    expect(heads.chainFrom({ number: 11n, hash: hash('a11'), parentHash: hash('a10') }, 1_000)).toHaveLength(MAX_ANNOUNCED);
  });
});

describe('newHeads message → hint', () => {
  const message = { number: '0xb', hash: hash('a11'), parentHash: hash('a10'), timestamp: '0x1', baseFeePerGas: '0x7', gasLimit: '0x1c9c380', gasUsed: '0x0', miner: '0x0' };

  it('parses a full header with the block parser', () => {
    expect(headHintOf(message)).toEqual({ number: 11n, header: header(11n, 'a11', 'a10') });
  });

  it('keeps only the height of a header it cannot trust, and gives no hint without a height', () => {
    expect(headHintOf({ ...message, hash: '0x1234' })).toEqual({ number: 11n, header: null });
    expect(headHintOf({ ...message, parentHash: undefined })).toEqual({ number: 11n, header: null });
    expect(headHintOf({ ...message, gasUsed: 'lots' })).toEqual({ number: 11n, header: null });
    expect(headHintOf({ ...message, number: 'eleven' })).toBeNull();
    expect(headHintOf(undefined)).toBeNull();
  });
});
