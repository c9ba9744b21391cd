import { openStore } from './open-store.ts';

// Test fixture run in a child process by folder-lock.test.ts: opens the PGlite store of the
// data folder in argv[2], prints "open <pid>", holds it until stdin closes, then closes it.
// With --once it exits right after opening. A failure prints "error <name>: <message>", exit 3.
const [dataDir, flag] = process.argv.slice(2);
try {
  const store = await openStore({ dataDir: dataDir ?? '' });
  process.stdout.write(`open ${process.pid}\n`);
  if (flag === '--once') {
    await store.close();
  } else {
    process.stdin.resume();
    process.stdin.on('end', () => void store.close());
  }
} catch (error) {
  const e = error as Error;
  process.stdout.write(`error ${e.name}: ${e.message}\n`);
  process.exitCode = 3;
}
