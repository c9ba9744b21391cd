import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { readPoolStates } from '../devnet/read-pools.ts';
import { readSnapshotFile, type PoolSnapshot } from '../market/snapshot.ts';

let devnet: Devnet;
let dir: string;

const run = runCli;

const key = (p: PoolSnapshot): string =>
  p.protocol === 'uniswap-v2' ? `${p.address} ${p.reserve0} ${p.reserve1}` : `${p.address} ${p.sqrtPriceX96} ${p.tick} ${p.liquidity} ${p.ticks.map((t) => `${t.tick}:${t.liquidityNet}`).join(',')}`;

beforeAll(async () => {
  devnet = await startDevnet({ cacheDir: false }); // fresh: factory discovery needs the creation events
  dir = mkdtempSync(join(tmpdir(), 'orion-snapshot-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await devnet?.stop();
});

describe('orion snapshot', () => {
  it('--pools FILE writes every listed pool at one block, equal to the chain, and names what it left out', async () => {
    const pools = devnet.seeded.localSnapshot.pools;
    const notAPool = pools[0]?.token0.address as string;
    const list = join(dir, 'pools.txt');
    writeFileSync(list, `# local pools\n${pools.map((p) => p.address.toUpperCase().replace('0X', '0x')).join('\n')}\n${notAPool}\n`);
    const out = join(dir, 'out.json');
    const result = await run(['snapshot', '--rpc', devnet.anvil.rpcUrl, '--pools', list, '--out', out, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { pools: number; excluded: { address: string; reason: string }[]; block: number };
    expect(summary.pools).toBe(pools.length);
    expect(summary.excluded).toEqual([{ address: notAPool, reason: 'not a pool: token0()/token1() do not answer' }]);
    const { snapshot } = await readSnapshotFile(out);
    expect(snapshot.chainId).toBe(31337);
    const chain = await readPoolStates(devnet.clients, devnet.seeded.lens, pools, BigInt(summary.block));
    const byAddress = new Map(snapshot.pools.map((p) => [p.address, p]));
    expect(pools.map((p) => key(byAddress.get(p.address) as PoolSnapshot))).toEqual(chain.map(key));
    // Token metadata read from the chain matches what the devnet seeded.
    expect(pools.map((p) => `${byAddress.get(p.address)?.token0.symbol}/${byAddress.get(p.address)?.token1.decimals}`)).toEqual(
      pools.map((p) => `${p.token0.symbol}/${p.token1.decimals}`),
    );
  });

  it('--factory ADDRESS --from-block N discovers the factory\'s pools', async () => {
    const out = join(dir, 'v3.json');
    const result = await run(['snapshot', '--rpc', devnet.anvil.rpcUrl, '--factory', devnet.deployment.v3Factory, '--from-block', '0', '--out', out]);
    expect(result.code).toBe(0);
    const expected = devnet.seeded.localSnapshot.pools.filter((p) => p.protocol === 'uniswap-v3').map((p) => p.address).sort();
    const { snapshot } = await readSnapshotFile(out);
    expect(snapshot.pools.map((p) => p.address).sort()).toEqual(expected);
    expect(result.stdout).toMatch(new RegExp(`wrote .*v3.json: ${expected.length} pools \\(0 V2, ${expected.length} V3\\) at block \\d+ of chain 31337`));
  });

  it('refuses bad input with one line and exit code 2', async () => {
    const none = await run(['snapshot', '--rpc', devnet.anvil.rpcUrl, '--out', join(dir, 'x.json')]);
    expect(none).toMatchObject({ code: 2, stderr: 'orion: give exactly one of --pools FILE or --factory ADDRESS --from-block N\n' });
    const badFactory = await run(['snapshot', '--rpc', devnet.anvil.rpcUrl, '--out', join(dir, 'x.json'), '--factory', '0x12', '--from-block', '0']);
    expect(badFactory).toMatchObject({ code: 2, stderr: 'orion: --factory "0x12" is not a 20-byte hex address\n' });
    const list = join(dir, 'bad.txt');
    writeFileSync(list, '0x1234\n');
    const badList = await run(['snapshot', '--rpc', devnet.anvil.rpcUrl, '--out', join(dir, 'x.json'), '--pools', list]);
    expect(badList).toMatchObject({ code: 2, stderr: `orion: --pools ${list}: entry 1 "0x1234" is not a 20-byte hex address\n` });
  });
});
