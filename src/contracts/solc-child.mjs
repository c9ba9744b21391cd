// Runs solcjs on the standard-JSON input read from stdin and writes its standard-JSON output to
// stdout, in a process of its own (src/contracts/compile.ts starts it on a cache miss): solcjs
// is a WebAssembly compiler whose memory grows by hundreds of MB during a build and never
// shrinks, so it must not run inside the platform's process. Imports (`@openzeppelin/...`) are
// read from node_modules under the project root given as the only argument.
// Plain JavaScript: the child runs without the TypeScript loader.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const [projectRoot] = process.argv.slice(2);
const require = createRequire(join(projectRoot, 'package.json'));

/** Resolves `@scope/package/path.sol` (or `package/path.sol`) from node_modules, as solc's import callback. */
function findImport(importPath) {
  try {
    const [scopeOrName, maybeName, ...rest] = importPath.split('/');
    const scoped = scopeOrName.startsWith('@');
    const packageJson = require.resolve(`${scoped ? `${scopeOrName}/${maybeName}` : scopeOrName}/package.json`);
    return { contents: readFileSync(join(dirname(packageJson), ...(scoped ? rest : [maybeName, ...rest])), 'utf8') };
  } catch (error) {
    return { error: `import "${importPath}" not found in node_modules: ${error.message}` };
  }
}

process.stdout.write(require('solc').compile(readFileSync(0, 'utf8'), { import: findImport }));
