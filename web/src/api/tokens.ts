import { createContext, useContext } from 'react';
import type { Token } from './desk.ts';

/**
 * The followed market's tokens by address (lower case), read once from `/tokens`: what turns a
 * raw amount of a live frame into token units with the right decimals and symbol.
 */
export type TokenBook = ReadonlyMap<string, Token>;

/** The book of the signed-in desk (empty until `/tokens` answered). */
export const TokenBookContext = createContext<TokenBook>(new Map());

/** The token book. */
export function useTokenBook(): TokenBook {
  return useContext(TokenBookContext);
}
