// `modelgate serve` logs and metrics as an operator sets them: request lines off or sampled
// (--log-requests, LOG_REQUESTS), a level (--log-level, LOG_LEVEL), /metrics and /openapi.json on by
// default and /metrics off with --no-metrics; bad values are usage errors naming the option.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import { serve, stopServers } from '../helpers/serve.js';

afterEach(stopServers);

const predict = (url: string, id: string) =>
  fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'x-request-id': id },
    body: JSON.stringify(REFERENCE_ROW),
  });

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('serve: logs and metrics', () => {
  it('--log-requests off writes no request lines; /metrics and /openapi.json answer', async () => {
    const s = await serve([IRIS_MODEL, '--log-requests', 'off']);
    for (let i = 0; i < 5; i++) expect((await predict(s.url, `quiet-${i}`)).status).toBe(200);
    const metrics = await fetch(`${s.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(
      /^modelgate_requests_total\{protocol="modelgate",route="predict",model="iris",status="200"\} 5$/m,
    );
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as { openapi: string; paths: object };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/predict');
    // A line would have been written within a turn; wait a little for any to cross the pipe.
    await new Promise((r) => setTimeout(r, 300));
    expect(s.lines.filter((l) => typeof l.requestId === 'string')).toEqual([]);
    expect(s.lines.map((l) => l.msg)).toContain('model loaded; ready');
  });

  it('--log-level warn drops info lines; --no-metrics serves none', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [BIN, 'serve', IRIS_MODEL, '--port', String(port), '--log-level', 'warn', '--no-metrics'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      let ready = false;
      for (let i = 0; i < 200 && !ready; i++) {
        ready = await fetch(`${url}/ready`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready).toBe(true);
      expect((await predict(url, 'w-1')).status).toBe(200);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      await new Promise((r) => setTimeout(r, 300));
      // A /ready polled while the model loads is a 503, a warning: written. Nothing below warn is.
      const levels = out
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { level: string }).level);
      expect(levels.filter((l) => l !== 'warn' && l !== 'error')).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('LOG_REQUESTS samples request lines when no option is given', async () => {
    const s = await serve([IRIS_MODEL], { LOG_REQUESTS: '0' });
    expect((await predict(s.url, 'sampled-out')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.lines.filter((l) => l.requestId === 'sampled-out')).toEqual([]);
  });

  it('refuses a bad --log-requests, --log-level or LOG_LEVEL, naming it', async () => {
    const share = await runCli(['serve', IRIS_MODEL, '--log-requests', '2']);
    expect(share.code).not.toBe(0);
    expect(share.stderr).toMatch(/--log-requests must be on, off or a share from 0 to 1, got "2"/);
    const level = await runCli(['serve', IRIS_MODEL, '--log-level', 'loud']);
    expect(level.code).not.toBe(0);
    expect(level.stderr).toMatch(/--log-level must be one of debug, info, warn, error, off/);
    const env = await runCli(['serve', IRIS_MODEL, '--port', '0'], { env: { LOG_LEVEL: 'loud' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/LOG_LEVEL must be one of/);
  });
});
