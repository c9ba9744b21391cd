import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineOptions } from '../../engine/engine.ts';
import { TokenDirectory } from '../../format/symbols.ts';
import { DEFAULT_LIMITS, type Limits } from '../../orchestrator/limits.ts';
import type { Store } from '../../store/types.ts';
import { openProtections, type Protections } from '../protections-service.ts';

/** Limits whose breakers and suppression never trip: for tests of something else (live execution's bookkeeping). */
export const PERMISSIVE_LIMITS: Limits = {
  ...structuredClone(DEFAULT_LIMITS),
  revertBreaker: { consecutive: 1_000_000, window: 100_000, maxRatePct: 100, cooldownBlocks: 1 },
  routeSuppression: { failures: 1_000_000, retryBlocks: 1 },
};

/**
 * The real protections for an engine under test or benchmark: the default limits (or `limits`),
 * a data folder of their own for the KILL file, and a handle on the service once it is open.
 */
export function engineProtections(store: Store, chainId: number, options: { limits?: Limits; dataDir?: string; tokens?: TokenDirectory } = {}): {
  open: EngineOptions['protections'];
  service: () => Protections;
  dataDir: string;
} {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'orion-protections-'));
  let service: Protections | undefined;
  return {
    dataDir,
    open: async (session) => {
      service = await openProtections({ store, chainId, session: session.id, mode: session.mode, dataDir, seed: options.limits ?? DEFAULT_LIMITS, tokens: () => options.tokens ?? new TokenDirectory([]) });
      return service;
    },
    service: () => {
      if (service === undefined) throw new Error('the engine has not opened its protections yet');
      return service;
    },
  };
}
