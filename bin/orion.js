#!/usr/bin/env node
// Entry point of the `orion` command. It runs the compiled tree (dist/, made by `npm install`'s
// `prepare` or `npm run compile`) while it matches every source it was compiled from: no
// TypeScript loader, so a command starts in about a third of the time (docs/BENCHMARKS.md,
// "CLI start-up"). After any edit under src/ it runs the sources themselves through tsx's loader
// instead, never compiled code older than them (bin/compiled-entry.mjs).
import { compiledEntry } from './compiled-entry.mjs';

let entry = compiledEntry();
if (entry === undefined) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = '../src/cli.ts';
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
