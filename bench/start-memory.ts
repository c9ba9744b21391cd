import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// `npm run bench -- start-memory [--at 60,180]`: issue 15's memory figure of `npm start` on the
// default market: resident memory (RSS) of the whole process tree (node and anvil), in MB, at
// each given second after the start, from a fresh data folder (the first start initialises the
// embedded database and seeds the chain), then a clean stop. One JSON line per sample.
const { values } = parseArgs({ options: { at: { type: 'string', default: '60,180' }, json: { type: 'boolean', default: true } } });
const at = values.at.split(',').map(Number);
if (at.some((s) => !Number.isInteger(s) || s < 1 || s > 3600)) {
  process.stderr.write(`bench start-memory: --at must be seconds from 1 to 3600, comma-separated, got "${values.at}"\n`);
  process.exit(2);
}

/** RSS in kB of `pid` and every descendant, from ps (Linux). */
function treeRssKb(pid: number): { totalKb: number; processes: { pid: number; command: string; rssKb: number }[] } {
  const rows = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,rss=,comm='], { encoding: 'utf8' }).stdout.trim().split('\n');
  const all = rows.map((row) => {
    const [p, pp, rss, ...command] = row.trim().split(/\s+/);
    return { pid: Number(p), ppid: Number(pp), rssKb: Number(rss), command: command.join(' ') };
  });
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of all) {
      if (tree.has(row.ppid) && !tree.has(row.pid)) {
        tree.add(row.pid);
        grew = true;
      }
    }
  }
  const processes = all.filter((row) => tree.has(row.pid)).map(({ pid: p, command, rssKb }) => ({ pid: p, command, rssKb }));
  return { totalKb: processes.reduce((sum, row) => sum + row.rssKb, 0), processes };
}

const dataDir = mkdtempSync(join(tmpdir(), 'orion-bench-start-'));
const bin = fileURLToPath(new URL('../bin/orion.js', import.meta.url));
const child = spawn(process.execPath, [bin, 'start'], { env: { ...process.env, PORT: '0', ORION_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
const started = Date.now();
try {
  for (const second of at) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + second * 1000 - Date.now())));
    if (child.exitCode !== null) throw new Error(`orion start exited ${child.exitCode} before ${second} s:\n${output}`);
    const { totalKb, processes } = treeRssKb(child.pid!);
    process.stdout.write(
      `${JSON.stringify({ bench: 'start-memory', afterSeconds: second, ready: /ready: http/.test(output), treeRssMb: Math.round(totalKb / 1024), processes: processes.map((p) => ({ command: p.command, rssMb: Math.round(p.rssKb / 1024) })) })}\n`,
    );
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
