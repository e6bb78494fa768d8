import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { JsonLog } from '../../src/adapters/log.js';

function sink() {
  const writes: string[] = [];
  return { writes, out: { write: (chunk: string) => writes.push(chunk) } };
}

describe('JsonLog', () => {
  it('writes the lines of one turn of the event loop together, once the turn ends', async () => {
    const { writes, out } = sink();
    const log = new JsonLog(out);
    log.line({ level: 'info', n: 1 });
    log.line({ level: 'info', n: 2 });
    expect(writes).toEqual([]);
    await turn();
    expect(writes).toHaveLength(1);
    const lines = writes[0]
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.n)).toEqual([1, 2]);
    for (const l of lines) expect(Number.isNaN(Date.parse(l.time))).toBe(false);
  });

  it('writes at once when asked, after what is queued', () => {
    const { writes, out } = sink();
    const log = new JsonLog(out);
    log.line({ n: 1 });
    log.now({ n: 2 });
    expect(
      writes
        .join('')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).n),
    ).toEqual([1, 2]);
  });

  it('does not hold more than 512 lines', () => {
    const { writes, out } = sink();
    const log = new JsonLog(out);
    for (let i = 0; i < 512; i++) log.line({ i });
    expect(writes).toHaveLength(1);
    expect(writes[0].trimEnd().split('\n')).toHaveLength(512);
  });

  it('keeps the time current across milliseconds', async () => {
    const { writes, out } = sink();
    const log = new JsonLog(out);
    log.line({ n: 1 });
    await new Promise((r) => setTimeout(r, 5));
    log.now({ n: 2 });
    const [a, b] = writes
      .join('')
      .trimEnd()
      .split('\n')
      .map((l) => Date.parse(JSON.parse(l).time));
    expect(b).toBeGreaterThan(a);
  });
});
