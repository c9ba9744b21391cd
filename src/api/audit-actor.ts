import type { FastifyRequest } from 'fastify';

/** The audit actor (pseudonym) of the caller, and its address as erasable personal data. */
export function actorOf(request: FastifyRequest): { actor?: string; actorData: { ip: string } } {
  const principal = request.principal;
  return principal === undefined ? { actorData: { ip: request.ip } } : { actor: principal.pseudonym, actorData: { ip: request.ip } };
}
