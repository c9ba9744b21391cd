import { describe, expect, it } from 'vitest';
import { baseFeeRuleFor, nextBaseFeeBy, nextBlockFee, opStackExtraDataParams } from './next-base-fee.ts';
import { parseBlockHeader, type BlockHeader } from './types.ts';

/**
 * The next base fee by the chain's own rule. Before, every chain was priced by Ethereum's
 * EIP-1559 parameters (denominator 8, elasticity 2): on Base or OP Mainnet (250 and 6 since
 * Canyon) a full block's next base fee came out +12.5 % instead of +2 %, an empty one's −12.5 %
 * instead of −0.4 %; on Arbitrum (ArbOS sets the fee; the header's gas limit is no target) a
 * near-empty "block" read as a 12.5 % drop every block. Expected values are worked by hand
 * from the formulas (shown beside each), not by the code under test.
 */

const GWEI = 1_000_000_000n;
const BASE = baseFeeRuleFor(8453);

function header(over: Partial<BlockHeader>): BlockHeader {
  return {
    number: 100n, hash: `0x${'11'.repeat(32)}`, parentHash: `0x${'22'.repeat(32)}`, timestamp: 0n,
    baseFeePerGas: GWEI, gasLimit: 30_000_000n, gasUsed: 5_000_000n, ...over,
  };
}
const parent = (over: Partial<BlockHeader>) => {
  const h = header(over);
  return { ...h, baseFeePerGas: h.baseFeePerGas as bigint };
};

// Holocene extraData: version 0, denominator 250 (0xfa), elasticity 6, big-endian u32s.
const HOLOCENE_250_6 = '0x00000000fa00000006';
// Jovian extraData: version 1, denominator 250, elasticity 6, minBaseFee 200000 wei (0x30d40) —
// Base mainnet's floor as set in base/contract-deployments PR 532.
const JOVIAN_250_6_MIN_200000 = '0x01000000fa000000060000000000030d40';

describe('the base fee rule by chain id', () => {
  it('knows Ethereum and its testnets, the devnet, OP Mainnet, Base and Arbitrum, and says when it assumes', () => {
    expect([1, 11155111, 17000, 31337].map((id) => baseFeeRuleFor(id).kind)).toEqual(['eip1559', 'eip1559', 'eip1559', 'eip1559']);
    expect([10, 8453, 11155420, 84532].map((id) => baseFeeRuleFor(id).kind)).toEqual(['op-stack', 'op-stack', 'op-stack', 'op-stack']);
    expect([42161, 42170, 421614].map((id) => baseFeeRuleFor(id).kind)).toEqual(['arbitrum', 'arbitrum', 'arbitrum']);
    expect(baseFeeRuleFor(8453).assumed).toBe(false);
    const unknown = baseFeeRuleFor(999_999);
    expect(unknown).toMatchObject({ kind: 'eip1559', assumed: true, params: { changeDenominator: 8n, elasticity: 2n } });
    expect(unknown.name).toBe('ethereum (assumed: chain 999999 is not in the base fee table, src/chain/next-base-fee.ts)');
  });
});

describe('OP-stack (Base, OP Mainnet)', () => {
  it('uses Canyon\'s 250 and 6 when the parent carries no parameters', () => {
    // target = 30M / 6 = 5M. Full: 1 gwei × (30M − 5M) / 5M / 250 = 20,000,000 wei up.
    expect(nextBaseFeeBy(parent({ gasUsed: 30_000_000n, extraData: '0x' }), BASE)).toBe(1_020_000_000n);
    // Empty: 1 gwei × 5M / 5M / 250 = 4,000,000 wei down.
    expect(nextBaseFeeBy(parent({ gasUsed: 0n }), BASE)).toBe(996_000_000n);
    expect(nextBaseFeeBy(parent({ gasUsed: 5_000_000n }), BASE)).toBe(GWEI);
    // Base Sepolia: elasticity 10, target 3M; full: 1 gwei × 27M / 3M / 250 = 36,000,000 up.
    expect(nextBaseFeeBy(parent({ gasUsed: 30_000_000n }), baseFeeRuleFor(84532))).toBe(1_036_000_000n);
  });

  it('reads the parameters the parent\'s extraData carries since Holocene', () => {
    expect(opStackExtraDataParams(HOLOCENE_250_6)).toEqual({ changeDenominator: 250n, elasticity: 6n, minBaseFee: null });
    expect(nextBaseFeeBy(parent({ gasUsed: 30_000_000n, extraData: HOLOCENE_250_6 }), BASE)).toBe(1_020_000_000n);
    // Denominator 100 (0x64), elasticity 4: target 7.5M; full: 1 gwei × 22.5M / 7.5M / 100 = 30,000,000 up.
    expect(nextBaseFeeBy(parent({ gasUsed: 30_000_000n, extraData: '0x000000006400000004' }), BASE)).toBe(1_030_000_000n);
    // Not the encoding (wrong version, length, a zero): the chain's defaults.
    for (const extraData of ['0x02000000fa00000006', '0x00000000fa000000', '0x000000000000000006', '0xd883010d0e846765746888676f312e32312e31856c696e7578'] as const) {
      expect(opStackExtraDataParams(extraData)).toBeNull();
      expect(nextBaseFeeBy(parent({ gasUsed: 30_000_000n, extraData }), BASE)).toBe(1_020_000_000n);
    }
  });

  it('clamps to Jovian\'s minimum base fee and counts a larger DA footprint as gas used', () => {
    expect(opStackExtraDataParams(JOVIAN_250_6_MIN_200000)).toEqual({ changeDenominator: 250n, elasticity: 6n, minBaseFee: 200_000n });
    // At the floor, an empty block: 200,000 − 200,000 × 5M / 5M / 250 = 199,200, clamped to 200,000.
    expect(nextBaseFeeBy(parent({ baseFeePerGas: 200_000n, gasUsed: 0n, extraData: JOVIAN_250_6_MIN_200000 }), BASE)).toBe(200_000n);
    // Above it: 1 gwei → 996,000,000 as without a floor.
    expect(nextBaseFeeBy(parent({ gasUsed: 0n, extraData: JOVIAN_250_6_MIN_200000 }), BASE)).toBe(996_000_000n);
    // DA footprint 30M (blobGasUsed) over 1M of gas: priced as a full block, +20,000,000.
    expect(nextBaseFeeBy(parent({ gasUsed: 1_000_000n, blobGasUsed: 30_000_000n, extraData: JOVIAN_250_6_MIN_200000 }), BASE)).toBe(1_020_000_000n);
  });

  it('prices the next block for the engine by the rule, naming it', () => {
    const fee = nextBlockFee(header({ gasUsed: 30_000_000n, extraData: HOLOCENE_250_6 }), { priorityFee: 1_000_000n }, BASE);
    expect(fee).toEqual({ block: 100n, source: 'base-fee', rule: 'op-stack (Base)', nextBaseFee: 1_020_000_000n, gasPrice: 1_021_000_000n, pricedOut: false });
  });

  it('reads extraData and blobGasUsed from the node\'s header', () => {
    const raw = { number: '0x10', hash: `0x${'ab'.repeat(32)}`, parentHash: `0x${'cd'.repeat(32)}`, timestamp: '0x5', gasLimit: '0x1c9c380', gasUsed: '0x0', baseFeePerGas: '0x7', extraData: JOVIAN_250_6_MIN_200000, blobGasUsed: '0x1c9c380' };
    expect(parseBlockHeader(raw)).toMatchObject({ extraData: JOVIAN_250_6_MIN_200000, blobGasUsed: 30_000_000n });
    expect(() => parseBlockHeader({ ...raw, extraData: '0x1' })).toThrow('block.extraData is "0x1", not hex data');
  });
});

describe('Arbitrum (ArbOS)', () => {
  it('takes the next base fee as the current one, whatever the header\'s gas says', () => {
    const arbitrum = baseFeeRuleFor(42161);
    // 0.01 gwei, ArbOS's floor on Arbitrum One; a header gas limit of 2^50 (no block target).
    for (const gasUsed of [0n, 21_000n, 1_125_899_906_842_624n]) {
      expect(nextBaseFeeBy(parent({ baseFeePerGas: 10_000_000n, gasLimit: 1_125_899_906_842_624n, gasUsed }), arbitrum)).toBe(10_000_000n);
    }
  });
});

describe('Ethereum and the devnet', () => {
  it('keep EIP-1559\'s 8 and 2', () => {
    // target = 15M; full: 1 gwei × 15M / 15M / 8 = 125,000,000 up.
    expect(nextBaseFeeBy(parent({ gasUsed: 30_000_000n }), baseFeeRuleFor(1))).toBe(1_125_000_000n);
    expect(nextBaseFeeBy(parent({ gasUsed: 30_000_000n, extraData: HOLOCENE_250_6 }), baseFeeRuleFor(31337))).toBe(1_125_000_000n);
  });
});

describe('ORION_BASE_FEE_RULE', () => {
  it('overrides the table, by name', () => {
    expect(baseFeeRuleFor(999_999, 'op-stack')).toMatchObject({ kind: 'op-stack', name: 'op-stack (ORION_BASE_FEE_RULE)', params: { changeDenominator: 250n, elasticity: 6n }, assumed: false });
    expect(baseFeeRuleFor(8453, 'ethereum')).toMatchObject({ kind: 'eip1559', name: 'ethereum (ORION_BASE_FEE_RULE)', assumed: false });
    expect(baseFeeRuleFor(1, 'arbitrum')).toMatchObject({ kind: 'arbitrum', assumed: false });
  });
});
