// Prometheus metrics for the HTTP server, through prom-client: a Hooks object that counts and times
// every request the core answers, and a tiny protocol that serves them at GET /metrics. Requests by
// model, route and status; latency by model and route; rows per prediction; requests in flight; and,
// read from the model registry when /metrics is scraped, each model's load time, load failures and
// reloads. The Lambda handler writes CloudWatch EMF lines instead (src/adapters/emf.ts).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
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

type Labels = 'protocol' | 'route' | 'model' | 'status';

interface Children {
  requests: { inc(): void };
  latency: { observe(v: number): void };
}

/** Past this many label combinations the cache of prom-client's children is dropped (they stay in prom-client). */
const MAX_CACHED = 4096;

export class ServerMetrics implements Hooks {
  readonly registry = new Registry();
  private readonly requests: Counter<Labels>;
  private readonly latency: Histogram<'protocol' | 'route' | 'model'>;
  private readonly rows: Histogram<'model'>;
  private readonly errors: Counter<'protocol' | 'route' | 'model' | 'type'>;
  private readonly loadSeconds: Gauge<'model'>;
  private readonly loadFailures: Counter<'model'>;
  private readonly reloads: Counter<'model'>;
  private readonly reloadFailures: Counter<'model'>;
  private readonly ready: Gauge<'model'>;
  /** The exchanges whose `before` ran, so `after` counts down only what was counted up. */
  private readonly open = new WeakSet<Exchange>();
  private inFlight = 0;
  /** prom-client's children by label values: `labels()` hashes its arguments on every call. */
  private readonly children = new Map<string, Children>();
  private readonly rowChildren = new Map<string, { observe(v: number): void }>();

  constructor(options: ServerMetricsOptions = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'modelgate_requests_total',
      help: 'Requests answered, by protocol, route, model and status code (model is empty where none was found).',
      labelNames: ['protocol', 'route', 'model', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'modelgate_request_duration_seconds',
      help: 'Time from the core receiving a request (its body read) to its answer being made, in seconds.',
      labelNames: ['protocol', 'route', 'model'],
      buckets: [...(options.latencyBuckets ?? LATENCY_BUCKETS)],
      registers,
    });
    this.rows = new Histogram({
      name: 'modelgate_prediction_rows',
      help: 'Rows per prediction request.',
      labelNames: ['model'],
      buckets: ROWS_BUCKETS,
      registers,
    });
    this.errors = new Counter({
      name: 'modelgate_request_errors_total',
      help: 'Error answers by their error type (invalid_row, payload_too_large, model_not_ready, internal_error, ...).',
      labelNames: ['protocol', 'route', 'model', 'type'],
      registers,
    });
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
    this.open.add(exchange);
    this.inFlight++;
    return undefined;
  }

  after(exchange: Exchange, response: CoreResponse): void {
    if (this.open.delete(exchange)) this.inFlight--;
    const protocol = exchange.protocol ?? '';
    const route = exchange.route ?? 'none';
    const model = exchange.model ?? '';
    const key = `${protocol}\n${route}\n${model}\n${response.status}`;
    let c = this.children.get(key);
    if (!c) {
      if (this.children.size >= MAX_CACHED) this.children.clear();
      c = {
        requests: this.requests.labels(protocol, route, model, String(response.status)),
        latency: this.latency.labels(protocol, route, model),
      };
      this.children.set(key, c);
    }
    c.requests.inc();
    c.latency.observe((performance.now() - exchange.started) / 1000);
    if (exchange.rows !== undefined && response.status < 400) {
      let r = this.rowChildren.get(model);
      if (!r) {
        if (this.rowChildren.size >= MAX_CACHED) this.rowChildren.clear();
        r = this.rows.labels(model);
        this.rowChildren.set(model, r);
      }
      r.observe(exchange.rows);
    }
  }

  /**
   * An answer the transport made before the core saw the request (a body over the limit while it was
   * read, a request that arrived too slowly, one Node's parser refused): counted with no route.
   */
  transportAnswer(status: number, type: string): void {
    this.requests.labels('', 'none', '', String(status)).inc();
    this.errors.labels('', 'none', '', type).inc();
  }

  onError(exchange: Exchange, error: unknown): void {
    const type = error instanceof ApiError ? error.type : 'internal_error';
    this.errors.labels(exchange.protocol ?? '', exchange.route ?? 'none', exchange.model ?? '', type).inc();
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
      const loads = entry.loads?.();
      if (!loads) continue;
      if (loads.lastLoadMs !== undefined) this.loadSeconds.set({ model: name }, loads.lastLoadMs / 1000);
      setCounter(this.loadFailures, name, loads.failures);
      if (loads.reloads !== undefined) setCounter(this.reloads, name, loads.reloads);
      if (loads.reloadFailures !== undefined) setCounter(this.reloadFailures, name, loads.reloadFailures);
    }
  }
}

/** A counter the registry keeps (a count only ever grows there): prom-client's counter takes increments. */
function setCounter(counter: Counter<'model'>, model: string, value: number): void {
  if (Number.isFinite(value) && value >= 0) counter.inc({ model }, value);
}
