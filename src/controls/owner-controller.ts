import type { Address } from 'viem';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import { loadOwnerKey } from '../executor/live/keys.ts';
import { OwnerKeyMissing, runContractControl, type ContractControl, type ControlResult } from './contract-controls.ts';

/** Who asks for a control, as the audit log knows them. */
export interface ControlActor {
  label: string;
  pseudonym?: string;
}

/** Runs one control on the instance's executor contract. */
export type OwnerController = (control: ContractControl, actor: ControlActor) => Promise<ControlResult>;

/**
 * The running instance's contract controls: the owner key is opened for each control and
 * dropped after it, never kept in memory — most instances hold no owner key at all, and then
 * every control is OwnerKeyMissing (the API's 409). `receiptTimeoutMs`: how long a control waits
 * for its receipt before the API answers 202 (default 120 s; tests shorten it).
 */
export function ownerController(config: Config, rpcUrl: string, executor: Address, audit: AuditLog, options: { receiptTimeoutMs?: number } = {}): OwnerController {
  return async (control, actor) => {
    const owner = await loadOwnerKey(config);
    if (owner === undefined) throw new OwnerKeyMissing();
    return runContractControl({ rpcUrl, executor, owner, audit, actor, ...options }, control);
  };
}
