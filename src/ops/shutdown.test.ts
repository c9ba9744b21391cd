import { describe, expect, it } from 'vitest';
import { createShutdownHooks } from './shutdown.ts';

describe('shutdown hooks', () => {
  it('run by phase, in the order added within a phase, once; a failure does not stop later hooks', async () => {
    const hooks = createShutdownHooks();
    const ran: string[] = [];
    hooks.add('close', 'database', () => void ran.push('database'));
    hooks.add('flush', 'ledger', () => void ran.push('ledger'));
    hooks.add('intake', 'http', () => void ran.push('http'));
    hooks.add('in-flight', 'engine', () => {
      ran.push('engine');
      throw new Error('engine stuck');
    });
    hooks.add('flush', 'backup', async () => void ran.push('backup'));
    expect(hooks.list()).toEqual(['intake:http', 'in-flight:engine', 'flush:ledger', 'flush:backup', 'close:database']);
    const [first, second] = await Promise.all([hooks.run(), hooks.run()]);
    expect(ran).toEqual(['http', 'engine', 'ledger', 'backup', 'database']);
    expect(first).toBe(second);
    expect(first.map((f) => [f.phase, f.hook, f.error.message])).toEqual([['in-flight', 'engine', 'engine stuck']]);
    expect(() => hooks.add('close', 'late', () => undefined)).toThrow(/while the platform is stopping/);
  });
});
