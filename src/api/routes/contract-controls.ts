import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Conflict } from '../../auth/errors.ts';
import { ControlFailed, ControlNotYetMined, ControlRefused, OwnerKeyMissing, type ContractControl, type ControlResult } from '../../controls/contract-controls.ts';
import type { ModeActor } from '../../mode/mode-service.ts';
import type { OwnerController } from '../../controls/owner-controller.ts';
import { requireFreshTotp } from '../fresh-totp.ts';
import { guarded } from '../schemas/common.ts';
import { ServiceUnavailable } from '../services.ts';
import { modeActor } from './mode.ts';

/**
 * `/controls/contract/pause|unpause|withdraw`: the owner's controls of FlashArbExecutor
 * (src/controls) for an admin with a fresh TOTP code. Withdraw pays the contract's cold wallet,
 * the only recipient it has. Without an owner key on this instance, or while an earlier control's
 * transaction is sent and not yet mined: 409, nothing sent. Sent but no receipt in time: 202 with
 * the transaction's hash (recorded in the audit log before it was sent), never a bare 500.
 */

/** Runs a control with the instance's owner key; undefined while the chain boots (503). */
export type ContractController = () => OwnerController | undefined;

const ResultBody = Type.Object({
  control: Type.String(),
  executor: Type.String(),
  transaction: Type.String(),
  block: Type.String(),
  detail: Type.Record(Type.String(), Type.String()),
});
const SentBody = Type.Object({
  status: Type.Literal('sent, not yet mined'),
  control: Type.String(),
  executor: Type.String(),
  transaction: Type.String(),
  message: Type.String(),
});
const Totp = { totp: Type.Optional(Type.String({ maxLength: 16 })) };
const WithdrawBody = Type.Object({
  token: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' }),
  amount: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,77}$', description: 'base units (default: the whole balance)' })),
  ...Totp,
}, { additionalProperties: false });
const EmptyBody = Type.Object({ ...Totp }, { additionalProperties: false });

export const contractControlRoutes: FastifyPluginAsync<{ controller: ContractController }> = async (app, options) => {
  const tags = ['controls'];
  const config = { permission: 'contract.control' as const };
  const run = async (control: ContractControl, actor: ModeActor, reply: FastifyReply): Promise<ControlResult | FastifyReply> => {
    const controller = options.controller();
    if (controller === undefined) throw new ServiceUnavailable('contract controls start once the chain is up; retry shortly');
    try {
      return await controller(control, actor);
    } catch (error) {
      if (error instanceof OwnerKeyMissing || error instanceof ControlRefused || error instanceof ControlFailed) throw new Conflict(error.message);
      if (error instanceof ControlNotYetMined) {
        return reply.code(202).send({ status: 'sent, not yet mined', control: error.control, executor: error.executor, transaction: error.transaction, message: error.message });
      }
      throw error;
    }
  };

  for (const kind of ['pause', 'unpause'] as const) {
    app.post<{ Body: Static<typeof EmptyBody> }>(
      `/controls/contract/${kind}`,
      { config, schema: { tags, summary: kind === 'pause' ? 'Pause the executor contract (withdraw keeps working)' : 'Unpause the executor contract', body: EmptyBody, response: guarded({ 200: ResultBody, 202: SentBody }, 409) } },
      async (request, reply) => {
        await requireFreshTotp(request, `contract ${kind}`);
        return run({ kind }, modeActor(request), reply);
      },
    );
  }

  app.post<{ Body: Static<typeof WithdrawBody> }>(
    '/controls/contract/withdraw',
    { config, schema: { tags, summary: 'Pay a token the contract holds to its cold wallet', body: WithdrawBody, response: guarded({ 200: ResultBody, 202: SentBody }, 409) } },
    async (request, reply) => {
      await requireFreshTotp(request, 'contract withdraw');
      const { token, amount } = request.body;
      return run({ kind: 'withdraw', token: token.toLowerCase() as `0x${string}`, ...(amount === undefined ? {} : { amount: BigInt(amount) }) }, modeActor(request), reply);
    },
  );
};
