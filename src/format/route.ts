import { shortAddress, type TokenDirectory } from './symbols.ts';

/** Routes for people: the tokens a cycle passes through and the pools it swaps in. */

/** "WETH>USDC>WETH": the route's tokens by label (a shared symbol with its short address). */
export function formatRoute(tokens: readonly string[], directory: TokenDirectory): string {
  return tokens.map((token) => directory.label(token)).join('>');
}

/** The pools of a route, comma-separated: short addresses (`0xb4e1…`), or full ones when `wide`. */
export function formatPools(pools: readonly string[], wide = false): string {
  return pools.map((pool) => (wide ? pool : shortAddress(pool))).join(',');
}

/** "WETH>USDC>WETH via 0xb4e1…,0x88e6…": route and pools on one line. */
export function formatRouteWithPools(tokens: readonly string[], pools: readonly string[], directory: TokenDirectory, wide = false): string {
  return `${formatRoute(tokens, directory)} via ${formatPools(pools, wide)}`;
}
