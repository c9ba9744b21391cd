import { describe, expect, it } from 'vitest';
import { createRng } from '../util/seeded-random.ts';
import { GasPerExecution } from './gas-per-execution.ts';

const BLOCK_GAS_LIMIT = 30_000_000n;

describe('GasPerExecution', () => {
  it('is the table figure until a plan needs more, then the largest of the window of blocks, checked against every plan noted', () => {
    const seed = Number(process.env['TEST_SEED'] ?? Date.now() % 1e9);
    const rng = createRng(seed);
    const table = 900_000n;
    const window = 16;
    const gas = new GasPerExecution(table, window);
    expect(gas.current(0n)).toBe(table);
    const noted: { block: bigint; limit: bigint }[] = [];
    let block = 100n;
    for (let i = 0; i < 300; i++) {
      // Blocks with several plans, blocks with none, now and then a plan crossing many ticks or above the block's gas limit.
      block += BigInt(Math.floor(rng() * 3));
      const roll = rng();
      const limit = roll < 0.05 ? BLOCK_GAS_LIMIT * 2n : roll < 0.15 ? table + BigInt(Math.floor(rng() * 5_000_000)) : BigInt(200_000 + Math.floor(rng() * 600_000));
      gas.note(block, limit, BLOCK_GAS_LIMIT);
      noted.push({ block, limit: limit < BLOCK_GAS_LIMIT ? limit : BLOCK_GAS_LIMIT });
      for (const head of [block, block + 5n, block + BigInt(window)]) {
        const expected = noted.filter((n) => n.block > head - BigInt(window) && n.block <= head).reduce((most, n) => (n.limit > most ? n.limit : most), table);
        expect(gas.current(head), `seed ${seed}, plan ${i + 1}, head ${head}`).toBe(expected);
      }
    }
  });

  it('lets an outlier age out with the blocks even when no plan follows it (planning stopped)', () => {
    const gas = new GasPerExecution(1_000_000n, 8);
    gas.note(50n, 8_500_000n, BLOCK_GAS_LIMIT);
    expect(gas.current(57n)).toBe(8_500_000n);
    expect(gas.current(58n)).toBe(1_000_000n);
  });

  it('refuses a window that is not a positive integer', () => {
    expect(() => new GasPerExecution(1n, 0)).toThrow(/windowBlocks must be a positive integer, got 0/);
  });
});
