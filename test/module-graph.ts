import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The static import graph of a module of ours, as written in the source: every project file it
 * reaches through value imports (`import type` and `export type` are erased at run time and
 * skipped), and every package specifier with the names imported from it. For tests that hold a
 * structural rule, e.g. "the sim executor never loads signing code".
 */

/** What a module reaches. */
export interface ModuleGraph {
  /** Absolute paths of the project files reached, the entry included. */
  files: Set<string>;
  /** Package specifier -> names imported from it (`*` for a namespace or side-effect import). */
  packages: Map<string, Set<string>>;
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?([\s\S]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

/** Walks the value imports from `entry` (an absolute .ts path). */
export function moduleGraph(entry: string): ModuleGraph {
  const graph: ModuleGraph = { files: new Set(), packages: new Map() };
  const visit = (file: string): void => {
    if (graph.files.has(file)) return;
    graph.files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const typeOnly = match[2] !== undefined;
      const clause = match[3] ?? '';
      const specifier = match[4] ?? match[5]!;
      if (typeOnly) continue;
      // `import { type A, type B }` is erased too when every name is a type.
      const names = (clause.match(/\{([\s\S]*)\}/)?.[1] ?? '').split(',').map((n) => n.trim()).filter((n) => n.length > 0);
      if (names.length > 0 && names.every((n) => n.startsWith('type ')) && !/^\s*\w+\s*,/.test(clause) && !clause.includes('*')) continue;
      if (specifier.startsWith('.')) {
        visit(resolve(dirname(file), specifier));
      } else {
        const set = graph.packages.get(specifier) ?? new Set<string>();
        if (names.length === 0) set.add('*');
        for (const n of names) if (!n.startsWith('type ')) set.add(n.split(/\s+as\s+/)[0]!.trim());
        graph.packages.set(specifier, set);
      }
    }
  };
  visit(entry);
  return graph;
}
