import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AuditRecord } from '../../audit/audit-log.ts';
import { eraseUser } from '../../auth/erasure.ts';
import { BadRequest, NotFound } from '../../auth/errors.ts';
import { actorOf } from '../audit-actor.ts';
import { userBody } from './users.ts';
import { IdParams } from '../schemas/admin.ts';
import { guarded } from '../schemas/common.ts';
import { AuditPage, AuditQuery, AuditRow, AuditVerification, EraseResponse, ReportBody, ReportQuery, SubjectExport } from '../schemas/compliance.ts';
import { complianceReport, reportCsv, ReportTooLarge, type SecurityEventReader } from '../../desk/compliance-report.ts';
import type { AttemptReader } from '../../desk/executions.ts';

/** An audit row as the API shows it (seq as a decimal string). */
export function auditRowBody(row: AuditRecord): Static<typeof AuditRow> {
  return { seq: row.seq.toString(), at: row.at.toISOString(), type: row.type, actor: row.actor, subject: row.subject, details: row.details, hash: row.hash, personal: row.personal };
}

/**
 * `/compliance/audit` (auditor, admin): the audit log filtered and paginated, and the chain
 * check. `/gdpr/subject-rights/*`: a user's data exported (admin for anyone, everyone for
 * themselves), and erased (admin): personal data removed, the chain still valid.
 */
export const complianceRoutes: FastifyPluginAsync<{ attempts?: AttemptReader }> = async (app, options) => {
  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/compliance/audit',
    { config: { permission: 'compliance.read' }, schema: { tags: ['compliance'], summary: 'Audit log, newest first; nextCursor pages on', querystring: AuditQuery, response: guarded({ 200: AuditPage }) } },
    async (request) => {
      const q = request.query;
      const from = q.from === undefined ? undefined : new Date(q.from);
      const to = q.to === undefined ? undefined : new Date(q.to);
      if (from !== undefined && to !== undefined && from > to) throw new BadRequest('from is after to');
      const page = await app.services.get().audit.list({
        limit: q.limit ?? 50,
        ...(q.type === undefined ? {} : { type: q.type }),
        ...(q.actor === undefined ? {} : { actor: q.actor }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(q.cursor === undefined ? {} : { before: BigInt(q.cursor) }),
      });
      return { rows: page.rows.map(auditRowBody), nextCursor: page.nextCursor?.toString() ?? null };
    },
  );

  app.get(
    '/compliance/audit/verify',
    { config: { permission: 'compliance.read' }, schema: { tags: ['compliance'], summary: 'Check the hash chain and the signed checkpoint', response: guarded({ 200: AuditVerification }) } },
    async () => {
      const result = await app.services.get().audit.verify();
      return result.ok
        ? { ok: true, rows: result.rows.toString(), head: result.head === null ? null : { seq: result.head.seq.toString(), hash: result.head.hash } }
        : { ok: false, rows: result.rows.toString(), firstBadSeq: result.firstBadSeq.toString(), reason: result.reason };
    },
  );

  app.get<{ Querystring: Static<typeof ReportQuery> }>(
    '/compliance/report',
    {
      config: { permission: 'compliance.read' },
      schema: {
        tags: ['compliance'],
        summary: 'Executions, P&L per day and security events over [from, to), as JSON or CSV (format=csv); complete, or refused (422) when a section holds more than 10,000 rows; the report (or the refusal) is audited',
        querystring: ReportQuery,
        response: guarded({ 200: { content: { 'application/json': { schema: ReportBody }, 'text/csv': { schema: { type: 'string' } } } } as never }, 422),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const from = new Date(q.from);
      const to = new Date(q.to);
      if (!(from < to)) throw new BadRequest(`from (${q.from}) must be before to (${q.to})`);
      const { store, audit } = app.services.get();
      const security: SecurityEventReader = async (start, end, before, limit) => {
        const page = await audit.list({ from: start, to: end, limit, ...(before === undefined ? {} : { before }) });
        return { rows: page.rows.map((r) => ({ seq: r.seq.toString(), at: r.at.toISOString(), type: r.type, actor: r.actor, subject: r.subject, details: r.details })), nextCursor: page.nextCursor };
      };
      let report;
      try {
        report = await complianceReport(store, { from, to }, security, options.attempts);
      } catch (error) {
        if (error instanceof ReportTooLarge) {
          await audit.append({ type: 'compliance.report.refused', ...actorOf(request), details: { from: from.toISOString(), to: to.toISOString(), format: q.format ?? 'json', reason: error.message } });
        }
        throw error;
      }
      // What is delivered: every row of the period (the counts are the rows sent).
      await audit.append({ type: 'compliance.report', ...actorOf(request), details: { from: report.period.from, to: report.period.to, format: q.format ?? 'json', executions: report.executions.count, securityEvents: report.securityEvents.count } });
      if (q.format === 'csv') {
        const name = `orion-report-${report.period.from.slice(0, 10)}-${report.period.to.slice(0, 10)}.csv`;
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(reportCsv(report));
      }
      return reply.type('application/json').send(report);
    },
  );

  const exportFor = async (userId: string, by: Parameters<typeof actorOf>[0]): Promise<Static<typeof SubjectExport>> => {
    const { auth, audit, store } = app.services.get();
    const user = await auth.users.byId(userId);
    if (user === undefined) throw new NotFound(`user ${userId} not found`);
    const attempts = await store.query<{ at: Date; ok: boolean }>('select at, ok from auth_login_attempt where user_id = $1 order by at', [userId]);
    const rows = await audit.forParty(user.pseudonym);
    await audit.append({ type: 'gdpr.export', ...actorOf(by), subject: user.pseudonym, details: { userId } });
    return {
      user: { ...userBody(user), pseudonym: user.pseudonym },
      loginAttempts: attempts.rows.map((row) => ({ at: row.at.toISOString(), ok: row.ok })),
      auditRows: rows.map(auditRowBody),
    };
  };

  app.get(
    '/gdpr/subject-rights/me',
    { config: { permission: 'self' }, schema: { tags: ['gdpr'], summary: 'Export my personal data', response: guarded({ 200: SubjectExport }, 404) } },
    async (request) => {
      if (request.principal?.kind !== 'user') throw new BadRequest('an API key has no personal data to export');
      return exportFor(request.principal.userId, request);
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/gdpr/subject-rights/:id',
    { config: { permission: 'gdpr.manage' }, schema: { tags: ['gdpr'], summary: "Export a user's personal data", params: IdParams, response: guarded({ 200: SubjectExport }, 404) } },
    async (request) => exportFor(request.params.id, request),
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/gdpr/subject-rights/:id/erase',
    { config: { permission: 'gdpr.manage' }, schema: { tags: ['gdpr'], summary: "Erase a user's personal data; the audit chain stays valid", params: IdParams, response: guarded({ 200: EraseResponse }, 404) } },
    async (request) => {
      const services = app.services.get();
      if (request.principal?.kind === 'user' && request.principal.userId === request.params.id) throw new BadRequest('an admin may not erase their own account');
      const user = await services.auth.users.byId(request.params.id);
      if (user === undefined) throw new NotFound(`user ${request.params.id} not found`);
      // Journaled outside the database before it commits, so a restore of an older backup erases again.
      const removed = await services.store.transaction((tx) =>
        eraseUser(tx, services, user, (count) => ({ type: 'gdpr.erase', ...actorOf(request), subject: user.pseudonym, details: { personalRowsRemoved: count } })));
      return { status: 'erased' as const, pseudonym: user.pseudonym, personalRowsRemoved: removed };
    },
  );
};
