// Prometheus metrics for the HTTP server, through prom-client: a Hooks object that counts and times
// every request the core answers, and a tiny protocol that serves them at GET /metrics. Requests by
// model, route and status; latency by model and route; rows per prediction; requests in flight; and,
// read from the model registry when /metrics is scraped, each model's load time, load failures and
// reloads. The Lambda handler writes CloudWatch EMF lines instead (src/adapters/emf.ts).
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { ApiError } from '../api/errors.js';
import type { Hooks } from '../api/hooks.js';
import type { CoreResponse, Exchange, Protocol } from '../api/protocol.js';
import { errorResponse } from '../api/protocols/modelgate.js';
import type { ModelRegistry } from '../api/registry.js';

/**
 * Request latency buckets, in seconds: a prediction inside the core takes 20-100 µs, a wide batch some
 * milliseconds, a model still loading answers at once, a 10,000-row batch a few hundred milliseconds.
 */
export const LATENCY_BUCKETS = [
  0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  5, 10,
];

/** Rows per prediction: one-row requests are most, batches go up to the row limit (10,000 by default). */
export const ROWS_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 100_000];

export interface ServerMetricsOptions {
  /** Also Node's process metrics (CPU, memory, heap, event-loop delay, GC), as prom-client collects them (default true). */
  processMetrics?: boolean;
  /** Latency buckets in seconds (default LATENCY_BUCKETS). */
  latencyBuckets?: readonly number[];
}

type LabelValues = Record<string, string>;

/**
 * A counter or histogram counted on the request's path without prom-client's per-call work (its
 * `labels().inc()` hashes the label object on every call: 2.8 µs a request for the four figures, a tenth
 * of a prediction). Each series is found by one string key; prom-client's registry formats the series
 * when /metrics is scraped, through the `get()` every metric it holds has.
 */
class Series {
  readonly type: 'counter' | 'histogram';
  private readonly series = new Map<
    string,
    { labels: LabelValues; count: number; sum: number; buckets?: Float64Array }
  >();
  private readonly bounds: readonly number[] | undefined;

  constructor(
    readonly name: string,
    readonly help: string,
    bounds?: readonly number[],
  ) {
    this.type = bounds ? 'histogram' : 'counter';
    this.bounds = bounds ? [...bounds].sort((a, b) => a - b) : undefined;
  }

  /** The series of `key`, made from `labels()` the first time. */
  private at(key: string, labels: () => LabelValues) {
    let s = this.series.get(key);
    if (!s) {
      s = {
        labels: labels(),
        count: 0,
        sum: 0,
        ...(this.bounds ? { buckets: new Float64Array(this.bounds.length) } : {}),
      };
      this.series.set(key, s);
    }
    return s;
  }

  inc(key: string, labels: () => LabelValues): void {
    this.at(key, labels).count++;
  }

  observe(key: string, labels: () => LabelValues, value: number): void {
    const s = this.at(key, labels);
    s.count++;
    s.sum += value;
    const bounds = this.bounds as readonly number[];
    const buckets = s.buckets as Float64Array;
    // Most answers fall in the first buckets: a scan from the bottom is shorter than a binary search.
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        buckets[i]++;
        break;
      }
    }
  }

  get() {
    const values: { metricName?: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const s of this.series.values()) {
      if (!s.buckets) {
        values.push({ labels: s.labels, value: s.count });
        continue;
      }
      let cumulative = 0;
      this.bounds?.forEach((le, i) => {
        cumulative += (s.buckets as Float64Array)[i] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...s.labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...s.labels }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' as const };
  }

  reset(): void {
    this.series.clear();
  }
}

/** A route's answers for one model: their count by status, and their latency histogram. */
interface RouteFigures {
  labels: LabelValues;
  statuses: Map<number, number>;
  count: number;
  sum: number;
  buckets: Float64Array;
}

/**
 * Requests by protocol, route, model and status, and their latency: one entry per protocol, route and
 * model, found through nested maps keyed by the exchange's own strings (no key is built per request),
 * formatted as a counter and a histogram when scraped.
 */
class RequestFigures {
  private readonly byProtocol = new Map<string, Map<string, Map<string, RouteFigures>>>();
  private readonly bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.bounds = [...bounds].sort((a, b) => a - b);
  }

  add(protocol: string, route: string, model: string, status: number, seconds: number | undefined): void {
    let routes = this.byProtocol.get(protocol);
    if (!routes) {
      routes = new Map();
      this.byProtocol.set(protocol, routes);
    }
    let models = routes.get(route);
    if (!models) {
      models = new Map();
      routes.set(route, models);
    }
    let f = models.get(model);
    if (!f) {
      f = {
        labels: { protocol, route, model },
        statuses: new Map(),
        count: 0,
        sum: 0,
        buckets: new Float64Array(this.bounds.length),
      };
      models.set(model, f);
    }
    f.statuses.set(status, (f.statuses.get(status) ?? 0) + 1);
    if (seconds === undefined) return;
    f.count++;
    f.sum += seconds;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= (bounds[i] as number)) {
        f.buckets[i] = (f.buckets[i] as number) + 1;
        break;
      }
    }
  }

  private *all(): Generator<RouteFigures> {
    for (const routes of this.byProtocol.values())
      for (const models of routes.values()) yield* models.values();
  }

  counter(name: string, help: string) {
    return {
      name,
      type: 'counter',
      get: () => {
        const values: { labels: Record<string, string>; value: number }[] = [];
        for (const f of this.all())
          for (const [status, value] of f.statuses)
            values.push({ labels: { ...f.labels, status: String(status) }, value });
        return { name, help, type: 'counter', values, aggregator: 'sum' };
      },
      reset: () => this.byProtocol.clear(),
    };
  }

  histogram(name: string, help: string) {
    return {
      name,
      type: 'histogram',
      get: () => {
        const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
        for (const f of this.all()) {
          if (f.count === 0) continue; // answered by the transport only, never timed
          let cumulative = 0;
          this.bounds.forEach((le, i) => {
            cumulative += f.buckets[i] as number;
            values.push({ metricName: `${name}_bucket`, labels: { le, ...f.labels }, value: cumulative });
          });
          values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', ...f.labels }, value: f.count });
          values.push({ metricName: `${name}_sum`, labels: f.labels, value: f.sum });
          values.push({ metricName: `${name}_count`, labels: f.labels, value: f.count });
        }
        return { name, help, type: 'histogram', values, aggregator: 'sum' };
      },
      reset: () => this.byProtocol.clear(),
    };
  }
}

/** Set on an exchange whose `before` ran, so `after` counts down only what was counted up. */
const OPEN = Symbol('modelgate.metrics.open');
type Counted = Exchange & { [OPEN]?: true };

export class ServerMetrics implements Hooks {
  /** Its after() counts; it never changes an answer. */
  readonly readsOnly = true;
  readonly registry = new Registry();
  private readonly figures: RequestFigures;
  private readonly rows = new Series(
    'modelgate_prediction_rows',
    'Rows per prediction request.',
    ROWS_BUCKETS,
  );
  private readonly errors = new Series(
    'modelgate_request_errors_total',
    'Error answers by their error type (invalid_row, payload_too_large, model_not_ready, internal_error, ...).',
  );
  private readonly loadSeconds: Gauge<'model'>;
  private readonly loadFailures: Counter<'model'>;
  private readonly reloads: Counter<'model'>;
  private readonly reloadFailures: Counter<'model'>;
  private readonly ready: Gauge<'model'>;
  private inFlight = 0;

  constructor(options: ServerMetricsOptions = {}) {
    const registers = [this.registry];
    this.figures = new RequestFigures(options.latencyBuckets ?? LATENCY_BUCKETS);
    // prom-client's registry takes any metric with a name, a type, get() and reset().
    for (const m of [
      this.figures.counter(
        'modelgate_requests_total',
        'Requests answered, by protocol, route, model and status code (model is empty where none was found).',
      ),
      this.figures.histogram(
        'modelgate_request_duration_seconds',
        'Time from the core receiving a request (its body read) to its answer being made, in seconds.',
      ),
      this.rows,
      this.errors,
    ])
      this.registry.registerMetric(m as unknown as Counter);
    const self = this;
    new Gauge({
      name: 'modelgate_requests_in_flight',
      help: 'Requests the core is answering now.',
      registers,
      collect() {
        this.set(self.inFlight);
      },
    });
    this.loadSeconds = new Gauge({
      name: 'modelgate_model_load_seconds',
      help: "How long the model's last successful load took (read, checked, session made), in seconds.",
      labelNames: ['model'],
      registers,
    });
    this.loadFailures = new Counter({
      name: 'modelgate_model_load_failures_total',
      help: 'Loads of the model that failed (first loads and reloads).',
      labelNames: ['model'],
      registers,
    });
    this.reloads = new Counter({
      name: 'modelgate_model_reloads_total',
      help: 'Reloads that swapped a new version of the model in.',
      labelNames: ['model'],
      registers,
    });
    this.reloadFailures = new Counter({
      name: 'modelgate_model_reload_failures_total',
      help: 'Reloads that failed, the model already loaded kept.',
      labelNames: ['model'],
      registers,
    });
    this.ready = new Gauge({
      name: 'modelgate_model_ready',
      help: 'Whether the model is loaded and answering (1), or loading or failed (0).',
      labelNames: ['model'],
      registers,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  before(exchange: Exchange): undefined {
    (exchange as Counted)[OPEN] = true;
    this.inFlight++;
    return undefined;
  }

  after(exchange: Exchange, response: CoreResponse): void {
    if ((exchange as Counted)[OPEN]) {
      (exchange as Counted)[OPEN] = undefined;
      this.inFlight--;
    }
    const model = exchange.model ?? '';
    const status = response.status;
    this.figures.add(
      exchange.protocol ?? '',
      exchange.route ?? 'none',
      model,
      status,
      (performance.now() - exchange.started) / 1000,
    );
    if (exchange.rows !== undefined && status < 400)
      this.rows.observe(model, () => ({ model }), exchange.rows);
  }

  /**
   * An answer the transport made before the core saw the request (a body over the limit while it was
   * read, a request that arrived too slowly, one Node's parser refused): counted with no route.
   */
  transportAnswer(status: number, type: string): void {
    // Not timed: the core never had it.
    this.figures.add('', 'none', '', status, undefined);
    this.errors.inc(`\nnone\n\n${type}`, () => ({ protocol: '', route: 'none', model: '', type }));
  }

  onError(exchange: Exchange, error: unknown): void {
    const type = error instanceof ApiError ? error.type : 'internal_error';
    const protocol = exchange.protocol ?? '';
    const route = exchange.route ?? 'none';
    const model = exchange.model ?? '';
    this.errors.inc(`${protocol}\n${route}\n${model}\n${type}`, () => ({ protocol, route, model, type }));
  }

  /** The metrics page, the models' figures read from `models` first. */
  async text(models?: ModelRegistry): Promise<string> {
    if (models) this.readModels(models);
    return this.registry.metrics();
  }

  /** The protocol that serves GET /metrics (errors in modelgate's format). */
  protocol(): Protocol {
    return {
      name: 'metrics',
      routes: [
        {
          method: 'GET',
          path: '/metrics',
          name: 'metrics',
          handle: async (ctx) => ({
            status: 200,
            headers: { 'content-type': this.registry.contentType, 'cache-control': 'no-store' },
            body: await this.text(ctx.models),
          }),
        },
      ],
      owns: () => false,
      errorResponse,
    };
  }

  private readModels(models: ModelRegistry): void {
    // A model the registry no longer lists leaves the page with it.
    for (const m of [this.ready, this.loadSeconds, this.loadFailures, this.reloads, this.reloadFailures])
      m.reset();
    for (const entry of models.list()) {
      const name = entry.name;
      this.ready.set({ model: name }, entry.status().state === 'ready' ? 1 : 0);
      const counts = entry.counters;
      if (!counts) continue;
      if (counts.lastLoadMs > 0) this.loadSeconds.set({ model: name }, counts.lastLoadMs / 1000);
      setCounter(this.loadFailures, name, counts.loadFailures);
      setCounter(this.reloads, name, counts.reloads);
      setCounter(this.reloadFailures, name, counts.reloadFailures);
    }
  }
}

/** A counter the registry keeps (a count only ever grows there): prom-client's counter takes increments. */
function setCounter(counter: Counter<'model'>, model: string, value: number): void {
  if (Number.isFinite(value) && value >= 0) counter.inc({ model }, value);
}
