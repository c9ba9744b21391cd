import { spawn } from 'node:child_process';

/**
 * Runs plain JavaScript in a child node process and waits for it: `args` as given to node (a
 * script file, or `-e CODE`, then its arguments), `input` written to its stdin. Resolves when it
 * exits 0; otherwise rejects with what it wrote on stderr (or how it ended), prefixed by `what`.
 *
 * For work whose memory must not stay in this process: WebAssembly memory (PGlite's initdb) and a
 * V8 heap grown for one big parse are kept by a process for its whole life, while a child's is
 * returned to the system when it ends. No execArgv is passed on: the child needs no loader.
 */
export async function runNodeChild(what: string, args: readonly string[], input?: string): Promise<void> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  child.stdin.end(input);
  const { code, signal } = await ended;
  if (code === 0) return;
  throw new Error(`${what}: ${stderr.trim() || `the process ended (${signal ?? `exit code ${code}`}) without a word`}`);
}
