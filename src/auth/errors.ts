import { InputError, OrionError } from '../errors.ts';

/**
 * Errors of the auth layer, each carrying the HTTP status the API answers with. Messages are
 * safe to show the caller: they never say whether a username exists.
 */

/** Credentials, token or code missing, wrong or expired: 401. */
export class Unauthenticated extends OrionError {
  readonly statusCode = 401;
}

/** Signed in, but the role or a missing fresh TOTP code does not allow it: 403. */
export class Forbidden extends OrionError {
  readonly statusCode = 403;
}

/** Too many failed logins for the account: 423 until `retryAfterSeconds` have passed. */
export class AccountLocked extends OrionError {
  readonly statusCode = 423;
  constructor(readonly retryAfterSeconds: number) {
    super(`account locked after too many failed logins; try again in ${retryAfterSeconds} s`, { details: { retryAfterSeconds } });
  }
}

/** A request that conflicts with the current state (a username taken): 409. */
export class Conflict extends OrionError {
  readonly statusCode = 409;
}

/** The named user or key does not exist: 404. */
export class NotFound extends OrionError {
  readonly statusCode = 404;
}

/** A well-formed request with a bad value (a weak password, an unknown role): 400. */
export class BadRequest extends InputError {
  readonly statusCode = 400;
}
