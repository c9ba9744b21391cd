import { fileURLToPath } from 'node:url';

/**
 * The snapshot the scanner benchmark reads when none is given, for `npm run bench -- scanner`
 * and `orion bench scanner` alike: the 10,773-pair Ethereum snapshot of the shared data folder
 * beside the checkout (../shared/data), the largest market we have.
 */
export const DEFAULT_SCANNER_BENCH_SNAPSHOT = fileURLToPath(new URL('../../../shared/data/snapshots/ethereum-uniswap-v2-2020-10-03.json', import.meta.url));
