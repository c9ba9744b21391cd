import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { BadRequest, Conflict } from '../../auth/errors.ts';
import type { ModeActor, ModeService } from '../../mode/mode-service.ts';
import { ModeSwitchRefused, ValidationUnavailable } from '../../mode/mode-service.ts';
import { requireFreshTotp } from '../fresh-totp.ts';
import { Timestamp, guarded } from '../schemas/common.ts';
import { ServiceUnavailable } from '../services.ts';

/**
 * `/mode`: the mode service (src/mode) over HTTP. Anyone signed in reads the status; an admin
 * validates; a switch needs an admin, a fresh TOTP code and, to go live, the typed
 * confirmation `SWITCH TO LIVE`. The service records and audits validations and switches.
 */

/** The running instance's mode service; undefined while the chain boots (503). */
export type ModeProvider = () => ModeService | undefined;

/** What an operator types to confirm a switch to live. */
export const LIVE_CONFIRMATION = 'SWITCH TO LIVE';

const Mode = Type.Union([Type.Literal('sim'), Type.Literal('live')]);
const Counters = Type.Object({
  detected: Type.Integer(), planned: Type.Integer(), rejected: Type.Integer(), simulated: Type.Integer(), reverted: Type.Integer(),
  submitted: Type.Integer(), included: Type.Integer(), realized: Type.Integer(),
});
const ModeStatusBody = Type.Object({
  mode: Mode,
  since: Type.Union([Timestamp, Type.Null()]),
  switchedBy: Type.Union([Type.String(), Type.Null()]),
  session: Type.Union([Type.Object({ id: Type.String(), mode: Mode, chainId: Type.Integer(), startedAt: Timestamp, counters: Counters }), Type.Null()]),
  allowLive: Type.Boolean(),
  lastValidation: Type.Union([Type.Object({ at: Timestamp, passed: Type.Boolean(), failed: Type.Array(Type.String()) }), Type.Null()]),
});
const ValidationBody = Type.Object({
  id: Type.String(),
  passed: Type.Boolean(),
  checks: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() })),
  hotKey: Type.Union([Type.String(), Type.Null()]),
  chainId: Type.Union([Type.Integer(), Type.Null()]),
  at: Timestamp,
});
const SwitchBody = Type.Object({
  mode: Mode,
  confirmation: Type.Optional(Type.String({ maxLength: 64 })),
  totp: Type.Optional(Type.String({ maxLength: 16 })),
}, { additionalProperties: false });

/** Who acts, for the mode service's records. */
export function modeActor(request: FastifyRequest): ModeActor {
  const principal = request.principal;
  if (principal === undefined) return { label: 'unknown' };
  return { label: principal.kind === 'user' ? `user ${principal.userId}` : 'api key', pseudonym: principal.pseudonym };
}

export const modeRoutes: FastifyPluginAsync<{ mode: ModeProvider }> = async (app, options) => {
  const tags = ['mode'];
  const service = (): ModeService => {
    const found = options.mode();
    if (found === undefined) throw new ServiceUnavailable('the mode service starts once the chain is up; retry shortly');
    return found;
  };
  const refusedAs409 = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ModeSwitchRefused || error instanceof ValidationUnavailable) throw new Conflict(error.message);
      throw error;
    }
  };

  app.get('/mode', { config: { permission: 'read' }, schema: { tags, summary: 'The stored mode, its session and counters, the last validation', response: guarded({ 200: ModeStatusBody }) } }, async () =>
    service().status());

  app.post(
    '/mode/validate',
    { config: { permission: 'mode.switch' }, schema: { tags, summary: 'Run the pre-flight checks of live mode; each with its result', response: guarded({ 200: ValidationBody }, 409) } },
    async (request) => {
      const report = await refusedAs409(() => service().validate(modeActor(request)));
      return { ...report, id: report.id.toString(), hotKey: report.hotKey ?? null, chainId: report.chainId ?? null, at: report.at.toISOString() };
    },
  );

  app.post<{ Body: Static<typeof SwitchBody> }>(
    '/mode/switch',
    {
      config: { permission: 'mode.switch' },
      schema: { tags, summary: `Switch every instance's mode (fresh TOTP; to live also "${LIVE_CONFIRMATION}" typed, ORION_ALLOW_LIVE and a passing validation of the last minute)`, body: SwitchBody, response: guarded({ 200: ModeStatusBody }, 409) },
    },
    async (request) => {
      // The confirmation first: a request refused for it does not use up the caller's TOTP code.
      if (request.body.mode === 'live' && request.body.confirmation !== LIVE_CONFIRMATION) {
        throw new BadRequest(`switching to live needs the typed confirmation "${LIVE_CONFIRMATION}" in the confirmation field`);
      }
      await requireFreshTotp(request, `mode switch to ${request.body.mode}`);
      return refusedAs409(() => service().switch(request.body.mode, modeActor(request)));
    },
  );
};
