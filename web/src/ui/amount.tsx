import { useTokenBook } from '../api/tokens.ts';
import { formatAmount } from '../format/amount.ts';

/**
 * An amount for people: the raw decimal string scaled by the token's decimals in BigInt
 * arithmetic (never a float), with the token's symbol; the exact base units in the title. When
 * the token or its decimals are unknown, the server's own line (`fallback`, in base units, marked)
 * is shown instead, or the raw amount marked as base units.
 */
export function TokenAmount({ raw, token, fallback }: { raw: string | null | undefined; token: string | { address: string; symbol: string; decimals: number | null } | null | undefined; fallback?: string | undefined }) {
  const book = useTokenBook();
  if (raw === null || raw === undefined) return <span className="muted">—</span>;
  const known = typeof token === 'string' ? book.get(token.toLowerCase()) : token;
  // A token of the book whose decimals() could not be read is stored with decimals 0: not a scale.
  const decimals = known === undefined || known === null || ('decimalsKnown' in known && known.decimalsKnown === false) ? null : known.decimals;
  // Decimals unknown: never scaled, always said to be base units (the server's line says so too).
  if (decimals === null || known === undefined || known === null) {
    return <span title={`${raw} base units`}>{fallback ?? `${raw} base units${known === undefined || known === null ? '' : ` of ${known.symbol} (decimals unknown)`}`}</span>;
  }
  const label = 'label' in known && typeof known.label === 'string' ? known.label : known.symbol;
  return (
    <span title={`${raw} base units`} className={raw.startsWith('-') ? 'neg' : undefined}>
      {formatAmount(raw, decimals)} {label}
    </span>
  );
}
