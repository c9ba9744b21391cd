import { useTokenBook } from '../api/tokens.ts';
import { formatAmount } from '../format/amount.ts';

/**
 * An amount for people: the raw decimal string scaled by the token's decimals in BigInt
 * arithmetic (never a float), with the token's symbol; the exact base units in the title. When
 * the token is unknown, the server's own line (`fallback`) is shown instead.
 */
export function TokenAmount({ raw, token, fallback }: { raw: string | null | undefined; token: string | { address: string; symbol: string; decimals: number | null } | null | undefined; fallback?: string | undefined }) {
  const book = useTokenBook();
  if (raw === null || raw === undefined) return <span className="muted">—</span>;
  const known = typeof token === 'string' ? book.get(token.toLowerCase()) : token;
  const decimals = known === undefined || known === null ? null : known.decimals;
  if (decimals === null || known === undefined || known === null) return <span title={`${raw} base units`}>{fallback ?? raw}</span>;
  const label = 'label' in known && typeof known.label === 'string' ? known.label : known.symbol;
  return (
    <span title={`${raw} base units`} className={raw.startsWith('-') ? 'neg' : undefined}>
      {formatAmount(raw, decimals)} {label}
    </span>
  );
}
