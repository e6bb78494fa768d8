// GET /metrics on a live server: after requests of several statuses to several models, the page is
// Prometheus' text format (read by a strict parser here and, where installed, by prometheus_client's)
// and its figures are the requests sent: counts by protocol, route, model and status; latency and
// rows histograms; requests in flight; each model's load figures as the registry reports them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLog } from '../../src/adapters/log.js';
import { ServerMetrics } from '../../src/adapters/metrics.js';
import { type RunningServer, startServer } from '../../src/adapters/server.js';
import { Core } from '../../src/api/core.js';
import { type KindModel, loadKinds } from '../helpers/kinds.js';
import {
  type Family,
  parseExposition,
  parseWithPython,
  prometheusPython,
  sampleValue,
} from '../helpers/prometheus.js';
import { TestRegistry } from '../helpers/registry.js';

const quiet = new JsonLog({ write: () => {} }, { level: 'off' });
let kinds: Awaited<ReturnType<typeof loadKinds>>;
let server: RunningServer;

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  kinds = await loadKinds();
  const registry = new TestRegistry([
    {
      name: 'iris',
      status: { state: 'ready', predictor: kinds.iris.predictor },
      counters: { lastLoadMs: 52.5, loads: 1 },
    },
    {
      name: 'ridge',
      status: { state: 'ready', predictor: kinds.ridge.predictor },
      counters: { lastLoadMs: 12, loadFailures: 1, reloads: 3, reloadFailures: 1 },
    },
    {
      name: 'broken',
      status: { state: 'failed', reason: 'not an ONNX model' },
      counters: { loadFailures: 2 },
    },
  ]);
  server = await startServer(registry, { port: 0, log: quiet, limits: { maxBodyBytes: 4096, maxRows: 50 } });
});

afterAll(async () => {
  await server?.close();
  for (const k of Object.values(kinds ?? {})) await (k as KindModel).predictor.release();
});

async function scrape(): Promise<{
  text: string;
  families: Map<string, Family>;
  contentType: string | null;
}> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, families: parseExposition(text), contentType: res.headers.get('content-type') };
}

describe('/metrics', () => {
  it('counts requests by model, route and status, with latency, rows and load figures', async () => {
    const before = await scrape();
    const count = (labels: Record<string, string>, f = before.families) =>
      sampleValue(f, 'modelgate_requests_total', labels) ?? 0;

    const sent: [Promise<Response>, number][] = [
      [post('/predict', { sepal_length: 5.9, sepal_width: 3, petal_length: 5.1, petal_width: 1.8 }), 200],
      [post('/models/iris/predict', { input: kinds.iris.rows }), 200],
      [post('/models/iris/predict', { input: kinds.iris.rows }), 200],
      [post('/models/ridge/predict', { input: kinds.ridge.rows }), 200],
      [post('/models/iris/predict', '{"input": [[1, 2]'), 400],
      [post('/models/iris/predict', { input: Array.from({ length: 51 }, () => kinds.iris.rows[0]) }), 413],
      [post('/models/iris/predict', 'x'.repeat(5000)), 413],
      [post('/models/iris/predict', { input: kinds.iris.rows }, { 'content-type': 'text/csv' }), 415],
      [post('/models/nosuch/predict', { input: [[1]] }), 404],
      [post('/models/broken/predict', { input: [[1]] }), 503],
      [fetch(`${server.url}/nowhere`), 404],
      [fetch(`${server.url}/predict`), 405],
    ];
    for (const [res, status] of sent) expect((await res).status).toBe(status);

    const after = await scrape();
    expect(after.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const delta = (labels: Record<string, string>) =>
      count(labels, after.families) - count(labels, before.families);
    const predict = { protocol: 'modelgate', route: 'predict' };
    expect(delta({ ...predict, model: 'iris', status: '200' })).toBe(3);
    expect(delta({ ...predict, model: 'ridge', status: '200' })).toBe(1);
    // The body is parsed once the model is found; its size and type are checked before.
    expect(delta({ ...predict, model: 'iris', status: '400' })).toBe(1);
    expect(delta({ ...predict, model: 'iris', status: '413' })).toBe(1);
    // A body over the limit is refused while it is read, before the core: no route.
    expect(delta({ protocol: '', route: 'none', model: '', status: '413' })).toBe(1);
    expect(delta({ ...predict, model: '', status: '415' })).toBe(1);
    // An unknown model is no label value (a client cannot grow the page by naming models).
    expect(delta({ ...predict, model: '', status: '404' })).toBe(1);
    expect(sampleValue(after.families, 'modelgate_requests_total', { model: 'nosuch' })).toBeUndefined();
    expect(delta({ ...predict, model: '', status: '503' })).toBe(1);
    expect(delta({ route: 'none', status: '404' })).toBe(1);
    expect(delta({ protocol: 'modelgate', route: 'none', status: '405' })).toBe(1);
    // The first scrape is counted by the second.
    expect(delta({ protocol: 'metrics', route: 'metrics', status: '200' })).toBe(1);

    const latencyCount = (f: Map<string, Family>) =>
      sampleValue(f, 'modelgate_request_duration_seconds_count', { ...predict, model: 'iris' }) ?? 0;
    // Every answer from iris, errors included: three predictions, a 400 and a 413.
    expect(latencyCount(after.families) - latencyCount(before.families)).toBe(5);
    const rows = (what: string, f: Map<string, Family>) =>
      sampleValue(f, `modelgate_prediction_rows_${what}`, { model: 'iris' }) ?? 0;
    // Rows of the answered predictions only: 1 + 2 + 2.
    expect(rows('count', after.families) - rows('count', before.families)).toBe(3);
    expect(rows('sum', after.families) - rows('sum', before.families)).toBe(5);
    const bucket1 = (f: Map<string, Family>) =>
      sampleValue(f, 'modelgate_prediction_rows_bucket', { model: 'iris', le: '1' }) ?? 0;
    expect(bucket1(after.families) - bucket1(before.families)).toBe(1);
    expect(
      sampleValue(after.families, 'modelgate_request_errors_total', { model: 'iris', type: 'too_many_rows' }),
    ).toBe(1);
    expect(sampleValue(after.families, 'modelgate_request_errors_total', { type: 'model_not_ready' })).toBe(
      1,
    );

    // The scrape itself is the one request in flight.
    expect(sampleValue(after.families, 'modelgate_requests_in_flight')).toBe(1);
    expect(sampleValue(after.families, 'modelgate_model_ready', { model: 'iris' })).toBe(1);
    expect(sampleValue(after.families, 'modelgate_model_ready', { model: 'broken' })).toBe(0);
    expect(sampleValue(after.families, 'modelgate_model_load_seconds', { model: 'iris' })).toBeCloseTo(
      0.0525,
      6,
    );
    expect(sampleValue(after.families, 'modelgate_model_load_failures_total', { model: 'ridge' })).toBe(1);
    expect(sampleValue(after.families, 'modelgate_model_load_failures_total', { model: 'broken' })).toBe(2);
    expect(sampleValue(after.families, 'modelgate_model_reloads_total', { model: 'ridge' })).toBe(3);
    expect(sampleValue(after.families, 'modelgate_model_reload_failures_total', { model: 'ridge' })).toBe(1);
    for (const f of after.families.values())
      if (f.name.startsWith('modelgate_'))
        for (const s of f.samples) expect(Number.isNaN(s.value)).toBe(false);
    // Node's own figures, under their standard names.
    expect(after.families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(after.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(after.families.get('modelgate_request_duration_seconds')?.type).toBe('histogram');
  });

  it("is read the same by prometheus_client's parser", async () => {
    const python = await prometheusPython();
    if (!python) return;
    const { text, families } = await scrape();
    const theirs = await parseWithPython(python, text);
    // prometheus_client names a counter family without its _total.
    expect(theirs.modelgate_requests?.type).toBe('counter');
    expect(theirs.modelgate_request_duration_seconds?.type).toBe('histogram');
    expect(theirs.modelgate_prediction_rows?.type).toBe('histogram');
    expect(theirs.modelgate_requests_in_flight?.type).toBe('gauge');
    const ours = families.get('modelgate_requests_total')?.samples ?? [];
    const their = theirs.modelgate_requests?.samples.filter(([n]) => n === 'modelgate_requests_total') ?? [];
    expect(their.length).toBe(ours.length);
    for (const s of ours) {
      const match = their.find(([, labels]) => JSON.stringify(labels) === JSON.stringify(s.labels));
      expect(match?.[2]).toBe(s.value);
    }
  });

  it('HEAD and other methods: answered as any route is', async () => {
    expect((await fetch(`${server.url}/metrics`, { method: 'HEAD' })).status).toBe(200);
    const res = await fetch(`${server.url}/metrics`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('method_not_allowed');
  });

  it('is absent when turned off', async () => {
    const off = await startServer(() => ({ state: 'ready', predictor: kinds.iris.predictor }), {
      port: 0,
      log: quiet,
      metrics: false,
    });
    try {
      expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
      expect(off.metrics).toBeUndefined();
    } finally {
      await off.close();
    }
  });
});

describe('the metrics hook', () => {
  it('never counts a request in flight it did not see begin (a hook before it answered)', async () => {
    const metrics = new ServerMetrics({ processMetrics: false });
    const preflight = {
      before: () => ({ status: 204, headers: {}, body: '' }),
    };
    const core = new Core(() => ({ state: 'ready', predictor: kinds.iris.predictor }), {
      hooks: [preflight, metrics],
      moreProtocols: [metrics.protocol()],
    });
    for (let i = 0; i < 3; i++)
      expect((await core.handle({ method: 'OPTIONS', path: '/', headers: {} })).status).toBe(204);
    const page = parseExposition(await metrics.text());
    expect(sampleValue(page, 'modelgate_requests_in_flight')).toBe(0);
    expect(sampleValue(page, 'modelgate_requests_total', { status: '204' })).toBe(3);
  });

  it('keeps model names and hostile label values escaped', async () => {
    const metrics = new ServerMetrics({ processMetrics: false });
    const name = 'a "quoted"\\ name\nwith a newline';
    const registry = new TestRegistry([{ name, status: { state: 'loading' }, counters: {} }]);
    const page = parseExposition(await metrics.text(registry));
    expect(sampleValue(page, 'modelgate_model_ready', { model: name })).toBe(0);
  });
});
