// `modelgate serve` stopping under load, as its clients see it: a real process, keep-alive clients,
// SIGTERM in the middle.
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import { connectRaw, type Served, serve, stopServers } from '../helpers/serve.js';

afterEach(stopServers);

const BODY = JSON.stringify(REFERENCE_ROW);
const ANSWER = JSON.stringify({ prediction: { label: 'virginica', probability: 0.9997 } });

type Outcome =
  | { kind: 'answered'; status: number; body: string; headers: IncomingHttpHeaders; sentAt: number }
  /** The request failed after its response began: a broken answer. */
  | { kind: 'broken'; error: string }
  /** No response, on a connection that had answered before (keep-alive): a dropped request. */
  | { kind: 'dropped'; error: string; sentAt: number }
  /** No response, on a new connection: the server was no longer accepting connections. */
  | { kind: 'refused'; error: string };

/** One POST /predict on `agent`, classified by how it ended. */
function predictOnce(url: string, agent: Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const sentAt = Date.now();
    const req = request(
      `${url}/predict`,
      { method: 'POST', agent, headers: { 'content-length': BODY.length } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () =>
          resolve({ kind: 'answered', status: res.statusCode ?? 0, body, headers: res.headers, sentAt }),
        );
        res.on('aborted', () => resolve({ kind: 'broken', error: 'aborted' }));
        res.on('error', (e) => resolve({ kind: 'broken', error: e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      const error = e.code ?? e.message;
      resolve(req.reusedSocket ? { kind: 'dropped', error, sentAt } : { kind: 'refused', error });
    });
    req.end(BODY);
  });
}

/** The time (ms since the epoch) of the server's "shutting down" log line, once it is written. */
async function shutdownTime(s: Served): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const line = s.lines.find((l) => String(l.msg).startsWith('shutting down'));
    if (line) return Date.parse(String(line.time));
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the server did not log that it was shutting down');
}

describe('modelgate serve: stopping', () => {
  it('under 64 keep-alive clients, SIGTERM answers every request received, with connection: close, and exits', async () => {
    // Before: the server went on answering keep-alive requests (41,000 in 12 s) until the clients
    // left, and the requests waiting on idle connections when the signal came were dropped.
    const s = await serve([IRIS_MODEL]);
    const outcomes: Outcome[] = [];
    let stop = false;
    const clients = Array.from({ length: 64 }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (!stop) {
        const outcome = await predictOnce(s.url, agent);
        outcomes.push(outcome);
        // A client told the server is gone stops, as a load balancer takes the target out.
        if (outcome.kind === 'refused') break;
      }
      agent.destroy();
    });
    await new Promise((r) => setTimeout(r, 1500));
    const signalled = performance.now();
    s.child.kill('SIGTERM');
    const stoppedAt = await shutdownTime(s);
    // The clients would go on for 15 s; the server must not wait for them.
    const leave = setTimeout(() => {
      stop = true;
    }, 15_000);
    const code = await s.exited;
    const exitMs = performance.now() - signalled;
    stop = true;
    clearTimeout(leave);
    await Promise.all(clients);

    expect(code).toBe(0);
    // Within the default 10 s drain timeout, with a margin for a loaded machine.
    expect(exitMs).toBeLessThan(10_000 + 2_000);
    const answered = outcomes.filter((o) => o.kind === 'answered');
    expect(answered.length).toBeGreaterThan(64);
    expect(outcomes.filter((o) => o.kind === 'broken')).toEqual([]);
    expect(outcomes.filter((o) => o.kind === 'dropped')).toEqual([]);
    for (const o of answered) {
      expect(o.status).toBe(200);
      expect(o.body).toBe(ANSWER);
    }
    // A request sent after the server began to stop is answered, and told to close.
    const late = answered.filter((o) => o.sentAt > stoppedAt);
    expect(late.filter((o) => o.headers.connection !== 'close')).toEqual([]);
    // Every client got the word: its last answer closed its connection (or it was refused after).
    expect(
      answered.filter((o) => o.headers.connection === 'close').length +
        outcomes.filter((o) => o.kind === 'refused').length,
    ).toBeGreaterThanOrEqual(64);
  });

  it('answers a request that arrives on an idle keep-alive connection during the drain, with connection: close', async () => {
    // Before: close() destroyed idle connections at once, so this request met a closed connection.
    const s = await serve([IRIS_MODEL]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await predictOnce(s.url, agent);
    expect(first).toMatchObject({ kind: 'answered', status: 200 });
    s.child.kill('SIGTERM');
    await shutdownTime(s);
    const second = await predictOnce(s.url, agent);
    expect(second).toMatchObject({ kind: 'answered', status: 200, body: ANSWER });
    expect(second.kind === 'answered' && second.headers.connection).toBe('close');
    expect(await s.exited).toBe(0);
    agent.destroy();
  });

  it('closes an idle keep-alive connection and exits at once', async () => {
    const s = await serve([IRIS_MODEL]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await predictOnce(s.url, agent)).toMatchObject({ kind: 'answered', status: 200 });
    // Idle for longer than the drain's grace: nothing can be on its way on it.
    await new Promise((r) => setTimeout(r, 1_100));
    const signalled = performance.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    // Not the 65 s keep-alive timeout, nor the drain timeout.
    expect(performance.now() - signalled).toBeLessThan(3_000);
    agent.destroy();
  });

  it('cuts the connections still open after --drain-timeout-ms, says how many, and exits', async () => {
    const s = await serve([IRIS_MODEL, '--drain-timeout-ms', '1000']);
    // A request whose body never finishes: in flight for as long as the connection lasts.
    const raw = await connectRaw(s.url);
    await raw.write('POST /predict HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"sepal');
    await new Promise((r) => setTimeout(r, 100));
    const signalled = performance.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const ms = performance.now() - signalled;
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(1_000 + 2_500);
    await raw.closed;
    const cut = s.lines.find((l) => l.level === 'warn');
    expect(cut).toMatchObject({ connections: 1 });
    expect(String(cut?.msg)).toMatch(/drain timeout: cut 1 connection still open after 1000 ms/);
  });
});
