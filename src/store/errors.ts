import { RuntimeFault } from '../errors.ts';

/** A database fault: a failed query (with the SQL named), a closed store, a bad value at the edge. */
export class StoreError extends RuntimeFault {}

/**
 * The PGlite folder is held by another opener (another process, or an earlier open in this
 * one). PGlite is one process's database: two writers on one folder corrupt it.
 */
export class StoreLockedError extends StoreError {
  /** The locked data folder. */
  readonly folder: string;
  /** Process id of the holder. */
  readonly holderPid: number;

  constructor(folder: string, holderPid: number, sameProcess: boolean, otherHost?: string) {
    super(
      sameProcess
        ? `database folder ${folder} is already open in this process (pid ${holderPid}); share that store instead of opening it twice`
        : otherHost !== undefined
          ? `database folder ${folder} is locked by process ${holderPid} on host ${otherHost} (another machine or container on this volume), which touched the lock within the last minute; stop it, go through its API, or use PostgreSQL (DATABASE_URL) to share the data`
          : `database folder ${folder} is locked by process ${holderPid} (a running Orion server?); stop it, go through its API, or use PostgreSQL (DATABASE_URL) to share the data`,
      { details: otherHost === undefined ? { folder, holderPid } : { folder, holderPid, host: otherHost } },
    );
    this.folder = folder;
    this.holderPid = holderPid;
  }
}

/** Migrations cannot be applied: an applied file was edited, a version is unknown or duplicated. */
export class MigrationError extends StoreError {}
