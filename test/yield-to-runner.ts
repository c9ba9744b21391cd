/**
 * One turn of the test worker's event loop (a macrotask), so the answers vitest's runner sent
 * its worker are read. The worker's calls to the runner time out after a fixed 60 s that no option
 * changes, and Node runs an expired timer before it reads an answer that arrived meanwhile: a test
 * that computes for a minute without a turn fails the run with `[vitest-worker]: Timeout calling
 * "onTaskUpdate"` although every assertion passed (seen at load ~10: one property test ran 107 s
 * on its own). Long property tests await this in every run (`fc.asyncProperty`).
 */
export const yieldToRunner = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
