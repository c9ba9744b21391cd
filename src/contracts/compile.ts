import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Abi, Hex } from 'viem';
import { OrionError } from '../errors.ts';

/**
 * Offline Solidity build: every `contracts/**\/*.sol` compiled in one solc standard-JSON run by
 * the `solc` npm package (never a downloaded compiler), imports resolved from node_modules,
 * the output cached by a hash of the sources and settings so a build is paid once.
 */

const require = createRequire(import.meta.url);
/** Project root (this file is src/contracts/compile.ts). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Folder of the Solidity sources. */
export const CONTRACTS_DIR = join(PROJECT_ROOT, 'contracts');
const CACHE_DIR = join(PROJECT_ROOT, '.cache', 'solc');

/** Compiler settings; part of the cache key, so changing them rebuilds. */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 10_000 },
  evmVersion: 'cancun',
} as const;
const OUTPUTS = ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'];

/** A compiled contract, ready for viem's deployContract. */
export interface ContractArtifact {
  contractName: string;
  sourcePath: string;
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
}

/** Solidity did not compile; the message carries the compiler's errors. */
export class SolidityCompileError extends OrionError {}

export interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

function listSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(path));
    else if (entry.name.endsWith('.sol')) found.push(path);
  }
  return found.sort();
}

// solcjs runs in a child process: its WebAssembly memory (hundreds of MB for this build) would
// otherwise stay in the caller's resident set for good (docs/BENCHMARKS.md, `npm start` memory).
const SOLC_CHILD = fileURLToPath(new URL('./solc-child.mjs', import.meta.url));

/** solc's standard-JSON output for `input`, from a child process (synchronous, as the build's callers are). */
export function runSolc(input: string): SolcOutput {
  let stdout: string;
  try {
    // No execArgv: the child is plain JavaScript and needs no loader.
    stdout = execFileSync(process.execPath, [SOLC_CHILD, PROJECT_ROOT], { input, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new SolidityCompileError(`the Solidity compiler process failed: ${stderr || (error as Error).message}`, { cause: error });
  }
  return JSON.parse(stdout) as SolcOutput;
}

let memo: Map<string, ContractArtifact> | undefined;

/** Compiles (or loads from cache) every contract under contracts/, keyed by contract name. */
export function compileContracts(): Map<string, ContractArtifact> {
  if (memo) return memo;
  const sources: Record<string, { content: string }> = {};
  for (const file of listSources(CONTRACTS_DIR)) {
    sources[relative(PROJECT_ROOT, file).split(sep).join('/')] = { content: readFileSync(file, 'utf8') };
  }
  // Output only our own sources: imported libraries are compiled but not emitted.
  const outputSelection = Object.fromEntries(Object.keys(sources).map((path) => [path, { '*': OUTPUTS }]));
  const input = JSON.stringify({ language: 'Solidity', sources, settings: { ...SOLC_SETTINGS, outputSelection } });
  // The package version names the compiler exactly; solcjs itself is only started on a cache miss.
  const solcVersion = (require('solc/package.json') as { version: string }).version;
  const key = createHash('sha256').update(solcVersion).update(input).digest('hex').slice(0, 32);
  const cachePath = join(CACHE_DIR, `${key}.json`);

  let output: SolcOutput;
  if (existsSync(cachePath)) {
    output = JSON.parse(readFileSync(cachePath, 'utf8')) as SolcOutput;
  } else {
    output = runSolc(input);
    const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
    if (errors.length > 0) {
      throw new SolidityCompileError(`Solidity compilation failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
    }
    // Several test workers may compile at once: write aside, then rename atomically.
    mkdirSync(CACHE_DIR, { recursive: true });
    const temporary = `${cachePath}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(output));
    renameSync(temporary, cachePath);
  }

  const artifacts = new Map<string, ContractArtifact>();
  for (const [sourcePath, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [contractName, compiled] of Object.entries(contracts)) {
      if (artifacts.has(contractName)) {
        throw new SolidityCompileError(`two contracts are named ${contractName}: ${artifacts.get(contractName)?.sourcePath} and ${sourcePath}`);
      }
      artifacts.set(contractName, {
        contractName,
        sourcePath,
        abi: compiled.abi,
        bytecode: `0x${compiled.evm.bytecode.object}`,
        deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
      });
    }
  }
  memo = artifacts;
  return artifacts;
}

/** The artifact of one contract by name (e.g. 'FlashArbExecutor', 'TestERC20'). */
export async function loadArtifact(name: string): Promise<ContractArtifact> {
  const artifact = compileContracts().get(name);
  if (!artifact) {
    throw new SolidityCompileError(`no contract named ${name} under contracts/ (have: ${[...compileContracts().keys()].join(', ')})`);
  }
  return artifact;
}
