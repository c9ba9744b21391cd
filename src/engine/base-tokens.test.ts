import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { loadDefaultSnapshot } from '../devnet/devnet.ts';
import { marketBaseTokens } from '../scanner/base-tokens.ts';
import { Scanner } from '../scanner/scanner.ts';
import { engineBaseTokens, followedPools } from './base-tokens.ts';

/**
 * Live mode's `limits` check asks engineBaseTokens which tokens need a loss limit before any
 * scanner exists: its answer must be the bases the engine's scanner then trades from.
 */
describe('the base tokens the engine trades from, known before it starts', () => {
  it('ORION_BASE_TOKENS (default and given): the bases of a Scanner of the followed pools, in its order', async () => {
    const snapshot = await loadDefaultSnapshot();
    for (const env of [{}, { ORION_BASE_TOKENS: 'USDC,WETH' }, { ORION_BASE_TOKENS: 'cbBTC' }]) {
      const config = loadConfig(env, { cwd: '/' });
      const pools = followedPools(config, snapshot).kept;
      const scanner = new Scanner({ ...snapshot, pools }, { bases: config.baseTokens.map((t) => (t.type === 'address' ? t.address : t.symbol)), gasPrice: 1_000_000_000n });
      expect(engineBaseTokens(config, pools, snapshot.chainId)).toEqual(scanner.bases.map((b) => scanner.tokens.tokens[b]!.address.toLowerCase()));
    }
  });

  it('no bases named: the default bases, only tokens gas can be priced in when gas has a price', async () => {
    const snapshot = await loadDefaultSnapshot();
    for (const gasPrice of [0n, 1_000_000_000n]) {
      const scanner = new Scanner(snapshot, { gasPrice });
      expect(marketBaseTokens(snapshot.pools, snapshot.chainId, { gasPriced: gasPrice > 0n })).toEqual(scanner.bases.map((b) => scanner.tokens.tokens[b]!.address.toLowerCase()));
    }
  });

  it('a base the market lacks: the scanner\'s error, naming it', async () => {
    const snapshot = await loadDefaultSnapshot();
    expect(() => engineBaseTokens(loadConfig({ ORION_BASE_TOKENS: 'SHIB' }, { cwd: '/' }), snapshot.pools, snapshot.chainId)).toThrow(/"SHIB"/);
  });
});
