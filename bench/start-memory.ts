import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// `npm run bench -- start-memory [--at 60,180]`: issue 15's memory figure of `npm start` on the
// default market, from a fresh data folder (the first start initialises the embedded database and
// seeds the chain: the worst case), then a clean stop. One JSON line per `--at` second: the
// resident memory (VmRSS) and its peak so far (VmHWM) of the orion node process and of every
// child (anvil, esbuild when run through the TypeScript loader), from /proc, and the node
// process's own split (process.memoryUsage(): V8 heap, external, arrayBuffers — PGlite's
// WebAssembly memory counts in external) and its CPU seconds so far (user + system). A last line: time to ready, peaks (node VmHWM, and
// the whole tree's largest sum sampled every second). `--node-flags "…"` adds flags to that node
// (for comparing V8 settings).
const { values } = parseArgs({
  options: { at: { type: 'string', default: '60,180' }, 'node-flags': { type: 'string', default: '' }, json: { type: 'boolean', default: true } },
});
const nodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
const at = values.at.split(',').map(Number);
if (at.some((s) => !Number.isInteger(s) || s < 1 || s > 3600)) {
  process.stderr.write(`bench start-memory: --at must be seconds from 1 to 3600, comma-separated, got "${values.at}"\n`);
  process.exit(2);
}

interface ProcessMemory { pid: number; command: string; rssMb: number; hwmMb: number }

/** VmRSS and VmHWM (MB) of one process from /proc (Linux); undefined when it has gone. */
function memoryOf(pid: number, command: string): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { pid, command, rssMb: Math.round(kb('VmRSS') / 1024), hwmMb: Math.round(kb('VmHWM') / 1024) };
}

/** CPU seconds (user + system) `pid` has used so far, from /proc/PID/stat (clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `pid` and every descendant, with their memory. */
function tree(pid: number): ProcessMemory[] {
  const rows = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' }).stdout.trim().split('\n');
  const all = rows.map((row) => {
    const [p, pp, ...command] = row.trim().split(/\s+/);
    return { pid: Number(p), ppid: Number(pp), command: command.join(' ') };
  });
  const members = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of all) {
      if (members.has(row.ppid) && !members.has(row.pid)) {
        members.add(row.pid);
        grew = true;
      }
    }
  }
  return all.filter((row) => members.has(row.pid)).flatMap((row) => memoryOf(row.pid, row.command) ?? []);
}

const dataDir = mkdtempSync(join(tmpdir(), 'orion-bench-start-'));
const bin = fileURLToPath(new URL('../bin/orion.js', import.meta.url));
const probe = fileURLToPath(new URL('./start-memory-probe.mjs', import.meta.url));
const child = spawn(process.execPath, [...nodeFlags, '--import', probe, bin, 'start'], {
  env: { ...process.env, PORT: '0', ORION_DATA_DIR: dataDir },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
let probeWaiter: ((line: string) => void) | undefined;
child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
child.stderr.on('data', (chunk: Buffer) => {
  for (const line of chunk.toString().split('\n')) {
    if (line.startsWith('orion-memory-probe ')) probeWaiter?.(line.slice('orion-memory-probe '.length));
    else if (line !== '') output += `${line}\n`;
  }
});
const started = Date.now();
let readyAfterMs: number | undefined;
let peakTreeMb = 0;
const sampler = setInterval(() => {
  if (readyAfterMs === undefined && /ready: http/.test(output)) readyAfterMs = Date.now() - started;
  peakTreeMb = Math.max(peakTreeMb, tree(child.pid!).reduce((sum, p) => sum + p.rssMb, 0));
}, 1000);

/** The node process's memoryUsage() split, asked for by SIGUSR2 (the probe answers on stderr). */
async function heapSplit(): Promise<Record<string, number>> {
  const line = new Promise<string>((resolve) => (probeWaiter = resolve));
  child.kill('SIGUSR2');
  return JSON.parse(await line) as Record<string, number>;
}

try {
  for (const second of at) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + second * 1000 - Date.now())));
    if (child.exitCode !== null) throw new Error(`orion start exited ${child.exitCode} before ${second} s:\n${output}`);
    const processes = tree(child.pid!);
    const node = processes.find((p) => p.pid === child.pid)!;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'start-memory',
        nodeFlags: values['node-flags'],
        afterSeconds: second,
        ready: /ready: http/.test(output),
        nodeRssMb: node.rssMb,
        nodePeakRssMb: node.hwmMb,
        treeRssMb: processes.reduce((sum, p) => sum + p.rssMb, 0),
        nodeCpuSeconds: cpuSecondsOf(child.pid!),
        node: await heapSplit(),
        processes: processes.map(({ command, rssMb, hwmMb }) => ({ command, rssMb, peakRssMb: hwmMb })),
      })}\n`,
    );
  }
  const node = memoryOf(child.pid!, 'node')!;
  process.stdout.write(`${JSON.stringify({ bench: 'start-memory', readyAfterMs: readyAfterMs ?? null, nodePeakRssMb: node.hwmMb, treePeakRssMb: peakTreeMb })}\n`);
} finally {
  clearInterval(sampler);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
