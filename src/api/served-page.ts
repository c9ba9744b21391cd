import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** A serialized response kept as sent: the plain bytes, and the same gzipped (compressed once). */
export interface ServedPage {
  plain: Buffer;
  gzip: Buffer;
}

/** `plain` with its gzip beside it; the compression runs on zlib's thread pool, off the event loop. */
export async function servedPage(plain: Buffer): Promise<ServedPage> {
  return { plain, gzip: await gzipAsync(plain, { level: 6 }) };
}

/**
 * Whether an Accept-Encoding header allows gzip (RFC 9110 §12.5.3): listed as `gzip` (or `x-gzip`,
 * or `*`) with a q-value above 0. Absent or anything else: the plain bytes.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  let star: boolean | undefined;
  for (const part of value.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (name === 'gzip' || name === 'x-gzip') return allowed;
    if (name === '*') star = allowed;
  }
  return star ?? false;
}
