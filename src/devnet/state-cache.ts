import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadArtifact } from '../contracts/compile.ts';
import { parseSnapshot, snapshotToJson, type HexAddress, type Snapshot } from '../market/snapshot.ts';
import type { DevnetClients } from './clients.ts';
import type { UniswapDeployment } from './deploy-uniswap.ts';
import type { SeededMarket } from './seed.ts';
import { runNodeChild } from '../util/node-child.ts';
import { anvilRequest } from './transactions.ts';
import { UNISWAP_ARTIFACT_PATHS, uniswapArtifact, type UniswapContractName } from './uniswap-artifacts.ts';

/**
 * The seeded chain cached on disk with anvil's state dump, keyed by the snapshot and by
 * everything that shapes the seeded state (our contracts' bytecode, the Uniswap bytecode, the
 * seeding code), so a second start loads the state in seconds instead of seeding again.
 */

const require = createRequire(import.meta.url);

/** Bump when the seeding changes in a way the hashed sources below do not show. */
const STATE_FORMAT_VERSION = 1;
// The TypeScript that decides what goes on chain: a change to any of them invalidates the cache.
const SEEDING_SOURCES = ['seed.ts', 'deploy-uniswap.ts', 'test-token.ts', 'tick-positions.ts', 'anvil.ts'];

/** A cache entry: the anvil state file and what the seeding returned. */
export interface CachedDevnet {
  statePath: string;
  deployment: UniswapDeployment;
  seeded: SeededMarket;
}

interface Metadata {
  deployment: UniswapDeployment;
  seeded: {
    localSnapshot: unknown;
    poolAddress: [HexAddress, HexAddress][];
    tokenAddress: [HexAddress, HexAddress][];
    seeder: HexAddress;
    lens: HexAddress;
  };
}

/** The cache key of a snapshot seeded by this version of the code. */
export async function devnetCacheKey(snapshot: Snapshot): Promise<string> {
  const hash = createHash('sha256').update(`orion-devnet-state/${STATE_FORMAT_VERSION}\n`);
  hash.update(JSON.stringify(snapshotToJson(snapshot)));
  for (const name of ['TestERC20', 'DevnetPoolSeeder', 'DevnetPoolLens']) hash.update((await loadArtifact(name)).bytecode);
  for (const name of Object.keys(UNISWAP_ARTIFACT_PATHS) as UniswapContractName[]) hash.update(uniswapArtifact(name).bytecode);
  hash.update((require('@foundry-rs/anvil-linux-amd64/package.json') as { version: string }).version);
  const here = dirname(fileURLToPath(import.meta.url));
  for (const file of SEEDING_SOURCES) hash.update(readFileSync(join(here, file)));
  return hash.digest('hex').slice(0, 32);
}

function paths(cacheDir: string, key: string): { statePath: string; metaPath: string } {
  return { statePath: join(cacheDir, `${key}.state.json`), metaPath: join(cacheDir, `${key}.meta.json`) };
}

/** Removes the entry for `key` (a damaged or stale one is rebuilt by the next start). */
export function removeDevnetCache(cacheDir: string, key: string): void {
  const { statePath, metaPath } = paths(cacheDir, key);
  rmSync(metaPath, { force: true });
  rmSync(statePath, { force: true });
}

/** The cached entry for `key`, or `undefined` when absent or unreadable (then it is rebuilt). */
export function readDevnetCache(cacheDir: string, key: string): CachedDevnet | undefined {
  const { statePath, metaPath } = paths(cacheDir, key);
  if (!existsSync(statePath) || !existsSync(metaPath)) return undefined;
  try {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Metadata;
    const { snapshot } = parseSnapshot(meta.seeded.localSnapshot, metaPath);
    return {
      statePath,
      deployment: meta.deployment,
      seeded: {
        localSnapshot: snapshot,
        poolAddress: new Map(meta.seeded.poolAddress),
        tokenAddress: new Map(meta.seeded.tokenAddress),
        seeder: meta.seeded.seeder,
        lens: meta.seeded.lens,
      },
    };
  } catch {
    return undefined;
  }
}

/**
 * Recent blocks kept in the cache, so a client looking a few blocks back (parent hashes) still
 * finds them. They are empty blocks mined on top of the seeding (see {@link writeDevnetCache}).
 */
export const CACHED_HISTORY_BLOCKS = 8;

// The dump is compacted (history dropped) in a child process: parsing it here would leave ~150 MB
// of garbage in the platform's heap (compact-state-child.mjs says what is kept).
const COMPACT_STATE_CHILD = fileURLToPath(new URL('./compact-state-child.mjs', import.meta.url));

/** Dumps the running chain's state and the seeding result under `key` (atomically). */
export async function writeDevnetCache(
  clients: DevnetClients,
  cacheDir: string,
  key: string,
  deployment: UniswapDeployment,
  seeded: SeededMarket,
): Promise<void> {
  const { statePath, metaPath } = paths(cacheDir, key);
  // Empty blocks on top of the seeding: the history kept by compactState then holds none of the
  // seeding transactions, whose receipts alone are megabytes.
  await anvilRequest(clients, 'anvil_mine', [`0x${CACHED_HISTORY_BLOCKS.toString(16)}`]);
  // anvil_dumpState answers gzip as hex; --load-state reads the JSON itself.
  const dump = (await anvilRequest(clients, 'anvil_dumpState')) as string;
  const meta: Metadata = {
    deployment,
    seeded: {
      localSnapshot: snapshotToJson(seeded.localSnapshot),
      poolAddress: [...seeded.poolAddress],
      tokenAddress: [...seeded.tokenAddress],
      seeder: seeded.seeder,
      lens: seeded.lens,
    },
  };
  mkdirSync(cacheDir, { recursive: true });
  // Written aside then renamed: a concurrent starter sees a whole entry or none. State first,
  // since an entry counts as present once its metadata exists.
  const suffix = `.${process.pid}.tmp`;
  await runNodeChild('compacting the devnet state dump', [COMPACT_STATE_CHILD, statePath + suffix, String(CACHED_HISTORY_BLOCKS)], dump);
  renameSync(statePath + suffix, statePath);
  writeFileSync(metaPath + suffix, JSON.stringify(meta));
  renameSync(metaPath + suffix, metaPath);
}
