import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { keccak256, type Abi, type Hex } from 'viem';
import { RuntimeFault } from '../errors.ts';

/**
 * The real Uniswap contracts, read from the compiled artifacts inside the `@uniswap/*` npm
 * packages (never recompiled, never copied into the repository). V2 packages ship
 * `build/<Name>.json` with bytecode lacking the `0x`; V3 ships Hardhat artifacts.
 */

/** Where each contract's artifact sits, as a module path resolvable from node_modules. */
export const UNISWAP_ARTIFACT_PATHS = {
  WETH9: '@uniswap/v2-periphery/build/WETH9.json',
  UniswapV2Factory: '@uniswap/v2-core/build/UniswapV2Factory.json',
  UniswapV2Pair: '@uniswap/v2-core/build/UniswapV2Pair.json',
  UniswapV2Router02: '@uniswap/v2-periphery/build/UniswapV2Router02.json',
  UniswapV3Factory: '@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json',
  UniswapV3Pool: '@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json',
  NonfungiblePositionManager:
    '@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json',
  SwapRouter: '@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json',
  QuoterV2: '@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json',
} as const;

/** Name of a Uniswap contract whose artifact we load. */
export type UniswapContractName = keyof typeof UNISWAP_ARTIFACT_PATHS;

/** ABI and creation bytecode of a contract. */
export interface Artifact {
  abi: Abi;
  bytecode: Hex;
}

const require = createRequire(import.meta.url);
const cache = new Map<UniswapContractName, Artifact>();

/** Loads (once) the ABI and creation bytecode of a Uniswap contract from its npm package. */
export function uniswapArtifact(name: UniswapContractName): Artifact {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const modulePath = UNISWAP_ARTIFACT_PATHS[name];
  let json: { abi?: unknown; bytecode?: unknown };
  try {
    json = JSON.parse(readFileSync(require.resolve(modulePath), 'utf8')) as typeof json;
  } catch (cause) {
    throw new RuntimeFault(`Uniswap artifact ${name} not readable at ${modulePath}: ${(cause as Error).message}`, { cause });
  }
  if (!Array.isArray(json.abi) || typeof json.bytecode !== 'string' || !/^(0x)?[0-9a-fA-F]+$/.test(json.bytecode)) {
    throw new RuntimeFault(`Uniswap artifact ${name} at ${modulePath} has no abi or bytecode`);
  }
  const bytecode = (json.bytecode.startsWith('0x') ? json.bytecode : `0x${json.bytecode}`) as Hex;
  const artifact: Artifact = { abi: json.abi as Abi, bytecode };
  cache.set(name, artifact);
  return artifact;
}

/** keccak256 of the V2 pair creation code: the init code hash of CREATE2 pair addresses. */
export function v2PairInitCodeHash(): Hex {
  return keccak256(uniswapArtifact('UniswapV2Pair').bytecode);
}

/** keccak256 of the V3 pool creation code: the init code hash of CREATE2 pool addresses. */
export function v3PoolInitCodeHash(): Hex {
  return keccak256(uniswapArtifact('UniswapV3Pool').bytecode);
}
