import { defineConfig } from 'vitest/config';

// Tests sit beside the code (src/**/x.test.ts); whole-system tests live in test/e2e.
// Chain and database tests are heavy on a 2-core machine, so files run in forks with
// a bounded pool and generous timeouts (a timeout here is a hang guard, not a benchmark).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // CI also writes a JSON report so .ci/run can print one plain 'N passed, N failed' line.
    reporters: process.env.CI === 'true' ? ['default', 'json'] : ['default'],
    outputFile: { json: '.cache/test-results.json' },
  },
});
