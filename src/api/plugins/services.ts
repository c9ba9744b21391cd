import fp from 'fastify-plugin';
import type { ServiceGate } from '../services.ts';

/** Decorates the app with the service gate (503 until the database is open). */
export const servicesPlugin = fp<{ gate: ServiceGate }>(
  async (app, options) => {
    app.decorate('services', options.gate);
  },
  { name: 'services', fastify: '5.x' },
);
