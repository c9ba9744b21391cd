import { describe, expect, it } from 'vitest';
import { createRng } from '../util/seeded-random.ts';
import { GasPerExecution } from './gas-per-execution.ts';

describe('GasPerExecution', () => {
  it('is the table figure until a plan needs more, then the largest of the window, checked against a slice of every limit noted', () => {
    const seed = Number(process.env['TEST_SEED'] ?? Date.now() % 1e9);
    const rng = createRng(seed);
    const table = 900_000n;
    const window = 16;
    const gas = new GasPerExecution(table, window);
    expect(gas.current()).toBe(table);
    const noted: bigint[] = [];
    for (let i = 0; i < 200; i++) {
      // Mostly under the table's figure, now and then a plan crossing many ticks.
      const limit = rng() < 0.1 ? table + BigInt(Math.floor(rng() * 2_000_000)) : BigInt(200_000 + Math.floor(rng() * 600_000));
      gas.note(limit);
      noted.push(limit);
      const recent = noted.slice(-window);
      const expected = recent.reduce((most, l) => (l > most ? l : most), table);
      expect(gas.current(), `seed ${seed}, after ${i + 1} plans`).toBe(expected);
    }
  });

  it('refuses a window that is not a positive integer', () => {
    expect(() => new GasPerExecution(1n, 0)).toThrow(/window must be a positive integer, got 0/);
  });
});
