import { expect, it } from 'vitest';
import { TokenDirectory } from '../format/symbols.ts';
import type { HexAddress, SnapshotToken } from '../market/snapshot.ts';
import { limitsToJson, seedLimits } from '../orchestrator/limits.ts';
import { limitsHistory, writeLimits } from '../risk-controls/limits-repository.ts';
import { forEachBackend } from '../store/test-store.ts';
import { seedDevnetDemoLimits } from './demo-limits.ts';

const token = (hex: string, symbol: string, decimals: number): SnapshotToken => ({ address: `0x${hex.repeat(20)}` as HexAddress, symbol, decimals });
const [weth, usdc, other] = [token('e1', 'WETH', 18), token('c6', 'USDC', 6), token('0f', 'BRETT', 18)];
const tokens = new TokenDirectory([weth, usdc, other]);
const seed = seedLimits({ maxFeePerGas: 100_000_000_000n });

forEachBackend('the devnet demo\'s loss limits', (ctx) => {
  it('an empty table: version 1 from the configuration, then one version by devnet adding a max_daily_loss for each base token, nothing else changed', async () => {
    const written = await seedDevnetDemoLimits(ctx.store, 31337, [weth.address, usdc.address], tokens, seed);
    const history = await limitsHistory(ctx.store);
    expect(history.map((v) => [v.version, v.actor])).toEqual([[2, 'devnet'], [1, 'config']]);
    expect(written?.version).toBe(2);
    expect(history[0]!.comment).toMatch(/devnet demo/);
    expect(history[0]!.changes.map((c) => c.key).sort()).toEqual([`max_daily_loss.${usdc.address}`, `max_daily_loss.${weth.address}`]);
    for (const base of [weth, usdc]) expect(history[0]!.limits.maxDailyLoss[base.address]! > 0n).toBe(true);
    expect(limitsToJson({ ...history[0]!.limits, maxDailyLoss: {} })).toEqual(limitsToJson(seed));
  });

  it('a restart writes nothing; a new base token gets one, an operator\'s figure is kept', async () => {
    expect(await seedDevnetDemoLimits(ctx.store, 31337, [weth.address, usdc.address], tokens, seed)).toBeUndefined();
    await writeLimits(ctx.store, 31337, (current) => ({ ...current.limits, maxDailyLoss: { ...current.limits.maxDailyLoss, [weth.address]: 7n } }), 'risk', 'desk figure');
    const written = await seedDevnetDemoLimits(ctx.store, 31337, [weth.address, usdc.address, other.address], tokens, seed);
    expect(written?.actor).toBe('devnet');
    expect(written?.changes.map((c) => c.key)).toEqual([`max_daily_loss.${other.address}`]);
    expect(written?.limits.maxDailyLoss[weth.address]).toBe(7n);
    expect((await limitsHistory(ctx.store)).length).toBe(4);
  });
});
