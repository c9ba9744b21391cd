import { describe, expect, it } from 'vitest';
import { readAbiFiles, renderAbiFiles } from './generate-abis.ts';

describe('typed ABIs', () => {
  it('src/contracts/abis/ matches the contracts (run `npm run contracts` when this fails)', () => {
    const expected = renderAbiFiles();
    const actual = readAbiFiles();
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) expect(actual.get(name), name).toBe(content);
  });
});
