import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// package.json says Node >= 20, and these machines run Node 20: every package the platform
// installs must accept it. cookie@2 (through Fastify's light-my-request) asks for Node >= 22;
// package.json's `overrides` pins light-my-request's cookie to 1.x, which has the same API.
const NODE_20 = '20.19.0';
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } }>;
};

describe('the installed tree supports Node 20', () => {
  it(`every production package's engines.node accepts Node ${NODE_20}`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([name, entry]) => name !== '' && entry.dev !== true && entry.engines?.node !== undefined && !semver.satisfies(NODE_20, entry.engines.node))
      .map(([name, entry]) => `${name}@${entry.version} (node ${entry.engines!.node})`);
    expect(refusing).toEqual([]);
  });

  it('light-my-request runs on the overridden cookie: an injected request carries its cookies', async () => {
    expect(lock.packages['node_modules/light-my-request/node_modules/cookie']?.version ?? lock.packages['node_modules/cookie']?.version).toMatch(/^1\./);
    const app = Fastify();
    app.get('/', async (request) => ({ cookie: request.headers.cookie ?? null }));
    try {
      const response = await app.inject({ method: 'GET', url: '/', cookies: { session: 'a b', other: '1' } });
      expect(response.json()).toEqual({ cookie: 'session=a%20b; other=1' });
    } finally {
      await app.close();
    }
  });
});
