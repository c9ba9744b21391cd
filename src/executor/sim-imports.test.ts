import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleGraph } from '../../test/module-graph.ts';

// The sim executor structurally cannot send: nothing it loads signs or sends a transaction.
const SIM = fileURLToPath(new URL('./sim.ts', import.meta.url));
/** What signing or sending looks like in viem and in raw JSON-RPC. */
const SIGNING_NAMES = ['privateKeyToAccount', 'mnemonicToAccount', 'hdKeyToAccount', 'createWalletClient', 'signTransaction', 'sendTransaction', 'sendRawTransaction', 'walletActions', 'toAccount'];
const SENDING_TEXT = /eth_sendRawTransaction|eth_sendTransaction|eth_sendBundle|privateKey|keystore/i;

describe('the sim executor holds no key and cannot send', () => {
  const graph = moduleGraph(SIM);

  it('reaches no file of the live executor or of key handling', () => {
    const files = [...graph.files].map((f) => f.replace(/\\/g, '/'));
    expect(files.length).toBeGreaterThan(3);
    expect(files.filter((f) => /\/executor\/live\/|\/keys?\/|signer|keystore/.test(f))).toEqual([]);
  });

  it('imports no signing function from any package, nor viem/accounts', () => {
    expect(graph.packages.has('viem/accounts')).toBe(false);
    for (const [specifier, names] of graph.packages) {
      expect([...names].filter((n) => SIGNING_NAMES.includes(n)), specifier).toEqual([]);
    }
  });

  it('no file it loads names a send method or a key', () => {
    for (const file of graph.files) expect(SENDING_TEXT.test(readFileSync(file, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '')), file).toBe(false);
  });

  it('the check would catch a signing import (the walker sees through relative imports to package names)', () => {
    const self = moduleGraph(fileURLToPath(import.meta.url));
    expect(self.packages.get('vitest')).toEqual(new Set(['describe', 'expect', 'it']));
    expect([...self.files].some((f) => f.endsWith('test/module-graph.ts'))).toBe(true);
  });
});

// The signing modules (src/executor/live/keys.ts, native-signing.ts) are imported only by the live executor, the
// owner's contract controls and the live pre-flight checks, never by anything sim runs.
const SRC = fileURLToPath(new URL('../', import.meta.url));
const MAY_IMPORT_KEYS = [/^executor\/live\//, /^controls\//, /^mode\/checks\.ts$/, /^cli\/contract\.ts$/, /^api\/routes\/contract-controls\.ts$/];

describe('who imports the signing modules', () => {
  it('only the live executor, the contract controls and the live pre-flight checks', () => {
    const importers = (readdirSync(SRC, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => relative(SRC, join(SRC, f)).replace(/\\/g, '/'))
      .filter((f) => /live\/(keys|native-signing)\.ts['"]/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(importers.length).toBeGreaterThan(1);
    expect(importers.filter((f) => !MAY_IMPORT_KEYS.some((allowed) => allowed.test(f)))).toEqual([]);
  });
});
