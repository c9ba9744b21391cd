// Compacts an anvil state dump for the devnet cache, in a process of its own (started by
// state-cache.ts's writeDevnetCache): reads anvil_dumpState's answer (gzip as hex) on stdin,
// writes the JSON without the seeding's history to the file named by the first argument. The
// dump is ~30 MB of JSON for the default snapshot (120 MB for arbitrum); parsed in the platform's
// process it grew the V8 heap by ~150 MB of garbage that stayed resident for a minute
// (docs/BENCHMARKS.md, "`npm start` memory"). Plain JavaScript: the child runs without a loader.
//
// What is dropped: every past block and transaction with the call traces anvil records (most
// of the size, and loading them costs seconds). The last `keptBlocks` (second argument) blocks
// are kept with their transactions, minus call traces (only `debug_`/`trace_` use them).
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const [outFile, keptBlocks] = process.argv.slice(2);
const hex = readFileSync(0, 'utf8').trim();
const json = gunzipSync(Buffer.from(hex.replace(/^0x/, ''), 'hex')).toString('utf8');
const state = JSON.parse(json);
if (Array.isArray(state.blocks) && Array.isArray(state.transactions) && typeof state.best_block_number === 'number') {
  const oldest = state.best_block_number - Number(keptBlocks) + 1;
  state.blocks = state.blocks.filter((block) => Number(block.header?.number) >= oldest);
  state.transactions = state.transactions.filter((tx) => Number(tx.block_number) >= oldest);
  for (const tx of state.transactions) if (tx.info !== undefined && Array.isArray(tx.info.traces)) tx.info.traces = [];
  writeFileSync(outFile, JSON.stringify(state));
} else {
  writeFileSync(outFile, json); // a dump of another shape: kept whole
}
