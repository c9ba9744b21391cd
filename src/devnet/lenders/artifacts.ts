import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Abi, Address, Hex } from 'viem';
import { RuntimeFault } from '../../errors.ts';

/**
 * The real Balancer V2 and Aave V3 contracts, read from the compiled Hardhat artifacts that ship
 * inside `@balancer-labs/v2-deployments` and `@aave/core-v3` (never recompiled), with library
 * placeholders linked to deployed addresses (Aave's Pool and PoolConfigurator need theirs).
 */

/** ABI, creation bytecode (possibly with unlinked placeholders) and link references. */
export interface LenderArtifact {
  abi: Abi;
  bytecode: Hex;
  /** source file -> library name -> byte offsets of its placeholders in the bytecode. */
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
}

const require = createRequire(import.meta.url);
const cache = new Map<string, LenderArtifact>();

/** Loads an artifact by module path, e.g. `@aave/core-v3/artifacts/contracts/.../Pool.json`. */
export function lenderArtifact(modulePath: string): LenderArtifact {
  const cached = cache.get(modulePath);
  if (cached) return cached;
  let json: { abi?: unknown; bytecode?: unknown; linkReferences?: unknown };
  try {
    json = JSON.parse(readFileSync(require.resolve(modulePath), 'utf8')) as typeof json;
  } catch (cause) {
    throw new RuntimeFault(`lender artifact not readable at ${modulePath}: ${(cause as Error).message}`, { cause });
  }
  if (!Array.isArray(json.abi) || typeof json.bytecode !== 'string' || !json.bytecode.startsWith('0x')) {
    throw new RuntimeFault(`lender artifact at ${modulePath} has no abi or bytecode`);
  }
  const artifact: LenderArtifact = {
    abi: json.abi as Abi,
    bytecode: json.bytecode as Hex,
    linkReferences: (json.linkReferences ?? {}) as LenderArtifact['linkReferences'],
  };
  cache.set(modulePath, artifact);
  return artifact;
}

/** `artifact`'s bytecode with every library placeholder replaced by its address in `libraries` (by library name). */
export function linkBytecode(artifact: LenderArtifact, libraries: Readonly<Record<string, Address>>): Hex {
  let code = artifact.bytecode.slice(2);
  for (const [file, byName] of Object.entries(artifact.linkReferences)) {
    for (const [name, offsets] of Object.entries(byName)) {
      const address = libraries[name];
      if (address === undefined) throw new RuntimeFault(`library ${name} (${file}) is not deployed yet, cannot link`);
      for (const { start, length } of offsets) {
        code = code.slice(0, start * 2) + address.slice(2).toLowerCase() + code.slice((start + length) * 2);
      }
    }
  }
  if (code.includes('__$')) throw new RuntimeFault('bytecode still has an unlinked library placeholder');
  return `0x${code}`;
}
