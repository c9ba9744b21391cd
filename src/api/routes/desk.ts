import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { listExecutions, noAttempts, type AttemptReader } from '../../desk/executions.ts';
import { funnelOf } from '../../desk/funnel.ts';
import { listPools, listTokens } from '../../desk/market.ts';
import { listOpportunities } from '../../desk/opportunities.ts';
import { pnlRows } from '../../desk/pnl.ts';
import { latestRiskSnapshots } from '../../desk/risk.ts';
import type { ListFilter } from '../../desk/query-builder.ts';
import { listSimulations } from '../../desk/simulations.ts';
import { BadRequest } from '../../auth/errors.ts';
import { guarded } from '../schemas/common.ts';
import { createReadCache } from '../read-cache.ts';
import { acceptsGzip, servedPage, type ServedPage } from '../served-page.ts';
import {
  ExecutionPage, ExecutionQuery, FunnelBody, OpportunityPage, OpportunityQuery, PnlBody, PnlQuery, PoolPage, PoolQuery, RiskBody, RiskQuery,
  SessionQuery, SimulationPage, SimulationQuery, TokenPage, TokenQuery,
} from '../schemas/desk.ts';

/** Options of the desk routes. */
export interface DeskRoutesOptions {
  /** Reads the attempts behind each execution (the live executor's tables); default: none. */
  attempts?: AttemptReader;
  /**
   * How long a page of `/opportunities` is served again to every caller asking the same query
   * (read-cache.ts); default 0: read each time. The platform passes half a block or so.
   */
  pageCacheMs?: number;
}

type LedgerQuery = { mode?: 'sim' | 'live'; session?: string; from?: string; to?: string; limit?: number; cursor?: string };

/** The filters every ledger list shares, checked: a period that ends before it starts is a 400. */
function ledgerFilter(q: LedgerQuery): ListFilter {
  const from = q.from === undefined ? undefined : new Date(q.from);
  const to = q.to === undefined ? undefined : new Date(q.to);
  if (from !== undefined && to !== undefined && from > to) throw new BadRequest(`from (${q.from}) is after to (${q.to})`);
  return {
    limit: q.limit ?? 50,
    ...(q.cursor === undefined ? {} : { before: BigInt(q.cursor) }),
    ...(q.mode === undefined ? {} : { mode: q.mode }),
    ...(q.session === undefined ? {} : { session: BigInt(q.session) }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

/** Drops undefined values (the filters are exactOptionalPropertyTypes objects). */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/**
 * The desk's read routes (viewer and up): what the engine saw, decided, simulated and executed,
 * newest first with keyset cursors (`nextCursor` → `?cursor=`), the funnel, P&L per day or
 * session, and the followed market's pools and tokens. Every amount comes as base units (a
 * decimal string) with the same amount in token units and the token's label.
 */
export const deskRoutes: FastifyPluginAsync<DeskRoutesOptions> = async (app, options) => {
  const attempts = options.attempts ?? noAttempts;
  const config = { permission: 'read' as const };
  const db = () => app.services.get().store;
  // Pages kept serialized (by the route's response schema): a cached page costs no serialization
  // either; and kept gzipped beside, for the clients that accept it (every browser): compressed
  // once per read on zlib's thread pool, where writing the plain page to each client was a third
  // of the server's busy time at 1,000 requests a second (docs/BENCHMARKS.md).
  const opportunityPages = createReadCache<ServedPage>({ ttlMs: options.pageCacheMs ?? 0 });

  app.get<{ Querystring: Static<typeof OpportunityQuery> }>(
    '/opportunities',
    { config, schema: { tags: ['desk'], summary: 'Opportunities, newest first, with the latest decision (filters: mode, session, period, token, pool, minNetProfit, outcome, rule)', querystring: OpportunityQuery, response: guarded({ 200: OpportunityPage }) } },
    async (request, reply) => {
      const q = request.query;
      const filter = {
        ...ledgerFilter(q),
        ...defined({ token: q.token, pool: q.pool, outcome: q.outcome, rule: q.rule, minNetProfit: q.minNetProfit === undefined ? undefined : BigInt(q.minNetProfit) }),
      };
      // Keyed by the validated query (defaults applied), not the raw URL: `?limit=50` and `` share a page.
      const page = await opportunityPages.get(JSON.stringify(q), async () => servedPage(Buffer.from(reply.serialize(await listOpportunities(db(), filter)) as string)));
      void reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
      return acceptsGzip(request.headers['accept-encoding']) ? reply.header('content-encoding', 'gzip').send(page.gzip) : reply.send(page.plain);
    },
  );

  app.get<{ Querystring: Static<typeof SimulationQuery> }>(
    '/simulations',
    { config, schema: { tags: ['desk'], summary: 'Simulations, newest first: simulated vs predicted profit, gas, the revert decoded (filters: status, revert, opportunity)', querystring: SimulationQuery, response: guarded({ 200: SimulationPage }) } },
    async (request) => {
      const q = request.query;
      return listSimulations(db(), { ...ledgerFilter(q), ...defined({ status: q.status, revert: q.revert, opportunity: q.opportunity === undefined ? undefined : BigInt(q.opportunity) }) });
    },
  );

  app.get<{ Querystring: Static<typeof ExecutionQuery> }>(
    '/executions',
    { config, schema: { tags: ['desk'], summary: 'Live executions, newest first, with inclusion feedback and the attempts behind each', querystring: ExecutionQuery, response: guarded({ 200: ExecutionPage }) } },
    async (request) => {
      const q = request.query;
      return listExecutions(db(), { ...ledgerFilter(q), ...defined({ status: q.status as never, txHash: q.txHash }) }, attempts);
    },
  );

  app.get<{ Querystring: Static<typeof SessionQuery> }>(
    '/funnel',
    { config, schema: { tags: ['desk'], summary: "A mode session's funnel (default: the open one), rejections by rule, conversion rates, profit per token", querystring: SessionQuery, response: guarded({ 200: FunnelBody }, 404) } },
    async (request) => funnelOf(db(), defined({ mode: request.query.mode, session: request.query.session === undefined ? undefined : BigInt(request.query.session) })),
  );

  app.get<{ Querystring: Static<typeof PnlQuery> }>(
    '/pnl',
    { config, schema: { tags: ['desk'], summary: 'P&L per UTC day or per mode session, per base token', querystring: PnlQuery, response: guarded({ 200: PnlBody }) } },
    async (request) => {
      const q = request.query;
      const filter = ledgerFilter(q);
      const group = q.group ?? 'day';
      const rows = await pnlRows(db(), { group, ...defined({ mode: filter.mode, session: filter.session, from: filter.from, to: filter.to, token: q.token }) });
      return {
        group,
        note: 'sim: trades are successful simulations (gross = simulated profit); live: executions with a realized profit. net = gross − gas in the base token: sim the scanner\'s estimate, live the gas paid on chain converted at the execution (the estimate is shown beside it); live rows also show gas paid in the native token.',
        rows,
      };
    },
  );

  app.get<{ Querystring: Static<typeof PoolQuery> }>(
    '/pools',
    { config, schema: { tags: ['desk'], summary: 'Followed pools by address: fee, reserves in token units, V3 price and liquidity, or why excluded', querystring: PoolQuery, response: guarded({ 200: PoolPage }) } },
    async (request) => {
      const q = request.query;
      return listPools(db(), { limit: q.limit ?? 50, ...defined({ after: q.cursor, chainId: q.chainId, protocol: q.protocol, token: q.token, status: q.status }) });
    },
  );

  app.get<{ Querystring: Static<typeof TokenQuery> }>(
    '/tokens',
    { config, schema: { tags: ['desk'], summary: 'Tokens of the followed market: symbol and label, decimals, the safety verdict', querystring: TokenQuery, response: guarded({ 200: TokenPage }) } },
    async (request) => {
      const q = request.query;
      return listTokens(db(), { limit: q.limit ?? 50, ...defined({ after: q.cursor, chainId: q.chainId, symbol: q.symbol, unsafe: q.unsafe }) });
    },
  );

  app.get<{ Querystring: Static<typeof RiskQuery> }>(
    '/risk',
    { config, schema: { tags: ['desk'], summary: 'The latest risk snapshots per mode, window (?window=24h|7d|30d|all) and base token (?token=), in the base token and in USD through a reference pool (VaR, ES, Sharpe, Sortino, drawdown, win rate, slippage, reverts; the hourly maintenance job)', querystring: RiskQuery, response: guarded({ 200: RiskBody }) } },
    async (request) => ({ snapshots: await latestRiskSnapshots(db(), defined({ mode: request.query.mode, window: request.query.window, token: request.query.token })) }),
  );
};
