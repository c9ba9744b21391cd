import { createRequire } from 'node:module';
import { bytesToHex, hexToBytes, keccak256, serializeTransaction, toHex, type HDAccount, type Hex, type LocalAccount, type TransactionSerializable } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { leanEip1559, signedEip1559, unsignedEip1559 } from './eip1559-rlp.ts';

/**
 * The hot key's EIP-1559 signatures through libsecp256k1 and Keccak through XKCP (the native
 * add-ons of the `secp256k1` and `keccak` packages, loaded from their prebuilt binaries): ~85 µs
 * a transaction against ~0.41 ms for viem's pure-JavaScript signer warm, and 0.7–1.0 ms in the
 * engine, where it runs once a block between the head and the send (docs/BENCHMARKS.md).
 *
 * The bytes are viem's, byte for byte: both take the RFC 6979 nonce and the low-s form, so the
 * same transaction signs to the same raw transaction and hash either way (native-signing.test.ts
 * holds them equal over random transactions). Anything this path does not cover — another
 * transaction type, a custom serializer, messages, typed data — is viem's own account's. When a
 * binary does not load on the platform, everything is viem's (`nativeSigning().available`).
 */

interface Secp256k1Binding {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}
type KeccakBinding = (algorithm: 'keccak256') => { update(data: Buffer): { digest(): Buffer } };

const require = createRequire(import.meta.url);

/** The native add-ons, or why they are not in use. */
function loadBindings(): { secp256k1: Secp256k1Binding; keccak: KeccakBinding } | { unavailable: string } {
  try {
    // The packages' `bindings` entries throw when the binary is missing, where their main entries
    // would quietly fall back to JavaScript slower than viem's.
    return { secp256k1: require('secp256k1/bindings') as Secp256k1Binding, keccak: require('keccak/bindings') as KeccakBinding };
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
}

const bindings = loadBindings();
/** Transactions signed natively by this process (the live status shows which signer is at work). */
let nativeSignatures = 0;
/** The accounts made here that sign natively, with their keys. */
const nativeKeys = new WeakMap<LocalAccount, Uint8Array>();

/** Which signer `account`'s EIP-1559 transactions go through: libsecp256k1 here, or viem's JavaScript one. */
export function signerOf(account: LocalAccount): 'libsecp256k1' | 'viem' {
  return nativeKeys.has(account) ? 'libsecp256k1' : 'viem';
}

/** Whether signing is native here (and how many transactions it signed), or why it is not. */
export function nativeSigning(): { available: true; signatures: number } | { available: false; reason: string } {
  return 'unavailable' in bindings ? { available: false, reason: bindings.unavailable } : { available: true, signatures: nativeSignatures };
}

/** Keccak-256 of `bytes`, native (callers check `bindings` first). */
function keccakOf(keccak: KeccakBinding, bytes: Buffer): Buffer {
  return keccak('keccak256').update(bytes).digest();
}

/** Keccak-256 of `hex`'s bytes (a transaction's hash from its raw bytes), native when available. */
export function keccakHex(hex: Hex): Hex {
  if ('unavailable' in bindings) return keccak256(hex);
  return `0x${keccakOf(bindings.keccak, Buffer.from(hex.slice(2), 'hex')).toString('hex')}`;
}

/** A signed transaction and its hash. */
export interface SignedTransaction {
  rawTx: Hex;
  txHash: Hex;
}

/**
 * Signs `transaction` with `account` and hashes the result: the live executor's one call per
 * attempt. A native account's EIP-1559 transaction never goes through hex until its bytes are
 * final (`signNatively`); anything else is the account's `signTransaction`, hashed after.
 */
export async function signWithHash(account: LocalAccount, transaction: TransactionSerializable): Promise<SignedTransaction> {
  const key = nativeKeys.get(account);
  if (key !== undefined && transaction.type === 'eip1559') return signNatively(key, transaction);
  const rawTx = await account.signTransaction(transaction);
  return { rawTx, txHash: keccakHex(rawTx) };
}

/**
 * An EIP-1559 transaction signed through libsecp256k1 (only called for a key of `nativeKeys`,
 * which exist only when the add-ons loaded). A plain call is serialized, hashed and signed as
 * bytes (eip1559-rlp.ts) and hashed before it is turned into hex; one with an access list,
 * signature fields or a creation goes through viem's serializer around the same signature.
 */
function signNatively(key: Uint8Array, transaction: TransactionSerializable): SignedTransaction {
  if ('unavailable' in bindings) throw new Error(`native signing is unavailable: ${bindings.unavailable}`);
  const { secp256k1, keccak } = bindings;
  nativeSignatures += 1;
  if (leanEip1559(transaction)) {
    const { signature, recid } = secp256k1.ecdsaSign(keccakOf(keccak, unsignedEip1559(transaction)), key);
    const raw = signedEip1559(transaction, { rs: signature, yParity: recid });
    return { rawTx: `0x${raw.toString('hex')}`, txHash: `0x${keccakOf(keccak, raw).toString('hex')}` };
  }
  const unsigned = serializeTransaction(transaction);
  const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(keccakHex(unsigned)), key);
  const rawTx = serializeTransaction(transaction, { r: bytesToHex(signature.subarray(0, 32)), s: bytesToHex(signature.subarray(32, 64)), yParity: recid });
  return { rawTx, txHash: keccakHex(rawTx) };
}

/**
 * The account of `privateKey` (viem's), its EIP-1559 transactions signed natively when the
 * add-ons load. Every other use of the account is unchanged.
 */
export function nativeSigningAccount(privateKey: Hex): LocalAccount {
  const account = privateKeyToAccount(privateKey);
  if ('unavailable' in bindings) return account;
  const key = hexToBytes(privateKey);
  const signTransaction: LocalAccount['signTransaction'] = async (transaction, options) => {
    if (options?.serializer !== undefined || transaction.type !== 'eip1559') return account.signTransaction(transaction, options);
    return signNatively(key, transaction).rawTx;
  };
  const native: LocalAccount = { ...account, signTransaction };
  nativeKeys.set(native, key);
  return native;
}

/** `nativeSigningAccount` for an account derived from a mnemonic (the devnet's funded accounts). */
export function nativeSigningAccountOf(account: HDAccount): LocalAccount {
  const secret = account.getHdKey().privateKey;
  if (secret === null) throw new Error(`the HD account ${account.address} holds no private key`);
  return nativeSigningAccount(toHex(secret));
}
