import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.ts';

// Bad input to `orion contract` and `orion mode switch`: one clear line, exit 2, before any
// key is opened or anything reaches a chain (the devnet paths are in src/controls and src/mode).
describe('orion contract / orion mode: bad input', () => {
  it('a token that is not an address', async () => {
    const result = await runCli(['contract', 'withdraw', 'WETH']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('TOKEN "WETH" is not an address; allowed: 0x + 40 hex digits');
  });

  it('a non-positive --amount', async () => {
    const result = await runCli(['contract', 'withdraw', `0x${'a'.repeat(40)}`, '--amount', '0']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('--amount "0" is not a positive whole number of base units');
  });

  it('no chain to reach: says where the control can run instead', async () => {
    const result = await runCli(['contract', 'pause']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/contract controls need the chain over HTTP: set ORION_RPC_URLS/);
  });

  it('an unknown mode', async () => {
    const result = await runCli(['mode', 'switch', 'turbo']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('mode "turbo" is not known; allowed: sim or live');
  });
});
