/**
 * mulberry32: a tiny deterministic PRNG over 32-bit state, returning floats in [0, 1). Used
 * wherever a run must be reproducible from a seed (noise flow, benchmarks, random test pools);
 * never for anything secret.
 */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
