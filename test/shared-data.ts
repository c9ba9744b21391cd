import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `shared/` folder that sits beside the project checkout (real chain data, vectors). */
export const SHARED_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared');

/**
 * Path of a file under `../shared/data`, or `undefined` when it is absent (a user's clone).
 * Under `CI=true` a missing file throws, so CI can never pass by skipping.
 * Use with `describe.skipIf(!path)` / `it.skipIf(!path)`.
 */
export function sharedData(relativePath: string): string | undefined {
  const path = join(SHARED_DIR, 'data', relativePath);
  if (existsSync(path)) return path;
  if (process.env.CI === 'true') {
    throw new Error(`shared data ${path} is missing and CI=true: tests that need it must not skip`);
  }
  console.warn(`skipping: shared data ${path} is absent`);
  return undefined;
}
