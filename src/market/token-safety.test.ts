import { encodeDeployData, encodeFunctionData, type Address } from 'viem';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRpcPool, type RpcPool } from '../chain/rpc-pool.ts';
import { parseBlockHeader } from '../chain/types.ts';
import { loadArtifact } from '../contracts/compile.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { computeV2PairAddress } from '../devnet/pool-address.ts';
import { deployTestToken, mintTestTokens } from '../devnet/test-token.ts';
import { sendAll } from '../devnet/transactions.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { checkTokenSafety } from './token-safety.ts';

/**
 * Token safety checked both ways, on the real Uniswap V2 factory and pairs of the devnet. A
 * honeypot that lets anyone buy it from its pool but reverts every sell into the pool, and a
 * token taxed only on the way into its pool, both passed a check that simulated the buy alone
 * (the pool sending the token out). The test-only tokens are contracts/test/attack/
 * SellBlockedToken.sol and SellTaxToken.sol; what they do is confirmed on the chain itself
 * (a real eth_call of the sell), not only through the code under test.
 */

let devnet: Devnet;
let rpc: RpcPool;
const SUPPLY = 10n ** 21n;
const IN_POOL = 10n ** 20n;

beforeAll(async () => {
  devnet = await startDevnet();
  rpc = createRpcPool([devnet.anvil.rpcUrl]);
});
afterAll(async () => {
  await devnet?.stop();
});

async function deploy(name: string): Promise<Address> {
  const { abi, bytecode } = await loadArtifact(name);
  const [receipt] = await sendAll(devnet.clients, [{ label: `deploy ${name}`, data: encodeDeployData({ abi, bytecode, args: [] }), gas: 3_000_000n }]);
  return receipt?.contractAddress as Address;
}

/** A real V2 pair of `token` (an attack token naming the pair as its pool) and `quote`, with liquidity; the buyer holds some of `token`. */
async function pairOf(name: string, token: Address, quote: Address, buyer: Address): Promise<Address> {
  const { abi } = await loadArtifact(name);
  const [token0, token1] = token.toLowerCase() < quote.toLowerCase() ? [token, quote] : [quote, token];
  const factory = devnet.deployment.v2Factory as Address;
  const pair = computeV2PairAddress(factory, token0, token1);
  await sendAll(devnet.clients, [
    { label: 'createPair', to: factory, gas: 5_000_000n, data: encodeFunctionData({ abi: uniswapArtifact('UniswapV2Factory').abi, functionName: 'createPair', args: [token0, token1] }) },
    { label: `${name}.setPool`, to: token, gas: 100_000n, data: encodeFunctionData({ abi, functionName: 'setPool', args: [pair] }) },
    { label: `${name}.mint(pair)`, to: token, gas: 200_000n, data: encodeFunctionData({ abi, functionName: 'mint', args: [pair, IN_POOL] }) },
    { label: `${name}.mint(buyer)`, to: token, gas: 200_000n, data: encodeFunctionData({ abi, functionName: 'mint', args: [buyer, SUPPLY] }) },
  ]);
  await mintTestTokens(devnet.clients, [quote], pair, IN_POOL);
  await sendAll(devnet.clients, [
    { label: 'pair.mint', to: pair, gas: 500_000n, data: encodeFunctionData({ abi: uniswapArtifact('UniswapV2Pair').abi, functionName: 'mint', args: [devnet.clients.accounts[0]?.address as Address] }) },
  ]);
  return pair;
}

/** What a real eth_call of `from` sending `amount` of `token` to `to` says: 'ok' or the revert. */
async function plainTransfer(token: Address, from: Address, to: Address, amount: bigint): Promise<string> {
  const { abi } = await loadArtifact('SellBlockedToken');
  const data = encodeFunctionData({ abi, functionName: 'transfer', args: [to, amount] });
  return rpc.request('eth_call', [{ from, to: token, data }, 'latest']).then(
    () => 'ok',
    (error: unknown) => String((error as Error).message),
  );
}

it('flags a sell-blocked honeypot and a sell-taxed token that a buy passes, and passes plain tokens', async () => {
  const buyer = devnet.clients.accounts[5]?.address as Address;
  const quote = await deployTestToken(devnet.clients, { name: 'Quote', symbol: 'QUOTE', decimals: 18 });
  const honey = await deploy('SellBlockedToken');
  const taxed = await deploy('SellTaxToken');
  const fot = await deploy('FeeOnTransferToken');
  const honeyPair = await pairOf('SellBlockedToken', honey, quote, buyer);
  const taxedPair = await pairOf('SellTaxToken', taxed, quote, buyer);
  const { abi: fotAbi } = await loadArtifact('FeeOnTransferToken');
  await sendAll(devnet.clients, [{ label: 'mint FOT', to: fot, gas: 200_000n, data: encodeFunctionData({ abi: fotAbi, functionName: 'mint', args: [buyer, SUPPLY] }) }]);

  // On the chain itself: a holder can send the honeypot to anyone but its pair.
  expect(await plainTransfer(honey, buyer, devnet.clients.accounts[6]?.address as Address, 1n)).toBe('ok');
  expect(await plainTransfer(honey, buyer, honeyPair, 1n)).toContain('sell blocked');
  expect(await plainTransfer(taxed, buyer, taxedPair, 1n)).toBe('ok');

  const seeded = devnet.seeded.localSnapshot.pools[0];
  const head = parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false]));
  const before = BigInt((await rpc.request('eth_blockNumber', [])) as string);
  const [honeyVerdict, taxedVerdict, fotVerdict, plain, quoteVerdict] = await checkTokenSafety(rpc, head, [
    { token: honey, holder: honeyPair },
    { token: taxed, holder: taxedPair },
    { token: fot, holder: buyer },
    { token: seeded?.token0.address as Address, holder: seeded?.address as Address },
    { token: quote, holder: honeyPair },
  ]);
  const amount = IN_POOL / 10n;
  expect(honeyVerdict).toMatchObject({ token: honey.toLowerCase(), safe: false });
  expect((honeyVerdict as { reason: string }).reason).toBe(`sell blocked: sending ${amount} back to ${honeyPair} reverted: execution failed (Error("sell blocked"))`);
  // 10 % burnt on the way in: the pool receives 9/10 of what was sent.
  expect(taxedVerdict).toEqual({ token: taxed.toLowerCase(), safe: false, reason: `fee on sell: sending ${amount} back to ${taxedPair} delivered ${(amount * 9n) / 10n}` });
  // The buy leg's verdicts are unchanged: 1 % burnt on every transfer.
  expect(fotVerdict).toEqual({ token: fot.toLowerCase(), safe: false, reason: `fee on transfer: sending ${SUPPLY / 10n} delivered ${((SUPPLY / 10n) * 99n) / 100n}` });
  expect(plain).toEqual({ token: seeded?.token0.address, safe: true });
  expect(quoteVerdict).toEqual({ token: quote.toLowerCase(), safe: true });
  // Simulated only: nothing was mined.
  expect(BigInt((await rpc.request('eth_blockNumber', [])) as string)).toBe(before);
});
