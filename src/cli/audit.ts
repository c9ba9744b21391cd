import type { Command } from 'commander';
import { RuntimeFault } from '../errors.ts';
import { withApiServices } from './api-services.ts';

/**
 * `orion audit verify`: walks the audit chain and the signed checkpoint; exit 0 when intact,
 * exit 1 naming the first bad sequence number.
 */
export function register(program: Command): void {
  const audit = program.command('audit');
  audit
    .command('verify')
    .description('check the audit chain and its signed head; exit 1 naming the first bad row')
    .option('--json', 'one JSON document')
    .action(async (options: { json?: boolean }) => {
      const result = await withApiServices('check it through the API (GET /api/v1/compliance/audit/verify as an auditor)', ({ audit: log }) => log.verify());
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
        if (!result.ok) process.exitCode = 1;
        return;
      }
      if (!result.ok) throw new RuntimeFault(`audit log broken at seq ${result.firstBadSeq}: ${result.reason}`, { details: { firstBadSeq: result.firstBadSeq.toString() } });
      process.stdout.write(result.head === null ? 'audit log empty\n' : `audit log intact: ${result.rows} rows, head seq ${result.head.seq} hash ${result.head.hash} (signed)\n`);
    });
}
