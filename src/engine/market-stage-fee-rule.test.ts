import { afterAll, beforeAll, expect, it } from 'vitest';
import { createChainClients } from '../chain/clients.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { createMarketPersistence } from '../store/market-persistence.ts';
import { openTestStore, type TestStore } from '../store/test-store.ts';
import { baseFeeRuleFor, type BaseFeeRuleKind } from '../chain/next-base-fee.ts';
import { startMarketStage, type MarketStage } from './market-stage.ts';

/**
 * The market stage prices the next block by its chain's base fee rule. Before, it called
 * nextBlockFee with Ethereum's parameters whatever the chain: a stage told it follows Base
 * (8453) priced a near-empty block −12.5 % instead of Base's −0.4 %. The chain is the local
 * anvil (its own blocks follow Ethereum's rule; what is checked is the rule the stage chose,
 * from the chain id it was given); the expected fee is worked out here from the header and
 * Base's published parameters (denominator 250, elasticity 6), not by the code under test.
 */

let devnet: Devnet;
let store: TestStore;
const stages: MarketStage[] = [];

beforeAll(async () => {
  devnet = await startDevnet();
  store = await openTestStore('pglite');
}, 300_000);
afterAll(async () => {
  for (const stage of stages) await stage.stop();
  await store?.cleanup();
  await devnet?.stop();
});

async function stageFor(chainId: number, override?: BaseFeeRuleKind): Promise<MarketStage> {
  const stage = await startMarketStage({
    clients: createChainClients([devnet.anvil.rpcUrl]),
    persistence: createMarketPersistence(store.store),
    chainId,
    ...(override === undefined ? {} : { baseFeeRule: baseFeeRuleFor(chainId, override) }),
    pools: [],
    gasBid: { priorityFee: 1n },
    finalityDepth: 8,
    pollIntervalMs: 60_000,
    maxStaleBlocks: 5,
    emit: () => undefined,
  });
  stages.push(stage);
  return stage;
}

/** EIP-1559's step, written out: the next base fee after a block with these fields. */
function eip1559Step(base: bigint, gasUsed: bigint, gasLimit: bigint, denominator: bigint, elasticity: bigint): bigint {
  const target = gasLimit / elasticity;
  if (gasUsed === target) return base;
  if (gasUsed > target) return base + [(base * (gasUsed - target)) / target / denominator, 1n].reduce((a, b) => (a > b ? a : b));
  return base - (base * (target - gasUsed)) / target / denominator;
}

it('prices the next block by Base\'s 250/6 on chain 8453, Ethereum\'s 8/2 on the devnet, and names an assumed rule', async () => {
  const base = await stageFor(8453);
  const { header, fee } = base.start;
  const baseFee = header.baseFeePerGas as bigint;
  expect(header.gasUsed).toBeLessThan(header.gasLimit / 6n); // below both targets: the two rules differ
  expect(fee).toMatchObject({ rule: 'op-stack (Base)', nextBaseFee: eip1559Step(baseFee, header.gasUsed, header.gasLimit, 250n, 6n) });

  const devnetStage = await stageFor(31337);
  const devnetStart = devnetStage.start;
  expect(devnetStart.fee).toMatchObject({
    rule: 'ethereum (devnet: anvil, hardhat)',
    nextBaseFee: eip1559Step(devnetStart.header.baseFeePerGas as bigint, devnetStart.header.gasUsed, devnetStart.header.gasLimit, 8n, 2n),
  });
  expect(fee.nextBaseFee).not.toBe(eip1559Step(baseFee, header.gasUsed, header.gasLimit, 8n, 2n));

  const unknown = await stageFor(777_777);
  expect(unknown.start.fee.rule).toBe('ethereum (assumed: chain 777777 is not in the base fee table, src/chain/next-base-fee.ts)');

  // ORION_BASE_FEE_RULE overrides the table: the devnet priced as an OP-stack chain.
  const overridden = (await stageFor(31337, 'op-stack')).start;
  expect(overridden.fee).toMatchObject({
    rule: 'op-stack (ORION_BASE_FEE_RULE)',
    nextBaseFee: eip1559Step(overridden.header.baseFeePerGas as bigint, overridden.header.gasUsed, overridden.header.gasLimit, 250n, 6n),
  });
});
