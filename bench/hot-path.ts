import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { toHex, type TransactionSerializableEIP1559 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { postJsonRpc } from '../src/chain/json-rpc-http.ts';
import { closeJsonRpcWs, postJsonRpcWs } from '../src/chain/json-rpc-ws.ts';
import { startAnvil } from '../src/devnet/anvil.ts';
import { keccakHex, nativeSigning, nativeSigningAccount } from '../src/executor/live/native-signing.ts';

// `npm run bench -- hot-path [--repeat 500]`: the pieces of the path from a head to its send,
// each alone on a quiet process, two JSON lines:
// - `rpc-transport`: one JSON-RPC request to a local anvil over kept-alive HTTP and over a
//   WebSocket (src/chain/json-rpc-ws.ts): round trip p50/p99 and CPU per request of this process;
// - `signing`: an EIP-1559 transaction with a plan-sized calldata signed and hashed by viem's
//   signer and by the native one (src/executor/live/native-signing.ts): p50/p99, back to back
//   ("warm") and one every 10 ms with garbage made between ("spaced", as the engine signs once a block).
const { values } = parseArgs({ options: { repeat: { type: 'string', default: '500' } } });
const REPEAT = Number(values.repeat);
if (!Number.isInteger(REPEAT) || REPEAT < 10) throw new Error(`--repeat must be an integer >= 10, got ${values.repeat}`);

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const us = (ms: number): number => Math.round(ms * 1000);

/** Runs `f` REPEAT times after a warm-up: p50/p99 µs of wall time and µs of this process's CPU per call. */
async function timeCalls(f: () => Promise<unknown>, spacedMs = 0, count = REPEAT): Promise<{ p50Us: number; p99Us: number; cpuUsPerCall: number }> {
  for (let i = 0; i < Math.min(100, count); i++) await f();
  const times: number[] = [];
  let cpuUs = 0;
  for (let i = 0; i < count; i++) {
    if (spacedMs > 0) {
      // Garbage and an idle gap between calls, as between two blocks.
      const junk: unknown[] = [];
      for (let j = 0; j < 20_000; j++) junk.push({ j, s: String(j) });
      await new Promise((resolve) => setTimeout(resolve, spacedMs));
    }
    const cpu = process.cpuUsage();
    const started = performance.now();
    await f();
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuUs += used.user + used.system;
  }
  times.sort((a, b) => a - b);
  return { p50Us: us(percentile(times, 0.5)), p99Us: us(percentile(times, 0.99)), cpuUsPerCall: Math.round(cpuUs / count) };
}

const anvil = await startAnvil();
try {
  const transport: Record<string, unknown> = {};
  const calls = {
    blockNumber: [{ method: 'eth_blockNumber', params: [] }],
    block: [{ method: 'eth_getBlockByNumber', params: ['latest', false] }],
    batchOf3: [{ method: 'eth_getBlockByNumber', params: ['latest', false] }, { method: 'eth_getLogs', params: [{ fromBlock: 'latest', toBlock: 'latest' }] }, { method: 'eth_chainId', params: [] }],
  };
  for (const [name, batch] of Object.entries(calls)) {
    transport[name] = {
      http: await timeCalls(() => postJsonRpc(anvil.rpcUrl, batch, 5_000)),
      ws: await timeCalls(() => postJsonRpcWs(anvil.wsUrl, batch, 5_000)),
    };
  }
  closeJsonRpcWs(anvil.wsUrl);
  process.stdout.write(`${JSON.stringify({ bench: 'rpc-transport', repeat: REPEAT, ...transport, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) })}\n`);
} finally {
  await anvil.stop();
}

// anvil's account 3 (the devnet's hot key), a 580-byte calldata (a three-hop plan's is ~580).
const privateKey = '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6';
const transaction: TransactionSerializableEIP1559 = {
  type: 'eip1559', chainId: 31337, nonce: 7, to: '0x5FbDB2315678afecb367f032d93F642f64180aa3', data: toHex(new Uint8Array(580).fill(0xab)),
  gas: 600_000n, value: 0n, maxFeePerGas: 30n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n,
};
const viemAccount = privateKeyToAccount(privateKey);
const nativeAccount = nativeSigningAccount(privateKey);
const viemSign = async (): Promise<string> => {
  const raw = await viemAccount.signTransaction(transaction);
  return keccakHex(raw);
};
const nativeSign = async (): Promise<string> => keccakHex(await nativeAccount.signTransaction(transaction));
if ((await viemAccount.signTransaction(transaction)) !== (await nativeAccount.signTransaction(transaction))) throw new Error('bench hot-path: the two signers disagree');
const spacedCount = Math.min(REPEAT, 100);
process.stdout.write(`${JSON.stringify({
  bench: 'signing', repeat: REPEAT, native: nativeSigning().available,
  viem: { warm: await timeCalls(viemSign), spaced: await timeCalls(viemSign, 10, spacedCount) },
  nativeSigner: { warm: await timeCalls(nativeSign), spaced: await timeCalls(nativeSign, 10, spacedCount) },
  loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
})}\n`);
