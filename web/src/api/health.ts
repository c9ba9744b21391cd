/** What `/health` answers a signed-in caller (src/platform.ts, src/engine/status-view.ts). */

/** A raw decimal amount beside the same amount in token units with its symbol (server-formatted). */
export interface AmountView {
  raw: string;
  display: string;
}

/** One readiness check. */
export interface Check {
  name: string;
  state: string;
  detail?: string;
  since?: string;
}

/** The engine's funnel for this mode session. */
export interface Funnel {
  detected: number;
  planned: number;
  rejected: number;
  rejectedByRule: Record<string, number>;
  simulated: { ok: number; reverted: number; failed: number; skipped: number };
  revertsByReason: Record<string, number>;
  submitted: number;
  included: number;
  realized: number;
  profitByToken: Record<string, { predicted: AmountView | null; simulated: AmountView | null; realized: AmountView | null }>;
}

/** One of the best opportunities at the last block. */
export interface TopOpportunity {
  route: string;
  block: string | null;
  pools: string[];
  flashSource: { kind: string; lender: string | null; feePips: number };
  view: { amountIn: AmountView | null; netProfit: AmountView | null; gasCost: AmountView | null };
}

/** One recent simulation. */
export interface SimulationView {
  status: string;
  route: string;
  pools: string[];
  planBlock: string;
  stateBlock: string;
  flash: string;
  amountIn: AmountView | null;
  predictedProfit: AmountView | null;
  simulatedProfit: AmountView | null;
  gasUsed: string | null;
  revert: { name: string; text: string } | null;
  error: string | null;
}

/** The engine as /health shows it. */
export interface EngineView {
  blocksScanned: number;
  gasPrice: string;
  market: { head?: string; freshness?: { fresh: boolean; lagBlocks?: number; [key: string]: unknown }; [key: string]: unknown };
  scanner: { pools: number; cycles: number; [key: string]: unknown };
  executor: { note: string | null; [key: string]: unknown };
  funnel: Funnel;
  top: TopOpportunity[];
  lastSimulations: SimulationView[];
  [key: string]: unknown;
}

/** `/health` for a signed-in caller. */
export interface HealthDetail {
  status: string;
  mode: string;
  checks: Check[];
  chain?: { rpcUrl: string; flow: unknown; executor: unknown } | null;
  engine?: EngineView | null;
  backup?: unknown;
  protections?: { gasMoney: GasMoneyView | null; [key: string]: unknown } | null;
  /** Whether the engine runs the stored mode, and why not when it does not (src/mode/mode-follower.ts). */
  modeFollower?: { stored: string | null; note: string | null; followed: number } | null;
}

/** The hot key's gas money (src/risk-controls/protections-service.ts): wei and counts as decimal strings. */
export interface GasMoneyView {
  account: string;
  balance: string;
  feePerGas: string;
  gasPerExecution: string;
  /** Null: gas costs nothing at the fee counted. */
  executionsLeft: string | null;
  floor: number;
  block: string;
  /** Live: planning stops below the floor; sim: shown only. */
  enforced: boolean;
}
