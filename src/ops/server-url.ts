import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The file `ORION_DATA_DIR/server-url`: the URL a running server listens on (PORT=0 picks any
 * free port), written once it listens and removed when it stops. The CLI's state-changing
 * commands read it to find the server of this data folder; a file left by a crash only makes
 * them say the server cannot be reached at that URL.
 */

const FILE = 'server-url';

/** Records `url`; `remove()` takes it away again (only if it is still ours). */
export function writeServerUrl(dataDir: string, url: string): { remove(): void } {
  const path = join(dataDir, FILE);
  writeFileSync(path, `${url}\n`, { mode: 0o644 });
  return {
    remove() {
      if (readServerUrl(dataDir) === url) rmSync(path, { force: true });
    },
  };
}

/** The URL a server of `dataDir` recorded, if any. */
export function readServerUrl(dataDir: string): string | undefined {
  try {
    const text = readFileSync(join(dataDir, FILE), 'utf8').trim();
    return /^https?:\/\/\S+$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}
