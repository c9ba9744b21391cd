import fc from 'fast-check';
import { getAddress, keccak256, parseTransaction, recoverTransactionAddress, type Hex, type SerializeTransactionFn, type TransactionSerializable, type TransactionSerializableEIP1559 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { testSeed } from '../../../test/test-seed.ts';
import { leanEip1559 } from './eip1559-rlp.ts';
import { keccakHex, nativeSigning, nativeSigningAccount, signerOf, signWithHash } from './native-signing.ts';

const hex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString('hex')}`;
const key = fc.uint8Array({ minLength: 32, maxLength: 32 })
  // A valid secp256k1 key: not zero, below the group order (a random 32 bytes nearly always is).
  .filter((b) => b.some((x) => x !== 0) && BigInt(hex(b)) < 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n)
  .map(hex);
const transaction: fc.Arbitrary<TransactionSerializableEIP1559> = fc.record({
  chainId: fc.integer({ min: 1, max: 2 ** 31 }),
  nonce: fc.integer({ min: 0, max: 2 ** 40 }),
  to: fc.uint8Array({ minLength: 20, maxLength: 20 }).map(hex),
  data: fc.uint8Array({ maxLength: 2_000 }).map(hex),
  gas: fc.bigInt({ min: 21_000n, max: 2n ** 64n - 1n }),
  value: fc.bigInt({ min: 0n, max: 2n ** 128n }),
  maxPriorityFeePerGas: fc.bigInt({ min: 0n, max: 2n ** 100n }),
  feeAboveTip: fc.bigInt({ min: 0n, max: 2n ** 128n }),
}).map(({ feeAboveTip, ...t }) => ({ ...t, maxFeePerGas: t.maxPriorityFeePerGas + feeAboveTip, type: 'eip1559' as const }));
/**
 * The shapes the byte path must write as viem does, and those it must leave to viem's serializer:
 * optional fields absent or zero, a mixed-case (checksummed) `to`, an access list, a creation.
 */
const variedTransaction: fc.Arbitrary<TransactionSerializableEIP1559> = fc.tuple(
  transaction,
  fc.record({
    dropData: fc.boolean(), dropValue: fc.boolean(), dropNonce: fc.boolean(), zeroFees: fc.boolean(), checksummed: fc.boolean(), create: fc.nat(9), accessList: fc.nat(9),
    slot: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex),
  }),
).map(([tx, v]) => {
  const out: TransactionSerializableEIP1559 = { ...tx };
  if (v.dropData) delete out.data;
  if (v.dropValue) delete out.value;
  if (v.dropNonce) out.nonce = 0;
  if (v.zeroFees) Object.assign(out, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
  if (v.checksummed) out.to = getAddress(out.to!);
  if (v.create === 0) delete out.to;
  if (v.accessList === 0) out.accessList = [{ address: tx.to!, storageKeys: [v.slot] }];
  return out;
});

const signatures = (): number => {
  const state = nativeSigning();
  return state.available ? state.signatures : Number.NaN;
};

describe('native signing of the hot key', () => {
  it('loads its native add-ons on this platform (linux-x64: the packages ship the binaries)', () => {
    expect(nativeSigning()).toMatchObject({ available: true });
  });

  it('signs every EIP-1559 transaction to the bytes viem signs, recoverable to the key\'s address', async () => {
    const seed = testSeed();
    const before = signatures();
    await fc.assert(fc.asyncProperty(key, transaction, async (privateKey, tx) => {
      const viemAccount = privateKeyToAccount(privateKey);
      const native = await nativeSigningAccount(privateKey).signTransaction(tx);
      expect(native).toBe(await viemAccount.signTransaction(tx));
      expect(await recoverTransactionAddress({ serializedTransaction: native as `0x02${string}` })).toBe(viemAccount.address);
      expect(keccakHex(native)).toBe(keccak256(native));
    }), { numRuns: 300, seed });
    // The native path signed them, not viem's behind it.
    expect(signatures() - before).toBe(300);
  });

  it('writes the bytes and hash viem writes for every shape, on the byte path where it applies and through viem\'s serializer where not', async () => {
    const seed = testSeed();
    const shapes = { lean: 0, viemSerialized: 0 };
    await fc.assert(fc.asyncProperty(key, variedTransaction, async (privateKey, tx) => {
      const viemAccount = privateKeyToAccount(privateKey);
      const expected = await viemAccount.signTransaction(tx);
      const signer = nativeSigningAccount(privateKey);
      shapes[leanEip1559(tx) ? 'lean' : 'viemSerialized'] += 1;
      expect(await signWithHash(signer, tx)).toEqual({ rawTx: expected, txHash: keccak256(expected) });
      expect(await signer.signTransaction(tx)).toBe(expected);
      // A viem account (no native key) through the same call: its own signature, hashed.
      expect(await signWithHash(viemAccount, tx)).toEqual({ rawTx: expected, txHash: keccak256(expected) });
    }), { numRuns: 300, seed });
    // Both paths were exercised (a creation or an access list is 1 in 10 each).
    expect(shapes.lean).toBeGreaterThan(150);
    expect(shapes.viemSerialized).toBeGreaterThan(20);
  });

  it('does with an odd field what viem does: refuses it with viem\'s error, or signs the same bytes', async () => {
    const privateKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
    const signer = nativeSigningAccount(privateKey);
    const viemAccount = privateKeyToAccount(privateKey);
    const base: TransactionSerializableEIP1559 = { type: 'eip1559', chainId: 1, nonce: 0, to: '0x90f79bf6eb2c4f870365e785982e1f101e93b906', gas: 21_000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n };
    const bad: TransactionSerializableEIP1559[] = [
      { ...base, maxPriorityFeePerGas: 3n }, // tip above the fee cap
      { ...base, to: '0x90F79bf6EB2c4f870365E785982E1f101E93b907' }, // a checksum that does not match
      { ...base, gas: -1n },
      { ...base, chainId: 0 },
    ];
    for (const tx of bad) {
      const viemError = await viemAccount.signTransaction(tx).then(() => null, (error: Error) => error.message);
      expect(viemError, JSON.stringify(tx, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).not.toBeNull();
      await expect(signWithHash(signer, tx)).rejects.toThrow(viemError!);
    }
    // Half a byte of data: viem pads it on the left; the byte path leaves it to viem's serializer.
    const odd: TransactionSerializableEIP1559 = { ...base, data: '0xabc' };
    expect(leanEip1559(odd)).toBe(false);
    expect((await signWithHash(signer, odd)).rawTx).toBe(await viemAccount.signTransaction(odd));
  });

  it('keeps a signature whose r or s starts with a zero byte at its minimal length, as viem does', async () => {
    const privateKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
    const viemAccount = privateKeyToAccount(privateKey);
    const signer = nativeSigningAccount(privateKey);
    // Found by walking nonces: about 1 in 128 transactions has such an r or s.
    let found = 0;
    for (let nonce = 0; found < 2 && nonce < 5_000; nonce++) {
      const tx: TransactionSerializableEIP1559 = { type: 'eip1559', chainId: 31337, nonce, to: viemAccount.address, gas: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n };
      const signed = await signer.signTransaction(tx);
      const { r, s } = parseTransaction(signed);
      if (BigInt(r!) >= 2n ** 248n && BigInt(s!) >= 2n ** 248n) continue;
      found += 1;
      expect(signed).toBe(await viemAccount.signTransaction(tx));
    }
    expect(found).toBe(2);
  });

  it('leaves what it does not cover to viem: other transaction types, a custom serializer, messages', async () => {
    const privateKey = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a';
    const viemAccount = privateKeyToAccount(privateKey);
    const signer = nativeSigningAccount(privateKey);
    const before = signatures();
    const legacy = { type: 'legacy', chainId: 1, nonce: 3, to: viemAccount.address, gas: 21_000n, gasPrice: 7n } as const;
    expect(await signer.signTransaction(legacy)).toBe(await viemAccount.signTransaction(legacy));
    // A serializer of its own (an OP-stack deposit, say) is the caller's business: viem signs what it writes.
    const serializer: SerializeTransactionFn<TransactionSerializable> = (_tx, signature) => (signature === undefined ? '0x1234' : `0x1234${signature.r.slice(2)}`);
    const eip1559: TransactionSerializableEIP1559 = { type: 'eip1559', chainId: 1, nonce: 0, gas: 21_000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n };
    const custom = await signer.signTransaction(eip1559, { serializer });
    expect(custom).toBe(await viemAccount.signTransaction(eip1559, { serializer }));
    expect(custom.startsWith('0x1234')).toBe(true);
    expect(await signer.signMessage({ message: 'orion' })).toBe(await viemAccount.signMessage({ message: 'orion' }));
    expect(signer.address).toBe(viemAccount.address);
    expect(signatures()).toBe(before);
    expect([signerOf(signer), signerOf(viemAccount)]).toEqual(['libsecp256k1', 'viem']);
  });
});
