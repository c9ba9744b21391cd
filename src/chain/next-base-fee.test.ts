import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { InputError } from '../errors.ts';
import { legacyBlockFee, nextBaseFee, nextBlockFee } from './next-base-fee.ts';
import { parseBlockHeader, toQuantity, type BlockHeader } from './types.ts';

const GWEI = 1_000_000_000n;

function header(over: Partial<BlockHeader>): BlockHeader {
  return {
    number: 100n, hash: `0x${'11'.repeat(32)}`, parentHash: `0x${'22'.repeat(32)}`, timestamp: 0n,
    baseFeePerGas: GWEI, gasLimit: 20_000_000n, gasUsed: 10_000_000n, ...over,
  };
}

describe('nextBaseFee (EIP-1559, as go-ethereum CalcBaseFee)', () => {
  // go-ethereum consensus/misc/eip1559/eip1559_test.go TestCalcBaseFee: parent base fee 1 gwei, gas limit 20M.
  it.each([
    ['at the target', 10_000_000n, GWEI],
    ['below the target', 9_000_000n, 987_500_000n],
    ['above the target', 11_000_000n, 1_012_500_000n],
  ])('%s (go-ethereum test vector)', (_name, gasUsed, expected) => {
    expect(nextBaseFee({ ...header({ gasUsed }), baseFeePerGas: GWEI })).toBe(expected);
  });

  it('moves by exactly 1/8 for a full and an empty block', () => {
    expect(nextBaseFee({ ...header({ gasUsed: 20_000_000n }), baseFeePerGas: 8n * GWEI })).toBe(9n * GWEI);
    expect(nextBaseFee({ ...header({ gasUsed: 0n }), baseFeePerGas: 8n * GWEI })).toBe(7n * GWEI);
  });

  it('rises by at least 1 wei above the target, and floors each division', () => {
    // 7 × 10M / 10M / 8 = 0: the minimum increment of 1 wei applies.
    expect(nextBaseFee({ ...header({ gasUsed: 20_000_000n }), baseFeePerGas: 7n })).toBe(8n);
    // Below the target a zero delta leaves it unchanged: an empty chain stalls at 7 wei.
    expect(nextBaseFee({ ...header({ gasUsed: 0n }), baseFeePerGas: 7n })).toBe(7n);
    // Odd gas limit: target = floor(limit / 2) = 10_000_000; 1e9 × 1 / 10M / 8 = 12.5 → 12.
    expect(nextBaseFee({ ...header({ gasLimit: 20_000_001n, gasUsed: 10_000_001n }), baseFeePerGas: GWEI })).toBe(GWEI + 12n);
    expect(nextBaseFee({ ...header({ gasUsed: 0n }), baseFeePerGas: 0n })).toBe(0n);
  });

  it('refuses a header without a gas target', () => {
    expect(() => nextBaseFee({ ...header({ gasLimit: 1n, gasUsed: 0n }), baseFeePerGas: GWEI })).toThrow(InputError);
    expect(() => nextBaseFee({ ...header({ gasLimit: 1n, gasUsed: 0n }), baseFeePerGas: GWEI })).toThrow(/block 100 has gas limit 1/);
  });
});

describe('nextBlockFee: base fee + priority fee, capped', () => {
  it('adds the priority fee to the next base fee', () => {
    expect(nextBlockFee(header({ gasUsed: 11_000_000n }), { priorityFee: 2n * GWEI })).toEqual({
      block: 100n, source: 'base-fee', rule: 'ethereum', nextBaseFee: 1_012_500_000n, gasPrice: 3_012_500_000n, pricedOut: false,
    });
  });

  it('caps at maxFeePerGas, and says when even the base fee is above the cap', () => {
    expect(nextBlockFee(header({}), { priorityFee: GWEI, maxFeePerGas: 3n * GWEI / 2n })).toMatchObject({ gasPrice: 3n * GWEI / 2n, pricedOut: false });
    expect(nextBlockFee(header({}), { priorityFee: GWEI, maxFeePerGas: GWEI / 2n })).toMatchObject({ gasPrice: GWEI / 2n, pricedOut: true });
  });

  it('is null on a chain without a base fee, where the node is asked instead', () => {
    expect(nextBlockFee(header({ baseFeePerGas: null }), { priorityFee: GWEI })).toBeNull();
    expect(legacyBlockFee(7n, 30n * GWEI, { priorityFee: GWEI, maxFeePerGas: 20n * GWEI })).toEqual({
      block: 7n, source: 'eth_gasPrice', nextBaseFee: null, gasPrice: 20n * GWEI, pricedOut: false,
    });
  });
});

describe('nextBaseFee against a real anvil', () => {
  // Gas limit 84 000 = four plain transfers: target 42 000 = two of them.
  const TRANSFER_GAS = 21_000n;
  const GAS_LIMIT = 4n * TRANSFER_GAS;
  let anvil: Anvil;
  let from: string;
  let to: string;

  async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
    const response = await fetch(anvil.rpcUrl, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  }
  const latest = async (): Promise<BlockHeader> => parseBlockHeader(await rpc('eth_getBlockByNumber', ['latest', false]));

  /** Mines one block holding `transfers` plain transfers; returns its header. */
  async function mineBlockWith(transfers: number): Promise<BlockHeader> {
    for (let i = 0; i < transfers; i++) {
      await rpc('eth_sendTransaction', [{
        from, to, value: '0x1', gas: toQuantity(TRANSFER_GAS), maxFeePerGas: toQuantity(1000n * GWEI), maxPriorityFeePerGas: toQuantity(GWEI),
      }]);
    }
    await rpc('evm_mine');
    return latest();
  }

  beforeAll(async () => {
    anvil = await startAnvil();
    [from, to] = (await rpc('eth_accounts')) as [string, string];
    await rpc('evm_setAutomine', [false]);
    await rpc('evm_setBlockGasLimit', [toQuantity(GAS_LIMIT)]);
    // Past genesis (anvil keeps its initial base fee for block 1) and onto the new gas limit.
    await rpc('evm_mine');
    await rpc('evm_mine');
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it.each([
    ['a full block', 4, 'up by 1/8'],
    ['a block above the target', 3, 'up'],
    ['a block at the target (half full)', 2, 'unchanged'],
    ['a block below the target', 1, 'down'],
    ['an empty block', 0, 'down by 1/8'],
  ] as const)('predicts the base fee after %s', async (_name, transfers, move) => {
    const parent = await mineBlockWith(transfers);
    expect(parent.gasLimit).toBe(GAS_LIMIT);
    expect(parent.gasUsed).toBe(BigInt(transfers) * TRANSFER_GAS);
    const predicted = nextBaseFee({ ...parent, baseFeePerGas: parent.baseFeePerGas! });
    const child = await mineBlockWith(0);
    expect(child.number).toBe(parent.number + 1n);
    expect(child.baseFeePerGas).toBe(predicted);
    const base = parent.baseFeePerGas!;
    const expectedMove = { 'up by 1/8': base + base / 8n, up: undefined, unchanged: base, down: undefined, 'down by 1/8': base - base / 8n }[move];
    if (expectedMove !== undefined) expect(predicted).toBe(expectedMove);
    if (move === 'up') expect(predicted).toBeGreaterThan(base);
    if (move === 'down') expect(predicted).toBeLessThan(base);
  });

  it('predicts the 1 wei minimum rise after a full block at a tiny base fee', async () => {
    await rpc('anvil_setNextBlockBaseFeePerGas', [toQuantity(7n)]);
    const parent = await mineBlockWith(4);
    expect(parent.baseFeePerGas).toBe(7n);
    expect(parent.gasUsed).toBe(GAS_LIMIT);
    const child = await mineBlockWith(0);
    expect(nextBaseFee({ ...parent, baseFeePerGas: 7n })).toBe(8n);
    expect(child.baseFeePerGas).toBe(8n);
  });
});
