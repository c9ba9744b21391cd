/**
 * One base error for the whole project. `retryable` is decided by the type, never by
 * parsing a message: transient faults (an RPC timeout) are retried, everything else stops.
 */
export class OrionError extends Error {
  /** Machine-readable details (the offending input, the limit it broke). */
  readonly details: Readonly<Record<string, unknown>>;
  /** Whether the operation that raised this may succeed if simply tried again. */
  readonly retryable: boolean = false;

  constructor(message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? {};
  }
}

/** Bad input from a user or a file: the CLI maps it to exit code 2. */
export class InputError extends OrionError {}

/** The configuration (environment or orion.config.json) is invalid: boot stops. */
export class ConfigError extends InputError {}

/** A fault of the environment at run time (port in use, missing binary): exit code 1. */
export class RuntimeFault extends OrionError {}

/** A transient fault worth retrying (timeouts, 429, connection resets). */
export class RetryableError extends OrionError {
  override readonly retryable = true;
}
