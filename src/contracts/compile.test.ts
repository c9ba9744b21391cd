import { describe, expect, it } from 'vitest';
import { compileContracts, loadArtifact, SolidityCompileError } from './compile.ts';

describe('offline Solidity build', () => {
  it('compiles the project contracts with bytecode and ABI', async () => {
    const artifacts = compileContracts();
    expect(artifacts.size).toBeGreaterThan(0);
    const token = await loadArtifact('TestERC20');
    expect(token.sourcePath).toBe('contracts/test/TestERC20.sol');
    expect(token.bytecode).toMatch(/^0x[0-9a-f]{200,}$/);
    expect(token.abi.some((item) => item.type === 'function' && item.name === 'mint')).toBe(true);
  });

  it('names the missing contract and what exists', async () => {
    await expect(loadArtifact('NoSuchContract')).rejects.toThrow(SolidityCompileError);
    await expect(loadArtifact('NoSuchContract')).rejects.toThrow(/no contract named NoSuchContract.*TestERC20/);
  });
});
