// Preloaded by `npm run bench -- start-memory` into the `orion start` process (node --import):
// on SIGUSR2 it prints one line on stderr with process.memoryUsage() in MB (rss, heapTotal,
// heapUsed, external, arrayBuffers), so the bench can say where the resident memory lies.
// Plain JavaScript: it must not need the TypeScript loader, nor load anything the platform does not.
import process from 'node:process';

const mb = (bytes) => Math.round(bytes / 1048576);
process.on('SIGUSR2', () => {
  const usage = process.memoryUsage();
  const split = Object.fromEntries(Object.entries(usage).map(([key, bytes]) => [`${key}Mb`, mb(bytes)]));
  process.stderr.write(`orion-memory-probe ${JSON.stringify(split)}\n`);
});
