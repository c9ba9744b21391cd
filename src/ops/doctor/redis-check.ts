import { connect } from 'node:net';
import { redactUrl } from '../../config.ts';
import { fail, ok, skip, type DoctorCheck } from './check.ts';

const TIMEOUT_MS = 3000;

/** Redis answers PING (after AUTH when the URL has credentials), when REDIS_URL is set. */
export const redisCheck: DoctorCheck = {
  name: 'redis',
  async run({ config }) {
    if (config.redisUrl === undefined) return skip('REDIS_URL not set: the in-process bus is used');
    const shown = redactUrl(config.redisUrl);
    try {
      const answer = await pingRedis(config.redisUrl);
      return answer === '+PONG' ? ok(`${shown}: PONG`) : fail(`${shown}: answered ${JSON.stringify(answer)} to PING`);
    } catch (error) {
      return fail(`${shown}: ${(error as Error).message}`);
    }
  },
};

function command(...parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}

// A raw RESP exchange: no Redis client library is a dependency yet, and PING needs none.
async function pingRedis(url: string): Promise<string> {
  const parsed = new URL(url);
  if (parsed.protocol === 'rediss:') throw new Error('TLS (rediss:) is not checked by orion doctor yet');
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const socket = connect({ host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 6379) });
  socket.setTimeout(TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    let buffer = '';
    const expected = password === '' ? 1 : 2;
    socket.on('connect', () => {
      if (password !== '') socket.write(user === '' ? command('AUTH', password) : command('AUTH', user, password));
      socket.write(command('PING'));
    });
    socket.on('data', (data) => {
      buffer += data.toString('utf8');
      const lines = buffer.split('\r\n').filter((l) => l !== '');
      if (lines.length >= expected) {
        socket.destroy();
        const auth = expected === 2 ? lines[0]! : '+OK';
        resolve(auth.startsWith('-') ? auth : lines[expected - 1]!);
      }
    });
    socket.on('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer within ${TIMEOUT_MS} ms`));
    });
    socket.on('error', (error) => reject(new Error(`connection failed: ${error.message}`)));
  });
}
