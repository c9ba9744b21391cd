/**
 * Bodies of the control routes (src/api/routes/controls.ts, mode.ts, contract-controls.ts) and
 * of `GET /risk` (src/api/schemas/desk.ts), as the dashboard reads them.
 */

/** One limit: the raw key and value (amounts in base units) and as a person reads them. */
export interface LimitEntry {
  key: string;
  value: string;
  shown: { key: string; value: string };
}

/** A version of the limits (`GET /limits`, each of `GET /limits/history`). */
export interface LimitsVersion {
  version: number;
  actor: string;
  comment: string | null;
  changedAt: string;
  limits: LimitEntry[];
  /** What this version changed, raw (base units); null: the key was absent / removed. */
  changes: { key: string; old: string | null; new: string | null }[];
}

/** `GET /controls/kill-switch` and the engage/release answers. */
export interface KillSwitch {
  engaged: boolean;
  reason: string;
  actor: string;
  via: string;
  at: string | null;
}

/** `GET /mode` and the switch's answer. */
export interface ModeStatus {
  mode: 'sim' | 'live';
  since: string | null;
  switchedBy: string | null;
  session: { id: string; mode: 'sim' | 'live'; chainId: number; startedAt: string; counters: Record<string, number> } | null;
  allowLive: boolean;
  lastValidation: { at: string; passed: boolean; failed: string[] } | null;
}

/** `POST /mode/validate`: each pre-flight check of live mode with its result. */
export interface Validation {
  id: string;
  passed: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
  hotKey: string | null;
  chainId: number | null;
  at: string;
}

/** What a contract control sent (`POST /controls/contract/*`). */
export interface ControlResult {
  control: string;
  executor: string;
  transaction: string;
  block: string;
  detail: Record<string, string>;
}

/** One mode's latest risk snapshot (`GET /risk`): the server's own type (a type, erased in the build). */
export type { RiskView as RiskSnapshot } from '../../../src/desk/risk.ts';
