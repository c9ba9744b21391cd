import { scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { ConfigError, InputError } from '../../errors.ts';
import { keyConfigured, loadHotKey, loadOwnerKey, MissingKeyError } from './keys.ts';
import { decryptKeystore, MalformedKeystoreError, WrongPasswordError } from './keystore.ts';
import { scryptUnbounded } from './scrypt-unbounded.ts';

// The Web3 Secret Storage definition's test vectors (ethereum.org, "Test vectors"): password
// "testpassword", secret 7a28…fe9d, address 008aeeda…786b. Independent of this code.
const SPEC_SECRET = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const SPEC_ADDRESS = '0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b';
/** A spec vector: the two differ only in KDF, IV, ciphertext and MAC. */
const specVector = (kdf: string, kdfparams: Record<string, unknown>, iv: string, ciphertext: string, mac: string) => ({
  crypto: { cipher: 'aes-128-ctr', cipherparams: { iv }, ciphertext, kdf, kdfparams, mac },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
});
const SPEC_PBKDF2 = specVector(
  'pbkdf2',
  { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
  '6087dab2f9fdbbfaddc31a909735c1e6',
  '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
  '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
);
const SPEC_SCRYPT = specVector(
  'scrypt',
  { dklen: 32, n: 262144, r: 1, p: 8, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
  '83dbcc02d8ccb40e466191a123791e0e',
  'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
  '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
);
// A keystore written by geth itself (go-ethereum accounts/keystore/testdata/keystore/aaa,
// password "foobar"), with its light scrypt parameters and the "address" field geth adds.
const GETH_AAA = {
  address: '7ef5a6135f1fd6a02593eedc869c6d41d934aef8',
  crypto: {
    cipher: 'aes-128-ctr',
    ciphertext: '1d0839166e7a15b9c1333fc865d69858b22df26815ccf601b28219b6192974e1',
    cipherparams: { iv: '8df6caa7ff1b00c4e871f002cb7921ed' },
    kdf: 'scrypt',
    kdfparams: { dklen: 32, n: 8, p: 16, r: 8, salt: 'e5e6ef3f4ea695f496b643ebd3f75c0aa58ef4070e90c80c5d3fb0241bf1595c' },
    mac: '6d16dfde774845e4585357f24bce530528bc69f4f84e1e22880d34fa45c273e5',
  },
  id: '950077c7-71e3-4c44-a4a1-143919141ed4',
  version: 3,
};
// anvil's first funded account (its documented mnemonic, index 0).
const ANVIL_0_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const ANVIL_0 = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';

const dir = mkdtempSync(join(tmpdir(), 'orion-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function file(content: string): string {
  const path = join(dir, `f${++files}`);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}
const config = (env: Record<string, string>) => loadConfig(env, { cwd: dir });

async function rejection(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, got a key');
}

describe('decryptKeystore against independent vectors', () => {
  it("opens the spec's PBKDF2-SHA-256 vector", async () => {
    expect(await decryptKeystore(JSON.stringify(SPEC_PBKDF2), 'testpassword', 'spec')).toBe(SPEC_SECRET);
  });

  it("opens the spec's scrypt vector (n = 2^18 with r = 1, past RFC 7914's bound, as geth accepts)", async () => {
    expect(await decryptKeystore(JSON.stringify(SPEC_SCRYPT), 'testpassword', 'spec')).toBe(SPEC_SECRET);
  }, 120_000);

  it('opens a keystore geth wrote, and the key is the one of the address geth recorded', async () => {
    const path = file(JSON.stringify(GETH_AAA));
    const account = await loadHotKey(config({ ORION_KEYSTORE: path, ORION_KEYSTORE_PASSWORD_FILE: file('foobar\n') }));
    expect(account.address.toLowerCase()).toBe(`0x${GETH_AAA.address}`);
  });

  it("the spec vector's key is the spec's address, read through the config", async () => {
    const account = await loadHotKey(config({ ORION_KEYSTORE: file(JSON.stringify(SPEC_PBKDF2)), ORION_KEYSTORE_PASSWORD_FILE: file('testpassword') }));
    expect(account.address.toLowerCase()).toBe(SPEC_ADDRESS);
  });

  it("the unbounded scrypt equals Node's (OpenSSL's) on parameters both accept", async () => {
    for (const [n, r, p] of [[16, 1, 1], [1024, 1, 3], [256, 8, 1], [4096, 2, 2]] as const) {
      const expected = scryptSync('pässword', Buffer.from('NaCl'), 48, { N: n, r, p });
      expect((await scryptUnbounded(Buffer.from('pässword'), Buffer.from('NaCl'), n, r, p, 48)).toString('hex'), `n=${n} r=${r} p=${p}`).toBe(expected.toString('hex'));
    }
  });
});

describe('bad keys: one clear error each, no account', () => {
  it('a wrong password names the file and not the password', async () => {
    const path = file(JSON.stringify(GETH_AAA));
    const error = await rejection(() => loadHotKey(config({ ORION_KEYSTORE: path, ORION_KEYSTORE_PASSWORD_FILE: file('hunter2-not-it') })));
    expect(error).toBeInstanceOf(WrongPasswordError);
    expect(error.message).toBe(`ORION_KEYSTORE=${path}: wrong password (the keystore's MAC does not match what the password derives)`);
    expect(error.message).not.toContain('hunter2');
  });

  it('malformed keystores: each says what is wrong and where', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{not json', /not JSON/],
      ['[1,2]', /not a JSON object/],
      [JSON.stringify({ ...GETH_AAA, version: 1 }), /version is 1; allowed: 3/],
      [JSON.stringify({ ...GETH_AAA, crypto: { ...GETH_AAA.crypto, kdf: 'argon2' } }), /crypto\.kdf is "argon2"; allowed: scrypt or pbkdf2/],
      [JSON.stringify({ ...GETH_AAA, crypto: { ...GETH_AAA.crypto, cipher: 'aes-128-cbc' } }), /crypto\.cipher is "aes-128-cbc"; allowed: aes-128-ctr/],
      [JSON.stringify({ ...GETH_AAA, crypto: { ...GETH_AAA.crypto, ciphertext: 'zz' } }), /crypto\.ciphertext is not hex bytes/],
      [JSON.stringify({ ...GETH_AAA, crypto: { ...GETH_AAA.crypto, kdfparams: { ...GETH_AAA.crypto.kdfparams, n: 6 } } }), /kdfparams\.n is 6; allowed: a power of 2/],
      [JSON.stringify({ ...GETH_AAA, crypto: { ...GETH_AAA.crypto, kdfparams: { ...GETH_AAA.crypto.kdfparams, n: 2 ** 30 } } }), /needs \d+ bytes; allowed: at most/],
      [JSON.stringify({ ...GETH_AAA, address: '0000000000000000000000000000000000000001' }), /states address 0x0{39}1 but holds the key of 0x7EF5/i],
    ];
    for (const [content, expected] of cases) {
      const path = file(content);
      const error = await rejection(() => loadHotKey(config({ ORION_KEYSTORE: path, ORION_KEYSTORE_PASSWORD_FILE: file('foobar') })));
      expect(error, content).toBeInstanceOf(MalformedKeystoreError);
      expect(error.message, content).toMatch(expected);
      expect(error.message.startsWith(`ORION_KEYSTORE=${path}: `), content).toBe(true);
    }
  });

  it('a keystore or password file that cannot be read', async () => {
    const error = await rejection(() => loadHotKey(config({ ORION_KEYSTORE: join(dir, 'absent.json'), ORION_KEYSTORE_PASSWORD_FILE: file('x') })));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^ORION_KEYSTORE=.*absent\.json: cannot read the file \(ENOENT\)/);
  });

  it('no hot key configured: MissingKeyError naming both ways to set one', async () => {
    const error = await rejection(() => loadHotKey(config({})));
    expect(error).toBeInstanceOf(MissingKeyError);
    expect(error.message).toMatch(/ORION_PRIVATE_KEY or ORION_KEYSTORE/);
    expect(keyConfigured(config({}), 'hot')).toBe(false);
  });
});

describe('the two roles', () => {
  it('ORION_PRIVATE_KEY gives the account of that key; the owner key is separate and optional', async () => {
    const hotOnly = config({ ORION_PRIVATE_KEY: ANVIL_0_KEY });
    expect((await loadHotKey(hotOnly)).address.toLowerCase()).toBe(ANVIL_0);
    expect(await loadOwnerKey(hotOnly)).toBeUndefined();
    const owner = await loadOwnerKey(config({ ORION_OWNER_KEYSTORE: file(JSON.stringify(GETH_AAA)), ORION_OWNER_KEYSTORE_PASSWORD_FILE: file('foobar') }));
    expect(owner?.address.toLowerCase()).toBe(`0x${GETH_AAA.address}`);
  });
});

describe('key settings in the config', () => {
  const failure = (env: Record<string, string>): ConfigError => {
    try {
      config(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('a malformed private key is refused without repeating it', () => {
    const bad = `${ANVIL_0_KEY.slice(0, -1)}g`;
    const error = failure({ ORION_PRIVATE_KEY: bad });
    expect(error.message).toMatch(/ORION_PRIVATE_KEY=\(hidden, 66 characters\) is not 32 bytes of hex/);
    expect(error.message).not.toContain(bad.slice(2, 20));
    expect(failure({ ORION_OWNER_KEY: `0x${'0'.repeat(64)}` }).message).toMatch(/outside the secp256k1 key range/);
  });

  it('a key from two places, or a keystore without its password file, is refused', () => {
    expect(failure({ ORION_PRIVATE_KEY: ANVIL_0_KEY, ORION_KEYSTORE: 'k.json', ORION_KEYSTORE_PASSWORD_FILE: 'p' }).message).toMatch(/ORION_PRIVATE_KEY=.* and ORION_KEYSTORE are both set/);
    expect(failure({ ORION_OWNER_KEYSTORE: 'k.json' }).message).toMatch(/ORION_OWNER_KEYSTORE="k.json" is set without ORION_OWNER_KEYSTORE_PASSWORD_FILE/);
    expect(failure({ ORION_KEYSTORE_PASSWORD_FILE: 'p' }).message).toMatch(/set without ORION_KEYSTORE;/);
  });

  it('keystore paths resolve against the working directory; a key in the config file is refused', () => {
    expect(config({ ORION_KEYSTORE: 'k.json', ORION_KEYSTORE_PASSWORD_FILE: 'p' }).keystore).toBe(join(dir, 'k.json'));
    const path = file(JSON.stringify({ privateKey: ANVIL_0_KEY }));
    expect(() => loadConfig({}, { cwd: dir, configFile: path })).toThrow(/privateKey is a secret and may not be in the file/);
  });
});
