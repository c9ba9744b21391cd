/**
 * Progress of a long sync: on a TTY one line redrawn in place (bar, count, pools/s, ETA); on
 * anything else (a log file, CI) a plain line every 10 % or 5 s, so logs stay readable.
 */

/** Where progress goes. */
export interface ProgressSink {
  start(label: string, total: number): void;
  advance(by: number): void;
  done(summary?: string): void;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** A sink that prints nothing (tests, --json). */
export const SILENT_PROGRESS: ProgressSink = { start: () => undefined, advance: () => undefined, done: () => undefined };

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
}

/** A sink writing to `stream` (stderr by default), as a bar on a TTY, as lines otherwise; `unit` names what is counted in the rate. */
export function createProgress(stream: Stream = process.stderr, now: () => number = () => performance.now(), unit = 'pools'): ProgressSink {
  let label = '';
  let total = 0;
  let count = 0;
  let started = 0;
  let lastLine = 0;
  let lastTenth = -1;
  const tty = stream.isTTY === true;

  const line = (): string => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const eta = rate > 0 ? (total - count) / rate : Number.POSITIVE_INFINITY;
    return `${label} ${count}/${total} ${rate.toFixed(rate < 10 ? 1 : 0)} ${unit}/s ETA ${formatSeconds(eta)}`;
  };
  return {
    start(l, t) {
      label = l;
      total = t;
      count = 0;
      started = now();
      lastLine = started;
      lastTenth = -1;
      if (!tty) stream.write(`${label}: ${total} to do\n`);
    },
    advance(by) {
      count += by;
      if (tty) {
        const width = 24;
        const filled = total > 0 ? Math.round((count / total) * width) : width;
        stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${line()}\u001b[K`);
        return;
      }
      const tenth = total > 0 ? Math.floor((count / total) * 10) : 10;
      if (tenth !== lastTenth || now() - lastLine >= 5_000) {
        lastTenth = tenth;
        lastLine = now();
        stream.write(`${line()}\n`);
      }
    },
    done(summary) {
      const elapsed = ((now() - started) / 1000).toFixed(1);
      stream.write(`${tty ? '\r\u001b[K' : ''}${label}: ${summary ?? `${count}/${total}`} in ${elapsed}s\n`);
    },
  };
}
