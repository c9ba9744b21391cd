import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compileContracts, loadArtifact, runSolc, SolidityCompileError } from './compile.ts';

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

describe('runSolc: solcjs in a child process', () => {
  const input = (content: string) =>
    JSON.stringify({
      language: 'Solidity',
      sources: { 'Answer.sol': { content } },
      settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
    });

  it('answers what solcjs answers in this process, byte for byte', () => {
    const source = input('// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\nimport "@openzeppelin/contracts/utils/math/Math.sol";\ncontract Answer { function get(uint a, uint b) external pure returns (uint) { return Math.max(a, b) + 42; } }');
    const solc = createRequire(import.meta.url)('solc') as { compile(input: string, callbacks: object): string };
    const inProcess = JSON.parse(
      solc.compile(source, {
        import: (path: string) => ({ contents: readFileSync(createRequire(import.meta.url).resolve(path), 'utf8') }),
      }),
    ) as unknown;
    const fromChild = runSolc(source);
    expect(fromChild.contracts?.['Answer.sol']?.['Answer']?.evm.bytecode.object).toMatch(/^[0-9a-f]{100,}$/);
    expect(fromChild).toEqual(inProcess);
  });

  it('passes solc\'s errors through for a source that does not compile', () => {
    const output = runSolc(input('pragma solidity 0.8.28;\ncontract Broken { function f() external { undefinedName(); } }'));
    expect(output.errors?.some((e) => e.severity === 'error' && /undefinedName/.test(e.formattedMessage))).toBe(true);
  });
});
