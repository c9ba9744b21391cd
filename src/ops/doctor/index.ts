/** `orion doctor`: one line per part of the installation with its verdict. */
export { runDoctor, doctorChecks } from './run-doctor.ts';
export { auditCheck, type AuditVerifier } from './audit-check.ts';
export type { DoctorCheck, DoctorContext, CheckResult, NamedResult, Verdict } from './check.ts';
