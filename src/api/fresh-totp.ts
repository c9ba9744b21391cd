import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import { Forbidden } from '../auth/errors.ts';

/** Header carrying a fresh TOTP code for actions that move money or change mode. */
export const TOTP_HEADER = 'x-totp-code';

/**
 * Checks that the caller is a user with MFA and sent a fresh TOTP code (header `X-TOTP-Code`
 * or body field `totp`) not used before; otherwise 403, audited. API keys cannot pass: such
 * actions need a person. The account's role is checked again as it is now (a demoted admin's
 * access token still claims admin until it expires). Call it first in the handler of every route that moves money or
 * changes mode, or use `freshTotpPreHandler(action)` in the route options.
 */
export async function requireFreshTotp(request: FastifyRequest, action: string): Promise<void> {
  const principal = request.principal;
  if (principal?.kind !== 'user') throw new Forbidden(`${action} needs a signed-in user with MFA and a fresh TOTP code; API keys cannot do it`);
  const header = request.headers[TOTP_HEADER];
  const body = request.body as { totp?: unknown } | undefined;
  const code = typeof header === 'string' ? header : typeof body?.totp === 'string' ? body.totp : undefined;
  await request.server.services.get().auth.requireFreshTotp(principal.userId, code, action, { ip: request.ip }, request.routeOptions.config.permission);
}

/** `requireFreshTotp` as a route preHandler. */
export function freshTotpPreHandler(action: string): preHandlerHookHandler {
  return async (request) => requireFreshTotp(request, action);
}
