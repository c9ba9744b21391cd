import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { DEFAULT_SNAPSHOT_PATH, loadDefaultSnapshot } from '../devnet/devnet.ts';
import { cliValidationTarget } from './cli-target.ts';

describe('orion mode validate from a separate process', () => {
  it('checks a max_daily_loss for the base tokens of ORION_BASE_TOKENS in the pools of ORION_SNAPSHOT, with their symbols', async () => {
    const config = loadConfig({ ORION_RPC_URLS: 'http://127.0.0.1:1', ORION_SNAPSHOT: DEFAULT_SNAPSHOT_PATH, ORION_BASE_TOKENS: 'USDC,WETH' }, { cwd: '/' });
    const target = await cliValidationTarget(config);
    if (typeof target === 'string') throw new Error(target);
    const tokens = (await loadDefaultSnapshot()).pools.flatMap((pool) => [pool.token0, pool.token1]);
    const bySymbol = (symbol: string) => tokens.find((token) => token.symbol === symbol)!.address.toLowerCase();
    expect(target.baseTokens()).toEqual([bySymbol('USDC'), bySymbol('WETH')]);
    expect(target.baseTokens().map((token) => target.tokens.label(token))).toEqual(['USDC', 'WETH']);
    expect(target.expectedChainId).toBe((await loadDefaultSnapshot()).chainId);
  });
});
