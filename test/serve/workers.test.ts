// `modelgate serve --workers N` as an operator runs it: the real CLI, a primary and its worker
// processes on one port, a worker killed under it, SIGTERM, a model that cannot load.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { workerExecArgv, YOUNG_GENERATION_FLAG } from '../../src/cli/serve.js';
import { availableCpus, cgroupCpuQuota, wholeLines } from '../../src/cli/serve-workers.js';
import { runCli } from '../helpers/cli.js';
import { IRIS_CSV, IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import { connectRaw, logLine, type Served, serve, stopServers } from '../helpers/serve.js';

afterEach(stopServers);

const BODY = JSON.stringify(REFERENCE_ROW);
const ANSWER = { prediction: { label: 'virginica', probability: 0.9997 } };

/** One POST /predict on a new connection (no keep-alive), with its request id. */
function predict(url: string, requestId: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/predict`,
      { method: 'POST', agent: false, headers: { 'x-request-id': requestId, 'content-length': BODY.length } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

/** The pid of the worker process that wrote the line for `requestId`. */
async function answeredBy(s: Served, requestId: string): Promise<number> {
  const line = await logLine(s, (l) => l.requestId === requestId);
  return Number(line?.pid);
}

/** The pids of the workers that have reported ready, by slot. */
function readyWorkers(s: Served): Map<number, number> {
  const out = new Map<number, number>();
  for (const l of s.lines) if (l.msg === 'model loaded; ready') out.set(Number(l.worker), Number(l.pid));
  return out;
}

async function allReady(s: Served, count = 1): Promise<void> {
  const until = performance.now() + 15_000;
  while (s.lines.filter((l) => l.msg === 'all workers ready').length < count) {
    if (performance.now() > until) throw new Error(`not ready: ${JSON.stringify(s.lines)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('modelgate serve --workers 2', () => {
  it('answers from both workers on one port, and a killed worker is replaced while the other answers', async () => {
    const s = await serve([IRIS_MODEL, '--workers', '2']);
    await allReady(s);
    const before = readyWorkers(s);
    expect(before.size).toBe(2);
    expect(new Set(before.values()).size).toBe(2);
    const primaryPid = s.child.pid;
    expect([...before.values()]).not.toContain(primaryPid);

    // Round-robin: requests on new connections go to both workers.
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const r = await predict(s.url, `rr-${i}`);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toEqual(ANSWER);
      seen.add(await answeredBy(s, `rr-${i}`));
    }
    expect(seen).toEqual(new Set(before.values()));

    // Each worker's metrics are its own, every series labelled with it: scrapes reach both, and a
    // worker's request count only grows.
    const scraped = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const page = await (await fetch(`${s.url}/metrics`, { headers: { connection: 'close' } })).text();
      const counts = [
        ...page.matchAll(/^modelgate_requests_total\{[^}]*route="predict"[^}]*worker="(\d)"\} (\d+)$/gm),
      ];
      expect(counts.length).toBeGreaterThan(0);
      for (const [, w] of counts) scraped.add(w as string);
      expect(page).not.toMatch(/^modelgate_requests_total\{(?![^}]*worker=)[^}]*\} /m);
    }
    expect(scraped).toEqual(new Set(['1', '2']));

    // Kill worker 1 outright: the primary says so, and requests keep being answered.
    const victim = before.get(1) as number;
    process.kill(victim, 'SIGKILL');
    const exited = await logLine(
      s,
      (l) => l.msg === 'worker exited; restarting it' && l.workerPid === victim,
    );
    expect(exited).toMatchObject({ role: 'primary', worker: 1, signal: 'SIGKILL' });
    for (let i = 0; i < 10; i++) expect((await predict(s.url, `after-${i}`)).status).toBe(200);

    // A new worker takes slot 1, and answers too.
    await allReady(s, 2);
    const replacement = readyWorkers(s).get(1) as number;
    expect(replacement).not.toBe(victim);
    const byNow = new Set<number>();
    for (let i = 0; i < 8; i++) {
      expect((await predict(s.url, `new-${i}`)).status).toBe(200);
      byNow.add(await answeredBy(s, `new-${i}`));
    }
    expect(byNow).toEqual(new Set([replacement, before.get(2)]));
    expect(() => process.kill(victim, 0)).toThrow();
  });

  it('on SIGTERM, finishes the request in flight in its worker, stops every worker and exits 0', async () => {
    const s = await serve([IRIS_MODEL, '--workers', '2']);
    await allReady(s);
    const workers = [...readyWorkers(s).values()];
    const raw = await connectRaw(s.url);
    await raw.write(`POST /predict HTTP/1.1\r\nhost: x\r\ncontent-length: ${BODY.length}\r\n\r\n`);
    await raw.write(BODY.slice(0, 10));
    // The request has reached a worker (its headers are parsed) before the signal.
    await new Promise((r) => setTimeout(r, 200));
    s.child.kill('SIGTERM');
    await logLine(s, (l) => typeof l.msg === 'string' && l.msg.startsWith('shutting down (SIGTERM)'));
    await new Promise((r) => setTimeout(r, 300));
    await raw.write(BODY.slice(10));
    const [res] = await raw.responses(1);
    expect(res).toMatchObject({ status: 200, headers: { connection: 'close' } });
    expect(JSON.parse(res?.body ?? '')).toEqual(ANSWER);
    expect(await s.exited).toBe(0);
    const stopped = s.lines.filter((l) => l.msg === 'stopped');
    expect(new Set(stopped.map((l) => l.pid))).toEqual(new Set([...workers, s.child.pid]));
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('stops restarting a worker that keeps dying, and exits 1 when every worker does', async () => {
    const s = await serve([IRIS_MODEL, '--workers', '2']);
    await allReady(s);
    /** Kills the worker in `slot` as soon as it is ready, until the primary gives up on it. */
    const killUntilAbandoned = async (slot: number) => {
      const killed = new Set<number>();
      for (let i = 0; i < 5; i++) {
        const line = await logLine(
          s,
          (l) => l.msg === 'model loaded; ready' && l.worker === slot && !killed.has(Number(l.pid)),
          15_000,
        );
        const pid = Number(line?.pid);
        killed.add(pid);
        process.kill(pid, 'SIGKILL');
        await logLine(s, (l) => l.role === 'primary' && l.workerPid === pid && l.signal === 'SIGKILL');
      }
      return killed;
    };
    await killUntilAbandoned(1);
    expect(
      await logLine(s, (l) => l.msg === 'worker 1 died 5 times within 60 s; not restarting it'),
    ).toBeTruthy();
    // The other worker answers on.
    for (let i = 0; i < 4; i++) expect((await predict(s.url, `left-${i}`)).status).toBe(200);
    await killUntilAbandoned(2);
    expect(await s.exited).toBe(1);
    expect(
      s.lines.find((l) => l.level === 'error' && l.msg === 'every worker keeps dying; stopping'),
    ).toBeTruthy();
    expect(s.lines.filter((l) => l.msg === 'worker started')).toHaveLength(10);
  }, 60_000);

  it('exits 1 promptly, saying why, when the model fails to load in every worker', async () => {
    const started = performance.now();
    const out = await runCli(['serve', IRIS_CSV, '--port', '0', '--workers', '2'], { timeoutMs: 20_000 });
    expect(out.code).toBe(1);
    expect(performance.now() - started).toBeLessThan(10_000);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.level === 'error' && l.role === 'primary')).toMatchObject({
      role: 'primary',
      level: 'error',
      msg: 'every worker failed to start; stopping',
      error: expect.stringContaining('it looks like CSV data, not an ONNX model'),
    });
    expect(lines.at(-1)).toMatchObject({ role: 'primary', msg: 'stopped' });
    // Each worker tried once: no restart loop.
    expect(lines.filter((l) => l.msg === 'worker started')).toHaveLength(2);
  });

  it('refuses --workers 0 and a count past the limit as usage errors', async () => {
    for (const n of ['0', '257']) {
      const out = await runCli(['serve', IRIS_MODEL, '--workers', n]);
      expect(out.code).toBe(2);
      expect(out.stderr).toBe(`modelgate: --workers must be from 1 to 256, got ${n}\n`);
    }
  });
});

describe('the default worker count', () => {
  const files =
    (contents: Record<string, string>) =>
    (path: string): string | undefined =>
      contents[path];

  it("reads the cgroup's CPU quota (v2, then v1), rounded down, none when unlimited", () => {
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' }))).toBe(2);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeUndefined();
    expect(
      cgroupCpuQuota(
        files({
          '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '50000\n',
          '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
        }),
      ),
    ).toBe(0.5);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n' }))).toBeUndefined();
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'garbage here' }))).toBeUndefined();
    expect(cgroupCpuQuota(files({}))).toBeUndefined();
  });

  it('is the smaller of the CPUs it may run on and the quota, and at least 1', () => {
    const cpus = availableCpus(files({}));
    expect(cpus).toBeGreaterThanOrEqual(1);
    expect(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '100000000 100000' }))).toBe(cpus);
    expect(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '150000 100000' }))).toBe(1);
    expect(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '10000 100000' }))).toBe(1);
  });
});

describe("the workers' young generation", () => {
  it('is 8 MB semi-spaces unless node was given a size, on its command line or in NODE_OPTIONS', () => {
    expect(YOUNG_GENERATION_FLAG).toBe('--max-semi-space-size=8');
    expect(workerExecArgv(['--enable-source-maps'], undefined)).toEqual([
      '--enable-source-maps',
      '--max-semi-space-size=8',
    ]);
    expect(workerExecArgv(['--max-semi-space-size=2'], undefined)).toEqual(['--max-semi-space-size=2']);
    expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=4')).toEqual([]);
  });
});

describe('log lines from several processes', () => {
  it('are written in pieces a pipe keeps whole, cut at line ends', () => {
    const writes: string[] = [];
    const out = wholeLines({ write: (c: string) => writes.push(c) }, 100);
    const lines = Array.from({ length: 30 }, (_, i) => `${JSON.stringify({ i, pad: 'x'.repeat(i) })}\n`);
    out.write(lines.join(''));
    expect(writes.join('')).toBe(lines.join(''));
    for (const w of writes) {
      expect(w.endsWith('\n')).toBe(true);
      // Within the bound, unless a single line is longer.
      if (w.split('\n').length > 2) expect(Buffer.byteLength(w)).toBeLessThanOrEqual(100);
    }
    const long = `${'y'.repeat(300)}\n`;
    writes.length = 0;
    out.write(`a\n${long}b\n`);
    expect(writes).toEqual(['a\n', long, 'b\n']);
  });
});
