import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const here = import.meta.dirname;

/**
 * Records every source file the bundle was built from (web/src and the shared src/ modules it
 * imports, e.g. the amount formatter and the role table) in dist/build-inputs.json, so
 * `npm start` can tell in milliseconds whether the build is older than its sources
 * (web/build-if-stale.mjs) without a second list to keep in step.
 */
function recordInputs(): Plugin {
  return {
    name: 'orion-record-inputs',
    apply: 'build',
    writeBundle(options) {
      const inputs = new Set<string>([join(here, 'index.html'), join(here, 'vite.config.ts'), join(here, 'package.json')]);
      // Every module of the graph, tree-shaken or not: an edit to any of them may change the bundle.
      for (const id of this.getModuleIds()) if (!id.includes('node_modules') && !id.startsWith('\0') && existsSync(id.split('?')[0]!)) inputs.add(id.split('?')[0]!);
      const files = [...inputs].map((file) => relative(here, file)).sort();
      writeFileSync(join(options.dir ?? join(here, 'dist'), 'build-inputs.json'), `${JSON.stringify({ builtAt: new Date().toISOString(), files }, null, 1)}\n`);
    },
  };
}

// The dashboard is served by the API at `/` from web/dist (src/api/plugins/dashboard.ts), so
// every asset is same-origin and the API's CSP (script-src 'self') holds with no exception.
// React's JSX is compiled by esbuild from tsconfig's "jsx": "react-jsx" (no plugin needed for a build).
export default defineConfig({
  root: here,
  base: '/',
  plugins: [recordInputs()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080', '/ws': { target: 'ws://127.0.0.1:8080', ws: true } } },
});
