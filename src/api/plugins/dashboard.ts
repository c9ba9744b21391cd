import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';

/** Where `npm run build` puts the dashboard (web/, built by Vite). */
export const DASHBOARD_DIR = join(import.meta.dirname, '..', '..', '..', 'web', 'dist');

/** Options of the dashboard plugin. */
export interface DashboardOptions {
  /** The built dashboard's folder (index.html and assets/). */
  dir: string;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Orion</title>
<p>The dashboard is not built yet: run <code>npm run build</code> (or <code>npm start</code>, which builds it when missing).
The API is up at <a href="/docs">/docs</a>.</p>`;

/**
 * The dashboard at `/`: web/dist's index.html (never cached, so a new build shows at once) and
 * its hashed assets under `/assets/` (cached for a year: a new build has new names). Both are
 * public like the login page they are; everything they show comes from `/api/v1` and `/ws`
 * with the user's token. The routes are our own (the static plugin only lends `sendFile`), so
 * each declares its permission like every other route, and a path outside the folder is refused
 * by `send`'s root check.
 */
export const dashboardPlugin = fp<DashboardOptions>(
  async (app, { dir }) => {
    await app.register(fastifyStatic, { root: dir, serve: false, index: false, dotfiles: 'deny' });
    const schema = { hide: true };
    const config = { permission: 'public' as const };

    app.get('/', { config, schema }, async (_request, reply) => {
      if (!existsSync(join(dir, 'index.html'))) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    });

    app.get<{ Params: { '*': string } }>('/assets/*', { config, schema }, async (request, reply) => {
      return reply.sendFile(join('assets', request.params['*']), { maxAge: '365d', immutable: true });
    });
  },
  { name: 'dashboard', dependencies: ['auth'], fastify: '5.x' },
);
