// `modelgate serve` as a user runs it: a real process, real sockets, signals.
import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import { logLine, type Served, serve, stopServers } from '../helpers/serve.js';

afterEach(stopServers);

/** Waits (up to 5 s) for a log line the server writes in its own time. */
const lineFor = (s: Served, requestId: string) => logLine(s, (l) => l.requestId === requestId);

describe('modelgate serve', () => {
  it('answers the reference request, logs one JSON line per request without the body, and echoes request ids', async () => {
    const s = await serve([IRIS_MODEL]);
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
    const res = await fetch(`${s.url}/`, {
      method: 'POST',
      headers: { 'x-request-id': 'abc-123' },
      body: JSON.stringify(REFERENCE_ROW),
    });
    expect(await res.json()).toEqual({ prediction: { label: 'virginica', probability: 0.9997 } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const entry = await lineFor(s, 'abc-123');
    expect(entry).toMatchObject({ level: 'info', method: 'POST', path: '/', status: 200 });
    expect(typeof entry?.ms).toBe('number');
    expect(JSON.stringify(s.lines)).not.toContain('sepal_width');
  });

  it('logs request bodies only with --log-bodies', async () => {
    const s = await serve([IRIS_MODEL, '--log-bodies']);
    await fetch(`${s.url}/`, {
      method: 'POST',
      headers: { 'x-request-id': 'with-body' },
      body: JSON.stringify(REFERENCE_ROW),
    });
    expect((await lineFor(s, 'with-body'))?.body).toBe(JSON.stringify(REFERENCE_ROW));
  });

  it('takes --max-values, the most rows x features in one request', async () => {
    const s = await serve([IRIS_MODEL, '--max-values', '8']);
    const post = (rows: number) =>
      fetch(`${s.url}/`, { method: 'POST', body: JSON.stringify({ input: Array(rows).fill([1, 2, 3, 4]) }) });
    expect((await post(2)).status).toBe(200);
    const refused = await post(3);
    expect(refused.status).toBe(413);
    expect((await refused.json()).error).toMatchObject({ type: 'too_many_values', details: { limit: 8 } });
  });

  it('keeps connections alive', async () => {
    const s = await serve([IRIS_MODEL]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = request(`${s.url}/predict`, { method: 'POST', agent }, (res) => {
          ports.add(res.socket.localPort ?? -1);
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end(JSON.stringify(REFERENCE_ROW));
      });
    }
    expect(ports.size).toBe(1);
    agent.destroy();
  });

  it('refuses a streamed body over the limit with 413 and keeps serving', async () => {
    const s = await serve([IRIS_MODEL, '--max-body-bytes', '1000']);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${s.url}/predict`,
        { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(100));
      req.end();
    });
    expect(status).toBe(413);
    const again = await fetch(`${s.url}/predict`, { method: 'POST', body: JSON.stringify(REFERENCE_ROW) });
    expect(again.status).toBe(200);
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const s = await serve([IRIS_MODEL]);
    const body = JSON.stringify(REFERENCE_ROW);
    const answer = new Promise<string>((resolve, reject) => {
      const req = request(
        `${s.url}/predict`,
        { method: 'POST', headers: { 'content-length': body.length } },
        (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      // Half the body now, the signal, then the rest: the request is in flight when SIGTERM lands.
      req.write(body.slice(0, 10));
      setTimeout(() => {
        s.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 200);
      }, 100);
    });
    expect(JSON.parse(await answer)).toEqual({ prediction: { label: 'virginica', probability: 0.9997 } });
    expect(await s.exited).toBe(0);
    expect(s.lines.map((l) => l.msg)).toContain('shutting down: finishing in-flight requests');
  });

  it('lists its time limits in --help and refuses ones that are not positive integers of milliseconds', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--headers-timeout-ms', '--request-timeout-ms', '--drain-timeout-ms'])
      expect(help.stdout).toContain(flag);
    for (const [args, message] of [
      [['--request-timeout-ms', '0'], /--request-timeout-ms must be at least 1/],
      [['--headers-timeout-ms', '-5'], /--headers-timeout-ms must be at least 1/],
      [['--drain-timeout-ms', '1.5'], /expected an integer, got "1\.5"/],
      [
        ['--headers-timeout-ms', '5000', '--request-timeout-ms', '1000'],
        /--headers-timeout-ms \(5000\) must not be more than --request-timeout-ms \(1000\)/,
      ],
    ] as const) {
      const refused = await runCli(['serve', IRIS_MODEL, '--port', '0', ...args]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(message);
    }
  });

  it.each([
    [
      'a missing model file',
      ['/nonexistent/model.onnx'],
      /cannot load the model from \/nonexistent\/model\.onnx/,
    ],
    ['a sha256 mismatch', [IRIS_MODEL, '--sha256', 'f'.repeat(64)], /not the expected f{64}/],
  ])('stops with exit code 1 on %s, logging why', async (_, args, message) => {
    const s = await serve(args);
    expect(await s.exited).toBe(1);
    const failure = s.lines.find((l) => l.level === 'error');
    expect(String(failure?.error)).toMatch(message);
  });
});
