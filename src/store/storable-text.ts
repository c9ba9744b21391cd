/**
 * Text as PostgreSQL can store it. U+0000 is refused in a text value (22021) and its escape
 * `\u0000` in a jsonb value (22P05), and strings that come from outside can hold it: any contract
 * can revert with `Error("\0…")`, a node can echo it in an error message. One such value fails
 * its whole transaction, and a writer that retries in order (the ledger) would retry it forever
 * with every later row queued behind it. It is written as the six characters `\u0000` instead:
 * the row is stored and a reader still sees where the character was. PGlite is PostgreSQL and
 * refuses the same.
 */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\\u0000') : text;
}

/** `value` as JSON for a jsonb column: bigints as decimal strings, every string storable. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? storableText(v) : v));
}
