// The models a core serves: one or many, each loading, ready or failed on its own. Protocols find a
// model here by name (or take the default one) and never hold a Predictor of their own, so a model
// that is swapped (a reload) or loaded on first use (a Lambda prefix) is the one the next request gets.
import type { Predictor } from '../runtime/predictor.js';
import { ModelNotReadyError, NotFoundError } from './errors.js';

/**
 * Where a model is: loading, ready, or failed (with the reason, for the operator's log); or known but
 * not loaded, in a registry that loads on first use (its ready() loads it) and may evict it again.
 */
export type ModelStatus =
  | { state: 'unloaded' }
  | { state: 'loading' }
  | { state: 'ready'; predictor: Predictor }
  | { state: 'failed'; reason: string };

export interface ModelEntry {
  /** The name requests use: the card's name, or the one it was given (a file name) until it loads. */
  readonly name: string;
  /** The card's version (its sha256's first 12 hex digits when the card has none), once known. */
  readonly version: string | undefined;
  status(): ModelStatus;
  /**
   * How its loads and reloads went, in a registry that counts them (the metrics read them when
   * /metrics is scraped, never on a request's path).
   */
  readonly counters?: Readonly<ModelCounters>;
}

/** Counts since start, per model. */
export interface ModelCounters {
  /** Loads that succeeded (the first, and each after an eviction). */
  loads: number;
  loadFailures: number;
  /** Reloads that swapped in a new model; reloadFailures: those that kept the old one. */
  reloads: number;
  reloadFailures: number;
  /** Times it was evicted to make room for others. */
  evictions: number;
  /** How long the last successful load or reload took, in milliseconds (0 before any). */
  lastLoadMs: number;
}

/** A predictor held for one request: a registry that swaps or evicts models releases one only when no lease holds it. */
export interface ModelLease {
  readonly predictor: Predictor;
  /** Once the request is done with it; a second call does nothing. */
  release(): void;
}

export interface ModelRegistry {
  /** The model `/` and `/predict` answer; undefined when the registry serves none by default. */
  defaultEntry(): ModelEntry | undefined;
  /** Every model, in a stable order (the default first). */
  list(): readonly ModelEntry[];
  find(name: string): ModelEntry | undefined;
  /**
   * The entry's predictor, loaded first by a registry that loads on demand; a ModelNotReadyError (503)
   * while it loads or after it failed.
   */
  ready(entry: ModelEntry): Promise<Predictor>;
  /**
   * Like ready(), holding the predictor until the lease is released. A registry that swaps models (a
   * reload) or evicts them (a bounded cache) has one; the core takes a lease for every ready() a route
   * calls through its context and releases it once the answer is made.
   */
  lease?(entry: ModelEntry): Promise<ModelLease>;
  /**
   * A lease taken at once when the entry's model is loaded, else undefined (then lease() waits for it):
   * the core's way to answer a request for a loaded model without waiting a turn of the event loop.
   */
  leaseNow?(entry: ModelEntry): ModelLease | undefined;
}

/** A lease that holds nothing: for a predictor no registry will release under a request. */
export function heldLease(predictor: Predictor): ModelLease {
  return { predictor, release: noop };
}

function noop(): void {}

/** The 503 a model that is not ready answers: the reason a load failed goes to the log, not the client. */
export function notReadyError(
  status: Exclude<ModelStatus, { state: 'ready' }>,
  name?: string,
): ModelNotReadyError {
  const which = name === undefined ? 'the model' : `the model ${JSON.stringify(name)}`;
  return new ModelNotReadyError(
    status.state === 'failed'
      ? `${which} failed to load; the reason is in the server log`
      : status.state === 'unloaded'
        ? `${which} is not loaded; retry shortly`
        : `${which} is still loading; retry shortly`,
  );
}

export class ModelNotFoundError extends NotFoundError {
  override name = 'ModelNotFoundError';
  constructor(name: string, known: readonly string[]) {
    const list = known.slice(0, 20).map((n) => JSON.stringify(n));
    super(
      `no model named ${JSON.stringify(name)}${known.length === 0 ? '' : `; this endpoint serves ${list.join(', ')}${known.length > 20 ? ', ...' : ''}`}`,
      { model: name },
    );
  }
}

/** The predictor of an entry that is ready, else undefined. */
export function loadedPredictor(entry: ModelEntry): Predictor | undefined {
  const status = entry.status();
  return status.state === 'ready' ? status.predictor : undefined;
}

/** The predictor of an entry that is ready, else the 503 its state calls for. */
export function readyPredictor(entry: ModelEntry, named = false): Predictor {
  const status = entry.status();
  if (status.state !== 'ready') throw notReadyError(status, named ? entry.name : undefined);
  return status.predictor;
}

/**
 * One model, as `serve <model>` and the Lambda handler have always served it: it answers `/` and
 * any name its card has (before it loads, the name given, else any name).
 */
export class SingleModel implements ModelRegistry {
  private readonly entry: ModelEntry;

  constructor(status: () => ModelStatus, fallbackName = 'model') {
    this.entry = {
      get name() {
        const s = status();
        return s.state === 'ready' ? s.predictor.card.name : fallbackName;
      },
      get version() {
        const s = status();
        return s.state === 'ready' ? cardVersion(s.predictor) : undefined;
      },
      status,
    };
  }

  defaultEntry(): ModelEntry {
    return this.entry;
  }

  list(): readonly ModelEntry[] {
    return [this.entry];
  }

  find(name: string): ModelEntry | undefined {
    // Before its card is read the model's name is not known: any name may be it, and is told it is
    // loading (a readiness probe of /models/iris/ready gets 503, not 404).
    if (this.entry.status().state !== 'ready') return this.entry;
    return name === this.entry.name ? this.entry : undefined;
  }

  async ready(entry: ModelEntry): Promise<Predictor> {
    return readyPredictor(entry);
  }
}

/** A model's version as the protocols report it: the card's own, else its file's sha256's first 12 hex digits. */
export function cardVersion(predictor: Predictor): string {
  return predictor.card.version ?? shortDigest(predictor.sha256);
}

const shortDigests = new Map<string, string>();

/** A sha256's first 12 hex digits, kept per digest (a version is asked for on every request). */
function shortDigest(sha256: string): string {
  let short = shortDigests.get(sha256);
  if (short === undefined) {
    if (shortDigests.size >= 4096) shortDigests.clear();
    short = sha256.slice(0, 12);
    shortDigests.set(sha256, short);
  }
  return short;
}

/** The registry's model by name, or a 404 naming it and the ones there are. */
export function findModel(registry: ModelRegistry, name: string): ModelEntry {
  const entry = registry.find(name);
  if (!entry)
    throw new ModelNotFoundError(
      name,
      registry.list().map((e) => e.name),
    );
  return entry;
}

/** The default model, or a 404 when the registry has none. */
export function defaultModel(registry: ModelRegistry): ModelEntry {
  const entry = registry.defaultEntry();
  if (!entry) {
    const names = registry.list().map((e) => e.name);
    throw new NotFoundError(
      `this endpoint has no default model; name one: ${names.map((n) => `/models/${n}/predict`).join(', ')}`,
      { models: names },
    );
  }
  return entry;
}
