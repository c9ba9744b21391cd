import { InputError, RuntimeFault } from '../../errors.ts';

/** A backup could not be written (disk full, unwritable folder, database fault): exit code 1. */
export class BackupError extends RuntimeFault {}

/**
 * A backup file is unusable or does not match what it claims (a table's checksum or row count,
 * a truncated file, an unknown format): refused before anything is written. Exit code 2.
 */
export class BackupFileError extends InputError {}

/** A restore was refused or failed (target not empty, schema mismatch, verification after load). */
export class RestoreError extends RuntimeFault {}
