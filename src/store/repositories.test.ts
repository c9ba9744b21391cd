import { expect, it } from 'vitest';
import { createCheckpointRepository } from './checkpoint-repository.ts';
import { createSettingsRepository } from './settings-repository.ts';
import { forEachBackend } from './test-store.ts';

const HASH_A = `0x${'ab'.repeat(32)}`;
const HASH_B = `0x${'0C'.repeat(32)}`;

forEachBackend('settings repository', (db) => {
  it('sets, reads, replaces, lists and deletes JSON values', async () => {
    const settings = createSettingsRepository(db.store);
    expect(await settings.get('limits')).toBeUndefined();
    const value = { maxSize: '115792089237316195423570985008687907853269984665640564039457584007913129639935', tokens: ['WETH', 'USDC'], on: true, ratio: 0.25 };
    const first = await settings.set('limits', value);
    expect(first.value).toEqual(value);
    expect(first.updatedAt).toBeInstanceOf(Date);
    await settings.set('mode', 'sim');
    const replaced = await settings.set('limits', { maxSize: '1' });
    expect((await settings.get('limits'))?.value).toEqual({ maxSize: '1' });
    expect(replaced.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    expect((await settings.list()).map((s) => [s.key, s.value])).toEqual([
      ['limits', { maxSize: '1' }],
      ['mode', 'sim'],
    ]);
    expect(await settings.delete('mode')).toBe(true);
    expect(await settings.delete('mode')).toBe(false);
    expect(await settings.get('mode')).toBeUndefined();
  });

  it('refuses values JSON cannot hold exactly, naming the path', async () => {
    const settings = createSettingsRepository(db.store);
    await expect(settings.set('bad', { amount: 5n } as never)).rejects.toThrow(/setting bad.amount: 5n is a bigint; store amounts as decimal strings/);
    await expect(settings.set('bad', [1, Number.NaN])).rejects.toThrow(/setting bad\[1\]: NaN is not a JSON number/);
    await expect(settings.set('bad', { at: new Date() } as never)).rejects.toThrow(/setting bad.at: a Date is not a JSON value/);
    expect(await settings.get('bad')).toBeUndefined();
  });
});

forEachBackend('checkpoint repository', (db) => {
  it('saves and reads a checkpoint with a uint256 block number exactly', async () => {
    const checkpoints = createCheckpointRepository(db.store);
    expect(await checkpoints.get(31337)).toBeUndefined();
    const saved = await checkpoints.save({ chainId: 31337, blockNumber: 2n ** 256n - 1n, blockHash: HASH_B });
    expect(saved).toMatchObject({ chainId: 31337, blockNumber: 2n ** 256n - 1n, blockHash: HASH_B.toLowerCase() });
    expect(await checkpoints.get(31337)).toEqual(saved);
  });

  it('moves a checkpoint backwards (reorg) and keeps chains apart', async () => {
    const checkpoints = createCheckpointRepository(db.store);
    await checkpoints.save({ chainId: 31337, blockNumber: 100n, blockHash: HASH_A });
    await checkpoints.save({ chainId: 42161, blockNumber: 268_000_000n, blockHash: HASH_B });
    const rewound = await checkpoints.save({ chainId: 31337, blockNumber: 98n, blockHash: HASH_B });
    expect(rewound.blockNumber).toBe(98n);
    expect((await checkpoints.get(42161))?.blockNumber).toBe(268_000_000n);
    expect(await checkpoints.delete(42161)).toBe(true);
    expect(await checkpoints.get(42161)).toBeUndefined();
  });

  it('rejects a bad hash, a negative block or a bad chain id, naming the value', async () => {
    const checkpoints = createCheckpointRepository(db.store);
    await expect(checkpoints.save({ chainId: 1, blockNumber: 1n, blockHash: '0x1234' })).rejects.toThrow(/checkpoint of chain 1: block hash "0x1234" is not 32 bytes of hex/);
    await expect(checkpoints.save({ chainId: 1, blockNumber: -1n, blockHash: HASH_A })).rejects.toThrow(/block number -1 is negative/);
    await expect(checkpoints.save({ chainId: 0, blockNumber: 1n, blockHash: HASH_A })).rejects.toThrow(/chain id 0 is not a positive integer/);
    // The table refuses what the repository would, even from raw SQL.
    await expect(db.store.query('insert into chain_checkpoint (chain_id, block_number, block_hash) values (1, 1, $1)', ['0xnothex'])).rejects.toThrow(/check constraint/);
    expect(await checkpoints.get(1)).toBeUndefined();
  });

  it('commits both repositories in one transaction, or neither', async () => {
    const failure = new Error('crash between the two writes');
    await expect(
      db.store.transaction(async (tx) => {
        await createCheckpointRepository(tx).save({ chainId: 10, blockNumber: 5n, blockHash: HASH_A });
        await createSettingsRepository(tx).set('synced', true);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await createCheckpointRepository(db.store).get(10)).toBeUndefined();
    expect(await createSettingsRepository(db.store).get('synced')).toBeUndefined();

    await db.store.transaction(async (tx) => {
      await createCheckpointRepository(tx).save({ chainId: 10, blockNumber: 5n, blockHash: HASH_A });
      await createSettingsRepository(tx).set('synced', true);
    });
    expect((await createCheckpointRepository(db.store).get(10))?.blockNumber).toBe(5n);
    expect((await createSettingsRepository(db.store).get('synced'))?.value).toBe(true);
  });
});
