/**
 * The seed of a randomized test: TEST_SEED when set (CI sets one per run, derived from the
 * commit and printed by .ci/run, so a CI run is reproducible), otherwise a fresh one from the
 * clock, so local runs explore new cases. Either way the test prints it with how to replay it.
 */
export function testSeed(): number {
  const given = process.env.TEST_SEED;
  if (given === undefined || given.trim() === '') return Date.now() % 2 ** 31;
  if (!/^[0-9]+$/.test(given.trim()) || Number(given) >= 2 ** 31) {
    throw new Error(`TEST_SEED must be an integer from 0 to 2^31 - 1, got "${given}"`);
  }
  return Number(given);
}
