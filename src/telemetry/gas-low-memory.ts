import { createSettingsRepository, type Queryable } from '../store/index.ts';

/**
 * What the operator was last told of a hot key's gas money: under the floor (`gas.low` sent) or
 * not. Kept in the database (`settings`, key `telemetry.gas-low.<account>`, value
 * `{ below, block }`) because `gas.low` fires once per crossing, and a restarted process that
 * only remembered in memory saw its first reading under the floor as a new crossing and sent it
 * again. Read once per account per process; written at each crossing.
 */
export interface GasLowMemory {
  /** Whether `account` was last reported under the floor; undefined when it never was reported. */
  read(account: string): Promise<boolean | undefined>;
  /** Records the side `account` was just reported on, and the block of the reading. */
  write(account: string, below: boolean, block: bigint): Promise<void>;
}

const keyOf = (account: string): string => `telemetry.gas-low.${account.toLowerCase()}`;

/** The memory in the `settings` table of `db`. */
export function gasLowMemoryIn(db: Queryable): GasLowMemory {
  const settings = createSettingsRepository(db);
  return {
    async read(account) {
      const stored = (await settings.get(keyOf(account)))?.value;
      if (stored === undefined) return undefined;
      const below = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? stored['below'] : undefined;
      if (typeof below !== 'boolean') throw new Error(`setting ${keyOf(account)} is not { below: boolean, block }: ${JSON.stringify(stored)}`);
      return below;
    },
    async write(account, below, block) {
      await settings.set(keyOf(account), { below, block: block.toString() });
    },
  };
}
