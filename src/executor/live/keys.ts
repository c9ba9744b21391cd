import { readFile } from 'node:fs/promises';
import type { Address, LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Config } from '../../config.ts';
import { ConfigError, InputError } from '../../errors.ts';
import { decryptKeystore, MalformedKeystoreError } from './keystore.ts';
import { nativeSigningAccount } from './native-signing.ts';

/**
 * The platform's two signing keys, as viem `LocalAccount`s:
 * - the **hot key** signs executions in live mode: `ORION_PRIVATE_KEY`, or the keystore
 *   `ORION_KEYSTORE` opened with the password in `ORION_KEYSTORE_PASSWORD_FILE`;
 * - the **owner key** signs contract controls (pause, withdraw, allow an executor) and nothing
 *   else: `ORION_OWNER_KEY` or `ORION_OWNER_KEYSTORE` (+ its password file). Trading never needs it.
 *
 * Both sign transactions natively where the add-ons load (native-signing.ts: the same bytes
 * as viem's, several times faster). The only module that turns configured key material into
 * an account. Only src/executor/live/ and the
 * contract controls import it (src/executor/sim-imports.test.ts holds the sim executor away).
 * Every failure is one InputError naming the variable and the file, never the key or password;
 * no account exists until the key has fully checked out.
 */

/** The config fields this module reads. */
export type KeyConfig = Pick<Config, 'privateKey' | 'keystore' | 'keystorePasswordFile' | 'ownerKey' | 'ownerKeystore' | 'ownerKeystorePasswordFile'>;

export type KeyRole = 'hot' | 'owner';

const SOURCES = {
  hot: { key: 'privateKey', keyEnv: 'ORION_PRIVATE_KEY', keystore: 'keystore', keystoreEnv: 'ORION_KEYSTORE', passwordFile: 'keystorePasswordFile', passwordEnv: 'ORION_KEYSTORE_PASSWORD_FILE' },
  owner: {
    key: 'ownerKey',
    keyEnv: 'ORION_OWNER_KEY',
    keystore: 'ownerKeystore',
    keystoreEnv: 'ORION_OWNER_KEYSTORE',
    passwordFile: 'ownerKeystorePasswordFile',
    passwordEnv: 'ORION_OWNER_KEYSTORE_PASSWORD_FILE',
  },
} as const;

/** The hot key is not configured at all (live mode cannot start without it). */
export class MissingKeyError extends ConfigError {}

/** Whether a key of `role` is configured (it may still fail to open). */
export function keyConfigured(config: KeyConfig, role: KeyRole): boolean {
  const source = SOURCES[role];
  return config[source.key] !== undefined || config[source.keystore] !== undefined;
}

/** Where the key of `role` comes from, for messages: `ORION_KEYSTORE=/path` or `ORION_PRIVATE_KEY`. */
export function keySource(config: KeyConfig, role: KeyRole): string {
  const source = SOURCES[role];
  if (config[source.keystore] !== undefined) return `${source.keystoreEnv}=${config[source.keystore]}`;
  if (config[source.key] !== undefined) return source.keyEnv;
  return 'none';
}

/** The hot key's account; a MissingKeyError when none is configured, an InputError when it cannot be opened. */
export async function loadHotKey(config: KeyConfig): Promise<LocalAccount> {
  const account = await loadKey(config, 'hot');
  if (account === undefined) {
    throw new MissingKeyError('no hot key: live mode signs with ORION_PRIVATE_KEY or ORION_KEYSTORE (+ ORION_KEYSTORE_PASSWORD_FILE); allowed: set one of them');
  }
  return account;
}

/** The contract owner's account, or undefined when no owner key is configured (contract controls are then unavailable). */
export async function loadOwnerKey(config: KeyConfig): Promise<LocalAccount | undefined> {
  return loadKey(config, 'owner');
}

async function loadKey(config: KeyConfig, role: KeyRole): Promise<LocalAccount | undefined> {
  const source = SOURCES[role];
  const raw = config[source.key];
  if (raw !== undefined) return nativeSigningAccount(raw);
  const keystore = config[source.keystore];
  if (keystore === undefined) return undefined;
  const passwordFile = config[source.passwordFile];
  if (passwordFile === undefined) {
    throw new ConfigError(`${source.keystoreEnv}=${keystore} is set without ${source.passwordEnv}; allowed: the keystore together with the file holding its password`);
  }
  const label = `${source.keystoreEnv}=${keystore}`;
  const json = await readText(keystore, label);
  const password = firstLine(await readText(passwordFile, `${source.passwordEnv}=${passwordFile}`));
  const key = await decryptKeystore(json, password, label);
  const account = nativeSigningAccount(key);
  checkStatedAddress(json, account.address, label);
  return account;
}

/** A keystore that states an address must hold that address's key (a mismatch is a corrupt or swapped file). */
function checkStatedAddress(json: string, actual: `0x${string}`, label: string): void {
  const stated = (JSON.parse(json) as { address?: unknown }).address;
  if (typeof stated !== 'string') return;
  const normalised = stated.toLowerCase().replace(/^0x/, '');
  if (normalised !== actual.toLowerCase().slice(2)) {
    throw new MalformedKeystoreError(`${label}: the keystore states address 0x${normalised} but holds the key of ${actual}; allowed: a keystore whose key matches its address`);
  }
}

/** The password is the file's first line, as geth's --password and cast's --password-file read it. */
function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

async function readText(path: string, label: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError(`${label}: cannot read the file (${code}); allowed: a readable file`, { details: { path } });
  }
}

/**
 * The relay reputation key (ORION_RELAY_AUTH_KEY) that signs bundle relay requests: it holds no
 * funds and is never the hot key (a relay would then learn which account trades).
 */
export function loadRelayAuthKey(config: Pick<Config, 'relayAuthKey'>, hotKey: Address): LocalAccount {
  if (config.relayAuthKey === undefined) throw new MissingKeyError('ORION_SUBMIT=bundle needs ORION_RELAY_AUTH_KEY: the separate key that signs relay requests (X-Flashbots-Signature)');
  const account = privateKeyToAccount(config.relayAuthKey);
  if (account.address.toLowerCase() === hotKey.toLowerCase()) {
    throw new ConfigError(`ORION_RELAY_AUTH_KEY is the hot key ${hotKey}; allowed: a separate key that holds no funds (the relay reputation key)`);
  }
  return account;
}
