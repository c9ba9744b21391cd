import { Type, type TSchema } from '@sinclair/typebox';
import { PageQuery, Timestamp } from './common.ts';
import { RISK_WINDOWS } from '../../ledger/risk/windows.ts';

/** Bodies of the desk's read routes (opportunities, simulations, executions, funnel, P&L, pools, tokens). */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Decimal = Type.String({ pattern: '^-?[0-9]+$', description: 'integer as a decimal string (base units, blocks, wei)' });
const Address = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' });
const Mode = Type.Union([Type.Literal('sim'), Type.Literal('live')]);
const Id = Type.String({ pattern: '^[0-9]{1,19}$' });

/** An amount: exact base units, exact token units (null when the token's decimals are unknown), the token's label, one line for people. */
export const AmountBody = Type.Object({ raw: Decimal, units: Nullable(Type.String()), symbol: Type.String(), display: Type.String() });
/** Gas paid in the chain's native token. */
export const NativeAmountBody = Type.Object({ raw: Decimal, units: Type.String(), symbol: Type.Literal('native'), display: Type.String() });
export const TokenRefBody = Type.Object({ address: Type.String(), symbol: Type.String(), decimals: Nullable(Type.Integer()) });

/** Filters every ledger list takes. */
const LedgerFilters = {
  mode: Type.Optional(Mode),
  session: Type.Optional(Id),
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
  ...PageQuery,
};

const pageOf = <T extends TSchema>(row: T) => Type.Object({ rows: Type.Array(row), nextCursor: Nullable(Type.String()) });

export const OpportunityQuery = Type.Object({
  ...LedgerFilters,
  token: Type.Optional(Address),
  pool: Type.Optional(Address),
  minNetProfit: Type.Optional(Type.String({ pattern: '^-?[0-9]{1,78}$', description: 'base units of the base token' })),
  outcome: Type.Optional(Type.Union([Type.Literal('planned'), Type.Literal('rejected'), Type.Literal('undecided')])),
  rule: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
}, { additionalProperties: false });

export const OpportunityBody = Type.Object({
  id: Id, mode: Type.String(), session: Id, chainId: Type.Integer(), routeKey: Type.String(), route: Type.String(), baseToken: TokenRefBody,
  pools: Type.Array(Type.String()), tokens: Type.Array(Type.String()), protocols: Type.Array(Type.String()), fees: Type.Array(Type.Integer()), amounts: Type.Array(Decimal),
  firstBlock: Decimal, lastBlock: Decimal, firstSeenAt: Timestamp, lastSeenAt: Timestamp,
  amountIn: AmountBody, amountOut: AmountBody, profit: AmountBody,
  flash: Type.Object({ kind: Type.String(), lender: Nullable(Type.String()), fee: AmountBody }),
  gas: Type.Object({ units: Decimal, priceWei: Decimal, cost: AmountBody }),
  netProfit: AmountBody,
  decision: Nullable(Type.Object({ outcome: Type.String(), rule: Nullable(Type.String()), reason: Nullable(Type.String()), block: Decimal })),
});
export const OpportunityPage = pageOf(OpportunityBody);

export const SimulationQuery = Type.Object({
  ...LedgerFilters,
  status: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('reverted'), Type.Literal('failed'), Type.Literal('skipped')])),
  revert: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  opportunity: Type.Optional(Id),
}, { additionalProperties: false });

export const SimulationBody = Type.Object({
  id: Id, mode: Type.String(), session: Id, decisionId: Id, opportunityId: Id, status: Type.String(),
  chainId: Nullable(Type.Integer()), route: Nullable(Type.String()), pools: Type.Array(Type.String()), baseToken: Nullable(TokenRefBody),
  stateBlock: Nullable(Decimal), asBlock: Nullable(Decimal),
  predictedProfit: Nullable(AmountBody), simulatedProfit: Nullable(AmountBody), slippage: Nullable(AmountBody),
  gasLimit: Decimal, gasUsed: Nullable(Decimal),
  revert: Nullable(Type.Object({ name: Nullable(Type.String()), args: Type.Array(Type.Unknown()) })),
  error: Nullable(Type.String()), simulatedAt: Timestamp,
});
export const SimulationPage = pageOf(SimulationBody);

const ExecutionStatus = Type.Union(['pending', 'submitted', 'included', 'reverted', 'dropped', 'replaced', 'failed'].map((s) => Type.Literal(s)));
export const ExecutionQuery = Type.Object({
  ...LedgerFilters,
  status: Type.Optional(ExecutionStatus),
  txHash: Type.Optional(Type.String({ pattern: '^0x[0-9a-fA-F]{64}$' })),
}, { additionalProperties: false });

export const AttemptBody = Type.Object({
  kind: Type.String(), status: Type.String(), txHash: Nullable(Type.String()), nonce: Nullable(Decimal), block: Nullable(Decimal), reason: Nullable(Type.String()), at: Timestamp,
  details: Type.Object({}, { additionalProperties: true }),
});
export const InclusionFeedbackBody = Type.Object({
  submission: Type.Union([Type.Literal('public'), Type.Literal('bundle')]), targetBlock: Decimal,
  reason: Type.Union(['pools-moved-first', 'base-fee-above-cap', 'deadline-passed', 'simulation-reverted', 'not-included'].map((r) => Type.Literal(r))),
  detail: Type.String(),
  competitor: Nullable(Type.Object({ txHash: Type.String(), sender: Nullable(Type.String()) })),
});
export const ExecutionBody = Type.Object({
  id: Id, mode: Type.String(), session: Id, decisionId: Id, opportunityId: Id, status: Type.String(),
  route: Nullable(Type.String()), baseToken: Nullable(TokenRefBody), txHash: Nullable(Type.String()), nonce: Nullable(Decimal),
  inclusion: Type.Object({
    submittedBlock: Nullable(Decimal), includedBlock: Nullable(Decimal), includedAt: Nullable(Timestamp), blocksToInclusion: Nullable(Type.Integer()), failureReason: Nullable(Type.String()),
    feedback: Type.Array(InclusionFeedbackBody, { description: 'why each submission that did not land missed, found on chain (one per target block missed)' }),
  }),
  predictedProfit: Nullable(AmountBody), realizedProfit: Nullable(AmountBody),
  net: Nullable(AmountBody),
  gas: Type.Object({ used: Nullable(Decimal), effectivePriceWei: Nullable(Decimal), cost: Nullable(NativeAmountBody), costInBase: Nullable(AmountBody) }),
  createdAt: Timestamp, updatedAt: Timestamp,
  attempts: Type.Array(AttemptBody, { description: 'intents, broadcasts and replacements behind the execution (live executor)' }),
});
export const ExecutionPage = pageOf(ExecutionBody);

export const SessionQuery = Type.Object({ mode: Type.Optional(Mode), session: Type.Optional(Id) }, { additionalProperties: false });
export const SessionBody = Type.Object({ id: Id, mode: Type.String(), chainId: Type.Integer(), startedAt: Timestamp, endedAt: Nullable(Timestamp) });

const Conversion = Type.Object({ stage: Type.String(), count: Type.Integer(), fromPrevious: Nullable(Type.Number()), fromFirst: Nullable(Type.Number()) });
export const FunnelBody = Type.Object({
  session: Nullable(SessionBody),
  detected: Type.Integer(), planned: Type.Integer(), rejected: Type.Integer(),
  rejectedByRule: Type.Array(Type.Object({ rule: Type.String(), count: Type.Integer() })),
  simulated: Type.Object({ ok: Type.Integer(), reverted: Type.Integer(), failed: Type.Integer(), skipped: Type.Integer() }),
  revertsByReason: Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer() })),
  submitted: Type.Integer(), included: Type.Integer(), realized: Type.Integer(),
  conversion: Type.Array(Conversion),
  profitByToken: Type.Array(Type.Object({ token: TokenRefBody, predicted: AmountBody, simulated: AmountBody, realized: AmountBody })),
});

export const PnlQuery = Type.Object({
  group: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('session')], { default: 'day' })),
  mode: Type.Optional(Mode), session: Type.Optional(Id), from: Type.Optional(Timestamp), to: Type.Optional(Timestamp), token: Type.Optional(Address),
}, { additionalProperties: false });
export const PnlRowBody = Type.Object({
  mode: Type.String(), period: Type.String(), chainId: Type.Integer(), token: TokenRefBody, trades: Type.Integer(), wins: Type.Integer(),
  predicted: AmountBody, gross: AmountBody, gasEstimate: AmountBody, gas: AmountBody, net: AmountBody, gasPaid: Nullable(NativeAmountBody),
});
export const PnlBody = Type.Object({
  group: Type.String(),
  note: Type.String(),
  rows: Type.Array(PnlRowBody),
});

const AddressCursor = Type.Optional(Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'the last address of the previous page' }));
export const PoolQuery = Type.Object({
  chainId: Type.Optional(Type.Integer({ minimum: 1 })),
  protocol: Type.Optional(Type.Union([Type.Literal('uniswap-v2'), Type.Literal('uniswap-v3')])),
  token: Type.Optional(Address),
  status: Type.Optional(Type.Union([Type.Literal('loaded'), Type.Literal('excluded'), Type.Literal('pending')])),
  limit: PageQuery.limit, cursor: AddressCursor,
}, { additionalProperties: false });
export const PoolBody = Type.Object({
  chainId: Type.Integer(), address: Type.String(), protocol: Type.String(), pair: Type.String(), token0: TokenRefBody, token1: TokenRefBody,
  fee: Type.Object({ pips: Type.Integer(), percent: Type.String() }), tickSpacing: Nullable(Type.Integer()),
  status: Type.String(), excludedReason: Nullable(Type.String()),
  reserves: Nullable(Type.Object({ token0: AmountBody, token1: AmountBody })),
  v3: Nullable(Type.Object({ sqrtPriceX96: Decimal, tick: Type.Integer(), liquidity: Decimal, initializedTicks: Type.Integer() })),
});
export const PoolPage = pageOf(PoolBody);

export const TokenQuery = Type.Object({
  chainId: Type.Optional(Type.Integer({ minimum: 1 })),
  symbol: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  unsafe: Type.Optional(Type.Boolean()),
  limit: PageQuery.limit, cursor: AddressCursor,
}, { additionalProperties: false });
export const TokenBody = Type.Object({
  chainId: Type.Integer(), address: Type.String(), symbol: Type.String(), label: Type.String(), name: Nullable(Type.String()),
  decimals: Type.Integer(), decimalsKnown: Type.Boolean(), unsafeReason: Nullable(Type.String()),
});
export const TokenPage = pageOf(TokenBody);

export const RiskQuery = Type.Object({
  mode: Type.Optional(Mode),
  window: Type.Optional(Type.Union(RISK_WINDOWS.map((w) => Type.Literal(w)), { description: 'the window ending at the snapshot: 24h, 7d, 30d or all' })),
  token: Type.Optional(Type.String({ pattern: '^(0x[0-9a-fA-F]{40}|(?!0[xX])[^\\s,]{1,32})$', description: 'a base token: its address (0x + 40 hex digits) or its symbol (case-insensitive, not starting with 0x)' })),
}, { additionalProperties: false });
const RiskUsdBody = Type.Object({ token: TokenRefBody, pool: Type.String(), block: Nullable(Type.String()), totalPnl: AmountBody, maxDrawdown: Nullable(AmountBody), var95: Nullable(AmountBody), var99: Nullable(AmountBody) });
export const RiskSnapshotBody = Type.Object({
  mode: Type.String(), window: Type.String(), takenAt: Timestamp, chainId: Nullable(Type.Integer()), token: Nullable(TokenRefBody), trades: Type.Integer(),
  totalPnl: Nullable(AmountBody), maxDrawdown: Nullable(AmountBody), maxDrawdownPct: Nullable(Type.Number()), var95: Nullable(AmountBody), var99: Nullable(AmountBody),
  winRate: Nullable(Type.Number()), sharpe: Nullable(Type.Number()), sortino: Nullable(Type.Number()), profitFactor: Nullable(Type.Number()), revertRate: Nullable(Type.Number()),
  usd: Nullable(RiskUsdBody), usdReason: Nullable(Type.String()),
  report: Type.Object({}, { additionalProperties: true, description: 'the whole report: every figure (amounts as base-unit decimal strings), reasons for null ones, the equity curve (at most 500 points), execution figures, funnel conversion' }),
});
export const RiskBody = Type.Object({ snapshots: Type.Array(RiskSnapshotBody) });
