import { StoreError } from './errors.ts';
import { toBigInt } from './normalise.ts';
import type { Queryable } from './types.ts';

/** Where the chain monitor resumes: the last fully processed block of a chain. */
export interface ChainCheckpoint {
  chainId: number;
  blockNumber: bigint;
  /** Lower-case 0x-prefixed 32-byte hash. */
  blockHash: `0x${string}`;
  updatedAt: Date;
}

/** Reads and writes chain checkpoints; pass the store or a transaction. */
export interface CheckpointRepository {
  get(chainId: number): Promise<ChainCheckpoint | undefined>;
  /** Inserts or moves the checkpoint of `chainId` (backwards too: a reorg rewinds it). */
  save(checkpoint: { chainId: number; blockNumber: bigint; blockHash: string }): Promise<ChainCheckpoint>;
  /** Removes the checkpoint; false if there was none. */
  delete(chainId: number): Promise<boolean>;
}

interface CheckpointRow {
  chain_id: bigint;
  block_number: bigint;
  block_hash: `0x${string}`;
  updated_at: Date;
  [column: string]: unknown;
}

const COLUMNS = 'chain_id, block_number, block_hash, updated_at';
const AS_BIGINT = { bigint: ['block_number'] } as const;

const toCheckpoint = (row: CheckpointRow): ChainCheckpoint => ({
  chainId: Number(row.chain_id),
  blockNumber: row.block_number,
  blockHash: row.block_hash,
  updatedAt: row.updated_at,
});

function checkChainId(chainId: number): void {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new StoreError(`chain id ${chainId} is not a positive integer`);
}

/** The checkpoint repository over `db` (a Store, or the tx of a transaction). */
export function createCheckpointRepository(db: Queryable): CheckpointRepository {
  return {
    async get(chainId) {
      checkChainId(chainId);
      const { rows } = await db.query<CheckpointRow>(`select ${COLUMNS} from chain_checkpoint where chain_id = $1`, [chainId], AS_BIGINT);
      return rows[0] === undefined ? undefined : toCheckpoint(rows[0]);
    },
    async save({ chainId, blockNumber, blockHash }) {
      checkChainId(chainId);
      const number = toBigInt(blockNumber, `checkpoint of chain ${chainId}: block number`);
      if (number < 0n) throw new StoreError(`checkpoint of chain ${chainId}: block number ${number} is negative`);
      if (!/^0x[0-9a-fA-F]{64}$/.test(blockHash)) throw new StoreError(`checkpoint of chain ${chainId}: block hash ${JSON.stringify(blockHash)} is not 32 bytes of hex`);
      const { rows } = await db.query<CheckpointRow>(
        `insert into chain_checkpoint (chain_id, block_number, block_hash) values ($1, $2, $3)
         on conflict (chain_id) do update set block_number = excluded.block_number, block_hash = excluded.block_hash, updated_at = now()
         returning ${COLUMNS}`,
        [chainId, number, blockHash.toLowerCase()],
        AS_BIGINT,
      );
      return toCheckpoint(rows[0] as CheckpointRow);
    },
    async delete(chainId) {
      checkChainId(chainId);
      return (await db.query('delete from chain_checkpoint where chain_id = $1', [chainId])).rowCount > 0;
    },
  };
}
