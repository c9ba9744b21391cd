import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { RuntimeFault } from '../errors.ts';
import { doctorChecks, runDoctor } from '../ops/doctor/index.ts';

/**
 * `orion doctor`: checks the database and migrations, Redis, every RPC endpoint, free disk, the
 * audit chain, the last backup and the executor contract; one line each with its verdict.
 * Exits 1 when any check fails (warnings do not), so a cron job or a probe can run it.
 */
export function register(program: Command): void {
  program
    .command('doctor')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const results = await runDoctor(config, doctorChecks(config));
      const failed = results.filter((r) => r.verdict === 'fail');
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, checks: results })}\n`);
      } else {
        const width = Math.max(...results.map((r) => r.name.length));
        for (const r of results) process.stdout.write(`${r.verdict.toUpperCase().padEnd(5)} ${r.name.padEnd(width)}  ${r.detail}\n`);
      }
      if (failed.length > 0) throw new RuntimeFault(`doctor: ${failed.length} check(s) failed: ${failed.map((r) => r.name).join(', ')}`);
    });
}
