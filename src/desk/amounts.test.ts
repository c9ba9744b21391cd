import { expect, it } from 'vitest';
import { forEachBackend } from '../store/test-store.ts';
import { loadDeskTokens } from './amounts.ts';

/**
 * A token whose decimals() could not be read is stored with decimals 0 and decimals_known false
 * (src/market/token-metadata.ts). Its amounts have no token units and its decimals are null, as
 * the Amount and TokenRef interfaces say; shown as base units, marked, never as whole tokens
 * (1.5e18 base units read "1500000000000000000 ODD").
 */
const ODD = `0x${'ab'.repeat(20)}`;
const USDC = `0x${'a0'.repeat(20)}`;
forEachBackend('desk amounts', (db) => {
  it('an amount of a token with unknown decimals has no token units and says it is in base units; a known one has both', async () => {
    await db.store.query(
      `insert into market_token (chain_id, address, symbol, name, decimals, decimals_known, unsafe_reason)
       values (1, $1, 'ODD', null, 0, false, null), (1, $2, 'USDC', null, 6, true, null)`, [ODD, USDC]);
    const tokens = await loadDeskTokens(db.store, new Map([[1, new Set([ODD, USDC])]]));
    expect(tokens.token(1, ODD)).toEqual({ address: ODD, symbol: 'ODD', decimals: null });
    expect(tokens.amount(1, ODD, 1_500_000_000_000_000_000n)).toEqual({
      raw: '1500000000000000000', units: null, symbol: 'ODD', display: '1500000000000000000 base units of ODD (decimals unknown)',
    });
    expect(tokens.token(1, USDC)).toEqual({ address: USDC, symbol: 'USDC', decimals: 6 });
    expect(tokens.amount(1, USDC, 1_500_000n)).toEqual({ raw: '1500000', units: '1.5', symbol: 'USDC', display: '1.5 USDC' });
  });
});
