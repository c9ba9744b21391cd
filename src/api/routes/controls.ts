import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { InputError } from '../../errors.ts';
import { TokenDirectory } from '../../format/symbols.ts';
import { describeEntry, flattenLimits } from '../../orchestrator/limits.ts';
import type { KillSwitchState } from '../../orchestrator/protection.ts';
import type { LimitsVersion } from '../../risk-controls/limits-repository.ts';
import type { Actor, Protections } from '../../risk-controls/protections-service.ts';
import { BadRequest } from '../../auth/errors.ts';
import { ServiceUnavailable } from '../services.ts';
import { guarded } from '../schemas/common.ts';

/** Options of the control routes: the running protections (undefined while the engine boots) and the market's tokens. */
export interface ControlRoutesOptions {
  protections?: () => Protections | undefined;
  tokens?: () => TokenDirectory;
}

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Entry = Type.Object({ key: Type.String(), value: Type.String(), shown: Type.Object({ key: Type.String(), value: Type.String() }) });
const LimitsBody = Type.Object({
  version: Type.Integer(), actor: Type.String(), comment: Nullable(Type.String()), changedAt: Type.String(),
  limits: Type.Array(Entry, { description: 'every limit: raw key and value (amounts in base units), and as a person reads it (token units, symbols)' }),
  changes: Type.Array(Type.Object({
    key: Type.String(), old: Nullable(Type.String()), new: Nullable(Type.String()),
    shown: Type.Object({ key: Type.String(), old: Type.String(), new: Type.String() }, { description: 'the change as a person reads it (token units, symbols)' }),
  })),
});
const SetLimitsBody = Type.Object({
  set: Type.Array(Type.String({ minLength: 3, maxLength: 300, pattern: '^[^=]+=.+$' }), { minItems: 1, maxItems: 50, description: 'KEY=VALUE assignments, as `orion limits set` takes them (amounts in token units: max_input.WETH=50)' }),
  comment: Type.Optional(Type.String({ maxLength: 500 })),
  expectVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'refuse (409) unless this is still the version in force' })),
}, { additionalProperties: false });
const RollbackBody = Type.Object({ version: Type.Integer({ minimum: 1 }), comment: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
const HistoryQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })) }, { additionalProperties: false });
const ReasonBody = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500 }) }, { additionalProperties: false });
/** The breakers whose trips hold until re-armed (src/risk-controls). */
const BreakerParams = Type.Object({ breaker: Type.Union([Type.Literal('daily-loss'), Type.Literal('revert-breaker')]) });
const RearmedBody = Type.Object({ breaker: Type.String(), by: Type.String(), reason: Type.String(), at: Type.String() });
const KillSwitchBody = Type.Object({ engaged: Type.Boolean(), reason: Type.String(), actor: Type.String(), via: Type.String(), at: Type.Union([Type.String(), Type.Null()]) });

/** A version of the limits for people and machines. */
function limitsBody(version: LimitsVersion, tokens: TokenDirectory): Static<typeof LimitsBody> {
  return {
    version: version.version, actor: version.actor, comment: version.comment, changedAt: version.changedAt.toISOString(),
    limits: [...flattenLimits(version.limits)].map(([key, value]) => ({ key, value, shown: describeEntry(key, value, tokens) })),
    changes: version.changes.map((change) => {
      const before = describeEntry(change.key, change.old, tokens);
      const after = describeEntry(change.key, change.new, tokens);
      return { ...change, shown: { key: after.key, old: before.value, new: after.value } };
    }),
  };
}

function killSwitchBody(state: KillSwitchState | null): Static<typeof KillSwitchBody> {
  return state === null ? { engaged: false, reason: '', actor: '', via: '', at: null } : { engaged: state.engaged, reason: state.reason, actor: state.actor, via: state.via, at: state.at.toISOString() };
}

/** The caller as the protections record them: their pseudonym, through the API. */
function actorOf(request: FastifyRequest): Actor {
  return { name: request.principal?.pseudonym ?? 'unknown', via: 'api' };
}

/**
 * Runs an operator's change on the protections in force; a value the rules refuse is a 400 saying
 * why. An engine that restarts meanwhile (a new mode session) opens new protections, which read
 * the stored state when they open: if that happened while this change was being written, the
 * protections now in force read it again, so the change is not lost to them.
 */
async function change<T>(protections: () => Protections, work: (protections: Protections) => Promise<T>): Promise<T> {
  const used = protections();
  let result: T;
  try {
    result = await work(used);
  } catch (error) {
    if (error instanceof InputError && !('statusCode' in error)) throw new BadRequest(error.message, { cause: error });
    throw error;
  }
  const current = protections();
  if (current !== used) await current.refresh();
  return result;
}

/**
 * The protections' operator routes (src/risk-controls): `limits` (read by everyone; set and
 * rolled back by risk and admin, each a new version, audited by the service), its history, and
 * the kill switch (engaged by trader and up, released by risk and admin). 503 while the engine
 * boots (the protections open with its mode session).
 */
export const controlRoutes: FastifyPluginAsync<ControlRoutesOptions> = async (app, options) => {
  const protections = (): Protections => {
    app.services.get();
    const running = options.protections?.();
    if (running === undefined) throw new ServiceUnavailable('the protections are not running yet (the engine is starting); retry shortly');
    return running;
  };
  const tokens = (): TokenDirectory => options.tokens?.() ?? new TokenDirectory([]);
  const tags = ['controls'];

  app.get('/limits', { config: { permission: 'read' }, schema: { tags, summary: 'The limits in force', response: guarded({ 200: LimitsBody }) } }, async () => limitsBody(protections().limits(), tokens()));

  app.put<{ Body: Static<typeof SetLimitsBody> }>(
    '/limits',
    { config: { permission: 'limits.write' }, schema: { tags, summary: 'Change limits (KEY=VALUE, as orion limits set): a new version, audited', body: SetLimitsBody, response: guarded({ 200: LimitsBody }, 409) } },
    async (request) => {
      const b = request.body;
      const version = await change(protections, (p) => p.setLimits(b.set, actorOf(request), b.comment ?? null, b.expectVersion));
      return limitsBody(version, tokens());
    },
  );

  app.get<{ Querystring: Static<typeof HistoryQuery> }>(
    '/limits/history',
    { config: { permission: 'read' }, schema: { tags, summary: 'Versions of the limits, newest first, with what each changed', querystring: HistoryQuery, response: guarded({ 200: Type.Object({ versions: Type.Array(LimitsBody) }) }) } },
    async (request) => ({ versions: (await protections().history(request.query.limit ?? 20)).map((v) => limitsBody(v, tokens())) }),
  );

  app.post<{ Body: Static<typeof RollbackBody> }>(
    '/limits/rollback',
    { config: { permission: 'limits.write' }, schema: { tags, summary: 'Put an earlier version of the limits back in force (as a new version), audited', body: RollbackBody, response: guarded({ 200: LimitsBody }, 404) } },
    async (request) => limitsBody(await change(protections, (p) => p.rollbackLimits(request.body.version, actorOf(request), request.body.comment ?? null)), tokens()),
  );

  app.get('/controls/kill-switch', { config: { permission: 'read' }, schema: { tags, summary: 'The kill switch: engaged or not, why, by whom', response: guarded({ 200: KillSwitchBody }) } },
    async () => {
      const state = protections().status().killSwitch;
      return state === null ? killSwitchBody(null) : { engaged: state.engaged, reason: state.reason, actor: state.actor, via: state.via, at: state.at };
    });

  app.post<{ Body: Static<typeof ReasonBody> }>(
    '/controls/kill-switch/engage',
    { config: { permission: 'kill-switch.engage' }, schema: { tags, summary: 'Engage the kill switch: nothing is planned or sent until released (trader and up), audited', body: ReasonBody, response: guarded({ 200: KillSwitchBody }) } },
    async (request) => killSwitchBody(await change(protections, (p) => p.engageKillSwitch(request.body.reason, actorOf(request)))),
  );

  app.post<{ Body: Static<typeof ReasonBody> }>(
    '/controls/kill-switch/release',
    { config: { permission: 'kill-switch.release' }, schema: { tags, summary: 'Release the kill switch (risk and admin), audited', body: ReasonBody, response: guarded({ 200: KillSwitchBody }) } },
    async (request) => killSwitchBody(await change(protections, (p) => p.releaseKillSwitch(request.body.reason, actorOf(request)))),
  );

  app.post<{ Params: Static<typeof BreakerParams>; Body: Static<typeof ReasonBody> }>(
    '/controls/breakers/:breaker/rearm',
    { config: { permission: 'breaker.rearm' }, schema: { tags, summary: 'Re-arm a tripped breaker (risk and admin): the daily loss then counts afresh; audited', params: BreakerParams, body: ReasonBody, response: guarded({ 200: RearmedBody }) } },
    async (request) => {
      const actor = actorOf(request);
      await change(protections, (p) => p.rearm(request.params.breaker, request.body.reason, actor));
      return { breaker: request.params.breaker, by: actor.name, reason: request.body.reason, at: new Date().toISOString() };
    },
  );
};
