import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { SILENT, startPlatform } from '../platform.ts';
import { nextStopSignal } from './stop-signal.ts';

/**
 * `orion start`: runs the whole platform on the configured (or embedded) defaults until
 * SIGINT/SIGTERM, then stops every part cleanly. `npm start` runs this.
 */
export function register(program: Command): void {
  program
    .command('start')
    .action(async () => {
      // The engine turns out garbage at a steady rate around ~60 MB of live heap, and V8's default
      // lets the heap grow to ~2.5x that before a full collection: ~90 MB more resident for
      // nothing. A growing factor of 1.2 keeps `npm start` under 400 MB (docs/BENCHMARKS.md,
      // "`npm start` memory": engine-phase peak 390 -> 299 MB) for ~6 % more CPU at most.
      setFlagsFromString('--heap-growing-percent=20');
      const config = loadConfig();
      // Start-up and engine lines are info; a quieter LOG_LEVEL hides them (errors still print).
      const verbose = ['info', 'debug', 'trace'].includes(config.logLevel);
      const say = verbose ? (line: string) => process.stdout.write(`orion: ${line}\n`) : SILENT;
      const platform = await startPlatform(config, say);
      // Signals are ours from here on: before this point there is nothing to wind down and the
      // default action (exit) is right; a PGlite lock left behind is taken over as stale.
      const stopSignal = nextStopSignal();

      let outcome: 'ready' | NodeJS.Signals;
      try {
        outcome = await Promise.race([platform.ready.then(() => 'ready' as const), stopSignal]);
      } catch (error) {
        await platform.stop();
        throw error;
      }
      if (outcome === 'ready') {
        say(`ready: ${platform.url}`);
        outcome = await stopSignal;
      }
      say(`${outcome}: stopping…`);
      await platform.stop();
      say('stopped');
    });
}
