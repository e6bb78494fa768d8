// Readiness probes while the model loads: each is answered 503 and logged as a warning, not as an error
// with a stack (a probe every few seconds would otherwise fill the error log during every start).
import { describe, expect, it } from 'vitest';
import { JsonLog } from '../../src/adapters/log.js';
import { startServer } from '../../src/adapters/server.js';

describe('probes during the load', () => {
  it('are answered 503 and logged at warn, without a stack', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = {
      write: (t: string) =>
        lines.push(
          ...t
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l)),
        ),
    };
    const server = await startServer(() => ({ state: 'loading' }), { port: 0, log: new JsonLog(sink) });
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/ready`)).status).toBe(503);
    await server.close();
    const probes = lines.filter((l) => l.path === '/ready');
    expect(probes).toHaveLength(3);
    for (const l of probes) expect(l).toMatchObject({ level: 'warn', status: 503 });
    expect(lines.filter((l) => l.level === 'error' || 'stack' in l)).toEqual([]);
  });
});
