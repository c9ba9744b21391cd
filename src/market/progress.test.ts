import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';

function capture(isTTY: boolean): { stream: { isTTY: boolean; write(t: string): void }; text: () => string } {
  let out = '';
  return { stream: { isTTY, write: (t: string) => void (out += t) }, text: () => out };
}

describe('sync progress', () => {
  it('redraws one bar line with pools/s and ETA on a TTY', () => {
    const { stream, text } = capture(true);
    let t = 0;
    const p = createProgress(stream, () => t);
    p.start('loading', 100);
    t = 2_000;
    p.advance(50);
    expect(text()).toContain('\r[############------------] loading 50/100 25 pools/s ETA 2s');
    expect(text()).not.toContain('\n');
  });

  it('prints plain lines at each tenth when not a TTY', () => {
    const { stream, text } = capture(false);
    let t = 0;
    const p = createProgress(stream, () => t);
    p.start('loading', 10);
    for (let i = 0; i < 10; i += 1) {
      t += 100;
      p.advance(1);
    }
    p.done();
    const lines = text().trim().split('\n');
    expect(lines[0]).toBe('loading: 10 to do');
    expect(lines).toHaveLength(12);
    expect(lines[10]).toBe('loading 10/10 10 pools/s ETA 0s');
    expect(text()).not.toContain('\r');
  });
});
