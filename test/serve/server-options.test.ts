// startServer's time limits, passed programmatically (modelgate/server) rather than on the command line.
import { afterEach, describe, expect, it } from 'vitest';
import { JsonLog } from '../../src/adapters/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { connectRaw } from '../helpers/serve.js';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

/** A server whose model never loads (its routes are not the point here), logging into `lines`. */
async function start(options: Parameters<typeof startServer>[1], lines: string[] = []) {
  const server = await startServer(() => ({ state: 'loading' }), {
    port: 0,
    log: new JsonLog({ write: (chunk: string) => lines.push(...chunk.trimEnd().split('\n')) }),
    ...options,
  });
  running.push(server);
  return server;
}

describe('startServer time limits', () => {
  it.each([
    [{ requestTimeoutMs: 0 }, /requestTimeoutMs must be a positive integer of milliseconds, got 0/],
    [{ headersTimeoutMs: 1.5 }, /headersTimeoutMs must be a positive integer of milliseconds, got 1\.5/],
    [{ drainTimeoutMs: -1 }, /drainTimeoutMs must be a positive integer of milliseconds, got -1/],
    [{ keepAliveTimeoutMs: 0 }, /keepAliveTimeoutMs must be a positive integer of milliseconds, got 0/],
    [
      { headersTimeoutMs: 2_000, requestTimeoutMs: 1_000 },
      /headersTimeoutMs \(2000\) must not be more than requestTimeoutMs \(1000\)/,
    ],
  ])('refuses %o', async (options, message) => {
    await expect(start(options)).rejects.toThrow(RangeError);
    await expect(start(options)).rejects.toThrow(message);
  });

  it('takes requestTimeoutMs: a trickling body is answered 408 at it', async () => {
    const server = await start({ requestTimeoutMs: 600 });
    const raw = await connectRaw(server.url);
    await raw.write('POST /predict HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n{');
    const [res] = await raw.responses(1, 5_000);
    expect(res?.status).toBe(408);
    expect(JSON.parse(res!.body).error.message).toBe('the request did not arrive whole within 600 ms');
  });

  it('takes drainTimeoutMs: close() cuts a connection still busy after it, and logs it', async () => {
    const lines: string[] = [];
    const server = await start({ drainTimeoutMs: 300 }, lines);
    running.pop();
    const raw = await connectRaw(server.url);
    await raw.write('POST /predict HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n{');
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeGreaterThan(250);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await raw.closed).toBeUndefined();
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ level: 'warn', connections: 1 }),
    );
  });
});
