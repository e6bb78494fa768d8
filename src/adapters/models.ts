// Many models behind one endpoint: a ModelRegistry over model files (paths, s3:// or https:// URIs),
// each loading, ready or failed on its own. Two ways to load:
// - 'eager' (`serve`): every file's card is read at open (names come from the cards; two models of one
//   name are an error naming both files), then each model loads in turn while the others answer; a
//   model is reloaded on demand (a file change, SIGHUP) and swapped in only once the new one has loaded
//   and passed Predictor.load's checks.
// - 'on-demand' (Lambda with a prefix): files are named by their file name; a model loads on its first
//   request (concurrent first requests share one load), and the loaded ones are kept within a memory
//   budget, the least recently used evicted first.
// Either way a predictor that is swapped out or evicted is released only once no request holds it
// (ModelRegistry.lease; the core takes a lease for each request).
import { stat } from 'node:fs/promises';
import { basename, isAbsolute, resolve as resolvePath } from 'node:path';
import {
  heldLease,
  loadedPredictor,
  type ModelCounters,
  type ModelEntry,
  type ModelLease,
  type ModelRegistry,
  type ModelStatus,
  notReadyError,
} from '../api/registry.js';
import { findCard } from '../onnx/card.js';
import { decodeMetadataProps } from '../onnx/proto.js';
import { Predictor, type PredictorOptions } from '../runtime/predictor.js';
import { StoreError } from '../store/errors.js';
import { isFolderUri, listUri, localTag } from '../store/list.js';
import { isRemote, isS3 } from '../store/uri.js';
import type { Logger } from './log.js';
import { readModelBytes } from './model.js';
import { ModelSourceError, sha256Hex } from './model-file.js';

export interface ModelFile {
  /** A path, s3:// or https:// URI. */
  uri: string;
  /** The sha256 its bytes must have (every load and reload is held to it). */
  sha256?: string;
  /** Its size in bytes, when a listing told it (the cache's estimate before it is read). */
  size?: number;
}

export interface ModelCache {
  /** The memory the loaded models may take together, estimated (bytes). */
  budgetBytes: number;
  /** A loaded model's memory as a multiple of its file's size (default MEMORY_FACTOR). */
  memoryFactor?: number;
  /** And a fixed part per model, bytes (default MEMORY_OVERHEAD_BYTES). */
  overheadBytes?: number;
}

export interface ModelSetOptions {
  loading: 'eager' | 'on-demand';
  /** The default model's name (answering `/`); else the first file's model. */
  defaultName?: string;
  log?: Logger;
  predictor?: PredictorOptions;
  /** Give up reading one model after this long. */
  timeoutMs?: number;
  /** Relative paths are read against this folder. */
  baseDir?: string;
  /** On-demand only: keep the loaded models within this budget (default: unbounded). */
  cache?: ModelCache;
  /** On-demand only: after a failed load, the model answers 503 at once for this long before a retry (default 5 s). */
  retryAfterMs?: number;
  /** Eager: at most this many bytes of files are kept from open to loadAll (default 256 MiB); the others are read again. */
  holdBytes?: number;
  /** How many files are read at once at open (default 4). */
  concurrency?: number;
}

/**
 * A loaded model's memory, estimated as a fixed part plus a multiple of its file's size. Measured with
 * bench/model-memory.mjs (tree ensembles of 6 KB to 6.5 MB files, each size in a fresh process): a
 * session took about 220 KB plus 5.6-8.5 times its file (6.1 for the largest). The estimate errs high,
 * since a cache that underestimates runs the function out of memory (docs/serving.md).
 */
export const MEMORY_FACTOR = 9;
export const MEMORY_OVERHEAD_BYTES = 256 * 1024;

/** At most this many bytes of model files are held between open and loadAll (the rest are read again). */
const HELD_BYTES = 256 * 1024 * 1024;

/** The name a file gives a model: its base name without `.onnx`. */
export function fileModelName(uri: string): string {
  const base = basename(uri.replace(/[?#].*$/, ''));
  return base.toLowerCase().endsWith('.onnx') ? base.slice(0, -5) : base;
}

/** One loaded predictor, held by the requests that leased it; released once retired and free. */
class Loaded {
  leases = 0;
  private retired = false;
  released = false;

  constructor(
    readonly predictor: Predictor,
    /** Its estimated memory, bytes. */
    readonly bytes: number,
  ) {}

  retire(): void {
    this.retired = true;
    this.releaseIfFree();
  }

  releaseIfFree(): void {
    if (!this.retired || this.leases > 0 || this.released) return;
    this.released = true;
    this.predictor.release().catch(() => {});
  }
}

/** One request's hold on a loaded predictor (a class: a request's lease allocates no closures). */
class Lease implements ModelLease {
  private done = false;

  constructor(private readonly loaded: Loaded) {}

  get predictor(): Predictor {
    return this.loaded.predictor;
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    this.loaded.leases--;
    this.loaded.releaseIfFree();
  }
}

class Slot implements ModelEntry {
  /** The set it belongs to (an entry of another set is refused). */
  owner: ModelSet | undefined;
  name: string;
  version: string | undefined;
  /** Whether `name` came from the model's card (else from its file name, until it loads). */
  named = false;
  state: 'unloaded' | 'loading' | 'ready' | 'failed';
  reason = '';
  current: Loaded | undefined;
  /** An on-demand load under way, shared by the requests that wait for it. */
  loading: Promise<Loaded> | undefined;
  failedAt = 0;
  lastUsed = 0;
  reloading: Promise<ReloadOutcome> | undefined;
  reloadAgain = false;
  /** A local file's tag (store/list.ts localTag) just before its bytes were last read. */
  tag: string | undefined;
  /** Bumped by each install: one that finishes after a later one started is dropped. */
  generation = 0;
  readonly counters: ModelCounters = {
    loads: 0,
    loadFailures: 0,
    reloads: 0,
    reloadFailures: 0,
    evictions: 0,
    lastLoadMs: 0,
  };

  constructor(
    readonly file: ModelFile,
    initial: 'unloaded' | 'loading',
  ) {
    this.name = fileModelName(file.uri);
    this.state = initial;
  }

  status(): ModelStatus {
    switch (this.state) {
      case 'ready':
        return { state: 'ready', predictor: (this.current as Loaded).predictor };
      case 'failed':
        return { state: 'failed', reason: this.reason };
      default:
        return { state: this.state };
    }
  }
}

/** What a reload did: swapped in a new model, found the same bytes, or failed (keeping the old one). */
export type ReloadOutcome = 'swapped' | 'unchanged' | 'failed';

export class ModelSet implements ModelRegistry {
  private readonly slots: Slot[];
  private byName = new Map<string, Slot>();
  private readonly defaultSlot: Slot | undefined;
  private clock = 0;
  /** Files read at open, until their model loads. */
  private pending = new Map<Slot, Uint8Array>();
  private closed = false;

  private constructor(
    slots: Slot[],
    defaultSlot: Slot | undefined,
    private readonly options: ModelSetOptions,
  ) {
    this.defaultSlot = defaultSlot;
    for (const slot of slots) slot.owner = this;
    // The default first, then the files' order.
    this.slots = defaultSlot ? [defaultSlot, ...slots.filter((s) => s !== defaultSlot)] : slots;
    this.index();
  }

  /**
   * The registry over `files`. Eager: every file is read now and its card's name taken (a file that
   * cannot be read or holds no card keeps its file name and fails on its own); two models of one name,
   * or a default name that is none of them, are a ModelSourceError. Then call loadAll().
   */
  static async open(files: readonly ModelFile[], options: ModelSetOptions): Promise<ModelSet> {
    if (files.length === 0) throw new ModelSourceError('no model files to serve');
    const eager = options.loading === 'eager';
    const slots = files.map((f) => new Slot(f, eager ? 'loading' : 'unloaded'));
    const read = new Map<Slot, Uint8Array>();
    let held = 0;
    if (eager) {
      const log = options.log;
      await forEachLimited(slots, options.concurrency ?? 4, async (slot) => {
        try {
          slot.tag = tagBeforeRead(slot.file.uri, options.baseDir);
          const { bytes } = await readModelBytes({
            uri: slot.file.uri,
            sha256: slot.file.sha256,
            baseDir: options.baseDir,
            timeoutMs: options.timeoutMs,
          });
          const card = findCard(decodeMetadataProps(bytes));
          slot.name = card.name;
          slot.named = true;
          slot.version = card.version ?? sha256Hex(bytes).slice(0, 12);
          // Kept for loadAll within a bound; past it a model's file is read again when it loads.
          if (held + bytes.length <= (options.holdBytes ?? HELD_BYTES)) {
            read.set(slot, bytes);
            held += bytes.length;
          }
        } catch (err) {
          slot.state = 'failed';
          slot.reason = (err as Error).message;
          slot.counters.loadFailures++;
          log?.now({
            level: 'error',
            msg: 'model failed to load',
            model: slot.name,
            uri: slot.file.uri,
            error: slot.reason,
          });
        }
      });
    }
    const seen = new Map<string, Slot>();
    for (const slot of slots) {
      const other = seen.get(slot.name);
      if (other)
        throw new ModelSourceError(
          `two models are named ${JSON.stringify(slot.name)}: ${other.file.uri} and ${slot.file.uri}; each model on one endpoint needs its own name (set it with modelgate pack --name, or rename the file)`,
        );
      seen.set(slot.name, slot);
    }
    let defaultSlot: Slot | undefined = slots[0];
    if (options.defaultName !== undefined) {
      defaultSlot = seen.get(options.defaultName);
      if (!defaultSlot)
        throw new ModelSourceError(
          `the default model ${JSON.stringify(options.defaultName)} is none of the models given: ${[...seen.keys()].map((n) => JSON.stringify(n)).join(', ')}`,
        );
    }
    const set = new ModelSet(slots, defaultSlot, options);
    set.pending = read;
    return set;
  }

  private index(): void {
    this.byName = new Map(this.slots.map((s) => [s.name, s]));
  }

  defaultEntry(): ModelEntry | undefined {
    return this.defaultSlot;
  }

  list(): readonly ModelEntry[] {
    return this.slots;
  }

  find(name: string): ModelEntry | undefined {
    return this.byName.get(name);
  }

  /** The file a model was read from. */
  fileOf(entry: ModelEntry): ModelFile {
    return this.slotOf(entry).file;
  }

  /** A local model file's tag just before it was last read (a watcher's starting point). */
  tagOf(entry: ModelEntry): string | undefined {
    return this.slotOf(entry).tag;
  }

  async ready(entry: ModelEntry): Promise<Predictor> {
    return (await this.acquire(this.slotOf(entry), false)).predictor;
  }

  async lease(entry: ModelEntry): Promise<ModelLease> {
    return new Lease(await this.acquire(this.slotOf(entry), true));
  }

  leaseNow(entry: ModelEntry): ModelLease | undefined {
    const slot = this.slotOf(entry);
    const loaded = slot.current;
    if (!loaded || loaded.released) return undefined;
    return new Lease(this.taken(slot, loaded, true));
  }

  private slotOf(entry: ModelEntry): Slot {
    if (!(entry instanceof Slot) || entry.owner !== this)
      throw new RangeError(`the entry ${JSON.stringify(entry.name)} is not one of this registry's`);
    return entry;
  }

  /** The slot's loaded model, loading it first on demand; leased in the same turn it is found live. */
  private async acquire(slot: Slot, lease: boolean): Promise<Loaded> {
    // An on-demand model evicted between its load and this request's turn is loaded again.
    for (let attempt = 0; ; attempt++) {
      let loaded = slot.current;
      if (!loaded) {
        if (this.options.loading === 'eager' || this.closed) throw notReadyError(nonReady(slot), slot.name);
        loaded = await this.loadOnDemand(slot);
      }
      if (!loaded.released || attempt >= 3) {
        if (!loaded.released) return this.taken(slot, loaded, lease);
        slot.lastUsed = ++this.clock;
        throw notReadyError({ state: 'loading' }, slot.name);
      }
    }
  }

  /** A live model found for a request: used now (for the cache's order), and held when leased. */
  private taken(slot: Slot, loaded: Loaded, lease: boolean): Loaded {
    slot.lastUsed = ++this.clock;
    if (lease) loaded.leases++;
    return loaded;
  }

  /** Loads every model that was read at open, one after another (the default first); each is ready as soon as it loads. */
  async loadAll(): Promise<void> {
    for (const slot of this.slots) {
      if (this.closed) return;
      const bytes = this.pending.get(slot);
      this.pending.delete(slot);
      if (bytes) await this.install(slot, bytes, 'load');
      else if (slot.state === 'loading' && !slot.current && !slot.reloading) await this.reload(slot, 'load');
    }
  }

  /**
   * Reads the model's file again and, when its bytes changed, loads and checks the new model and swaps
   * it in; the requests holding the old one finish on it, and it is released after. A failure keeps the
   * old model (logged and counted). Reloads of one model do not overlap: one asked for during another
   * runs after it.
   */
  reload(entry: ModelEntry, why = 'reload'): Promise<ReloadOutcome> {
    const slot = this.slotOf(entry);
    if (slot.reloading) {
      slot.reloadAgain = true;
      return slot.reloading;
    }
    const run = async (): Promise<ReloadOutcome> => {
      let outcome: ReloadOutcome;
      do {
        slot.reloadAgain = false;
        outcome = await this.reloadOnce(slot, why);
      } while (slot.reloadAgain && !this.closed);
      return outcome;
    };
    slot.reloading = run().finally(() => {
      slot.reloading = undefined;
    });
    return slot.reloading;
  }

  /** Every model reloaded (SIGHUP). */
  async reloadAll(why = 'reload'): Promise<ReloadOutcome[]> {
    return Promise.all(this.slots.map((s) => this.reload(s, why)));
  }

  private async reloadOnce(slot: Slot, why: string): Promise<ReloadOutcome> {
    if (this.closed) return 'unchanged';
    const started = performance.now();
    let bytes: Uint8Array;
    // A reload supersedes the bytes read at open, should the first load not have run yet.
    this.pending.delete(slot);
    try {
      slot.tag = tagBeforeRead(slot.file.uri, this.options.baseDir);
      ({ bytes } = await readModelBytes({
        uri: slot.file.uri,
        sha256: slot.file.sha256,
        baseDir: this.options.baseDir,
        timeoutMs: this.options.timeoutMs,
      }));
    } catch (err) {
      this.failed(slot, err, why, started);
      return 'failed';
    }
    if (slot.current && slot.current.predictor.sha256 === sha256Hex(bytes)) return 'unchanged';
    return this.install(slot, bytes, slot.current ? 'reload' : 'load', why);
  }

  /** Loads `bytes` as the slot's model and swaps it in, or records the failure. */
  private async install(
    slot: Slot,
    bytes: Uint8Array,
    kind: 'load' | 'reload',
    why?: string,
  ): Promise<ReloadOutcome> {
    const started = performance.now();
    const generation = ++slot.generation;
    let predictor: Predictor;
    try {
      predictor = await Predictor.load(bytes, this.options.predictor);
    } catch (err) {
      if (generation === slot.generation) this.failed(slot, err, why, started);
      return 'failed';
    }
    if (generation !== slot.generation) {
      // A newer file's load started meanwhile: it is the one to keep.
      await predictor.release();
      return 'unchanged';
    }
    const name = predictor.card.name;
    const clash = name !== slot.name ? this.byName.get(name) : undefined;
    if ((slot.named && name !== slot.name) || clash || this.closed) {
      await predictor.release();
      if (this.closed) return 'failed';
      const reason = clash
        ? `the file now holds a model named ${JSON.stringify(name)}, which ${clash.file.uri} serves already`
        : `the file now holds a model named ${JSON.stringify(name)}, not ${JSON.stringify(slot.name)}; a model keeps its name while served (restart to rename it)`;
      this.failed(slot, new ModelSourceError(reason), why, started);
      return 'failed';
    }
    const old = slot.current;
    slot.current = new Loaded(predictor, this.estimate(bytes.length));
    slot.state = 'ready';
    slot.reason = '';
    if (!slot.named) {
      slot.name = name;
      slot.named = true;
      this.index();
    }
    slot.version = predictor.card.version ?? predictor.sha256.slice(0, 12);
    const ms = Number((performance.now() - started).toFixed(1));
    slot.counters.lastLoadMs = ms;
    if (kind === 'reload') slot.counters.reloads++;
    else slot.counters.loads++;
    old?.retire();
    this.options.log?.now({
      level: 'info',
      msg: kind === 'reload' ? 'model reloaded' : 'model loaded',
      model: slot.name,
      version: slot.version,
      uri: slot.file.uri,
      ms,
      ...runtimeFields(predictor),
      ...(why ? { why } : {}),
    });
    return 'swapped';
  }

  private failed(slot: Slot, err: unknown, why: string | undefined, started: number) {
    const reason = (err as Error).message;
    const keeping = slot.current !== undefined;
    const again = slot.counters.loads + slot.counters.loadFailures > 0;
    if (keeping) slot.counters.reloadFailures++;
    else {
      slot.counters.loadFailures++;
      slot.state = 'failed';
      slot.reason = reason;
    }
    this.options.log?.now({
      level: 'error',
      msg: keeping
        ? 'model reload failed; still serving the loaded model'
        : again
          ? 'model failed to load again'
          : 'model failed to load',
      model: slot.name,
      uri: slot.file.uri,
      error: reason,
      ms: Number((performance.now() - started).toFixed(1)),
      ...(why ? { why } : {}),
    });
  }

  private estimate(fileBytes: number): number {
    const cache = this.options.cache;
    return (
      (cache?.overheadBytes ?? MEMORY_OVERHEAD_BYTES) + fileBytes * (cache?.memoryFactor ?? MEMORY_FACTOR)
    );
  }

  /** On-demand: one load per model at a time, shared by the requests that arrive while it runs. */
  private loadOnDemand(slot: Slot): Promise<Loaded> {
    if (slot.loading) return slot.loading;
    const retryAfter = this.options.retryAfterMs ?? 5_000;
    if (slot.state === 'failed' && performance.now() - slot.failedAt < retryAfter)
      return Promise.reject(notReadyError({ state: 'failed', reason: slot.reason }, slot.name));
    const previous = slot.state;
    slot.state = 'loading';
    const started = performance.now();
    const load = async (): Promise<Loaded> => {
      // Room is made before the bytes are read, from the listed size, so the peak stays in the budget.
      if (slot.file.size !== undefined) this.makeRoom(this.estimate(slot.file.size), slot);
      const { bytes } = await readModelBytes({
        uri: slot.file.uri,
        sha256: slot.file.sha256,
        baseDir: this.options.baseDir,
        timeoutMs: this.options.timeoutMs,
      });
      const predictor = await Predictor.load(bytes, this.options.predictor);
      if (predictor.card.name !== slot.name) {
        await predictor.release();
        throw new ModelSourceError(
          `${slot.file.uri} holds the model named ${JSON.stringify(predictor.card.name)}; a model under a prefix is served under its file's name, so name the file ${predictor.card.name}.onnx`,
        );
      }
      const loaded = new Loaded(predictor, this.estimate(bytes.length));
      if (this.closed) {
        loaded.retire();
        throw notReadyError({ state: 'unloaded' }, slot.name);
      }
      slot.current = loaded;
      slot.state = 'ready';
      slot.reason = '';
      slot.version = predictor.card.version ?? predictor.sha256.slice(0, 12);
      slot.counters.loads++;
      slot.counters.lastLoadMs = Number((performance.now() - started).toFixed(1));
      // Others may have loaded meanwhile.
      this.makeRoom(0, slot);
      this.options.log?.now({
        level: 'info',
        msg: 'model loaded',
        model: slot.name,
        version: slot.version,
        uri: slot.file.uri,
        ms: slot.counters.lastLoadMs,
        ...runtimeFields(predictor),
        ...(previous === 'unloaded' && slot.counters.evictions > 0 ? { reloadedAfterEviction: true } : {}),
      });
      return loaded;
    };
    slot.loading = load().then(
      (loaded) => {
        slot.loading = undefined;
        return loaded;
      },
      (err: unknown) => {
        slot.loading = undefined;
        if (slot.state === 'loading') {
          slot.state = 'failed';
          slot.reason = (err as Error).message;
          slot.failedAt = performance.now();
          slot.counters.loadFailures++;
          this.options.log?.now({
            level: 'error',
            msg: 'model failed to load',
            model: slot.name,
            uri: slot.file.uri,
            error: slot.reason,
          });
        }
        throw notReadyError({ state: 'failed', reason: slot.reason }, slot.name);
      },
    );
    return slot.loading;
  }

  /** Evicts the least recently used loaded models (not `keep`) until `need` more bytes fit the budget. */
  private makeRoom(need: number, keep: Slot): void {
    const budget = this.options.cache?.budgetBytes;
    if (budget === undefined) return;
    let used = 0;
    for (const s of this.slots) if (s.current) used += s.current.bytes;
    while (used + need > budget) {
      let victim: Slot | undefined;
      for (const s of this.slots) {
        if (s === keep || !s.current) continue;
        if (!victim || s.lastUsed < victim.lastUsed) victim = s;
      }
      if (!victim) {
        if (need > budget)
          this.options.log?.now({
            level: 'warn',
            msg: 'model is larger than the model cache by its estimate; loading it alone',
            model: keep.name,
            estimateBytes: need,
            budgetBytes: budget,
          });
        return;
      }
      const loaded = victim.current as Loaded;
      used -= loaded.bytes;
      victim.current = undefined;
      victim.state = 'unloaded';
      victim.counters.evictions++;
      // Requests still holding it finish on it; it is released after the last.
      loaded.retire();
      this.options.log?.line({
        level: 'info',
        msg: 'model evicted from the cache',
        model: victim.name,
        for: keep.name,
        estimateBytes: loaded.bytes,
        budgetBytes: budget,
      });
    }
  }

  /** Estimated memory of the loaded models, bytes (the cache's measure). */
  get loadedBytes(): number {
    let used = 0;
    for (const s of this.slots) if (s.current) used += s.current.bytes;
    return used;
  }

  /** Releases every model (once no request holds it); the registry answers 503 from now on. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    await Promise.all(this.slots.map((s) => s.reloading?.catch(() => undefined)));
    await Promise.all(this.slots.map((s) => s.loading?.catch(() => undefined)));
    for (const s of this.slots) {
      s.current?.retire();
      s.current = undefined;
      if (s.state === 'ready') s.state = 'unloaded';
    }
  }
}

function tagBeforeRead(uri: string, baseDir: string | undefined): string | undefined {
  if (isRemote(uri)) return undefined;
  return localTag(isAbsolute(uri) || !baseDir ? uri : resolvePath(baseDir, uri));
}

function nonReady(slot: Slot): Exclude<ModelStatus, { state: 'ready' }> {
  const status = slot.status();
  return status.state === 'ready' ? { state: 'loading' } : status;
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export interface ResolveOptions {
  /** At most this many model files in all (a ModelSourceError beyond). */
  maxModels: number;
  timeoutMs: number;
  baseDir?: string;
}

/**
 * The model files that sources name: a file (path, s3:// or https:// URI) is itself; a local folder
 * (or a path ending in /) is every .onnx file in it; an s3://bucket/prefix/ is every .onnx object
 * directly under the prefix. A folder or prefix with none is an error, as is more than maxModels.
 */
export async function resolveModelFiles(
  sources: readonly string[],
  options: ResolveOptions,
): Promise<ModelFile[]> {
  const files: ModelFile[] = [];
  for (const source of sources) {
    const listed = await listedFolder(source, options);
    if (listed === undefined) files.push({ uri: source });
    else {
      if (listed.length === 0) throw new ModelSourceError(`${source} holds no .onnx model files`);
      files.push(...listed);
    }
    if (files.length > options.maxModels)
      throw new ModelSourceError(
        `more than ${options.maxModels} models to serve (${source} brings the count past it); serve fewer, or raise the limit`,
      );
  }
  return files;
}

/** The .onnx files of a folder or prefix, or undefined when `source` names one file. */
async function listedFolder(source: string, options: ResolveOptions): Promise<ModelFile[] | undefined> {
  let folder: string | undefined;
  if (isS3(source)) folder = isFolderUri(source) ? source : undefined;
  else if (!isRemote(source)) {
    const path = isAbsolute(source) || !options.baseDir ? source : resolvePath(options.baseDir, source);
    if (isFolderUri(source)) folder = path;
    else {
      const st = await stat(path).catch(() => undefined);
      folder = st?.isDirectory() ? path : undefined;
    }
  }
  if (folder === undefined) return undefined;
  try {
    const listed = await listUri(folder, {
      suffix: '.onnx',
      maxObjects: options.maxModels,
      timeoutMs: options.timeoutMs,
    });
    return listed.map((o) => ({ uri: o.uri, size: o.size }));
  } catch (cause) {
    const why = cause instanceof StoreError ? cause.reason : (cause as Error).message;
    throw new ModelSourceError(`cannot list the models in ${folder}: ${why}`, { cause });
  }
}

/**
 * A registry to hand the server before the models are opened (their cards read): every request for a
 * model answers 503 "still loading" until set() gives it the real one.
 */
export class DeferredModels implements ModelRegistry {
  private inner: ModelRegistry | undefined;
  private readonly starting: ModelEntry = {
    name: 'model',
    version: undefined,
    status: () => ({ state: 'loading' }),
  };

  set(registry: ModelRegistry): void {
    this.inner = registry;
  }

  defaultEntry(): ModelEntry | undefined {
    return this.inner ? this.inner.defaultEntry() : this.starting;
  }

  list(): readonly ModelEntry[] {
    return this.inner ? this.inner.list() : [];
  }

  find(name: string): ModelEntry | undefined {
    // Before the cards are read no name is known: any may turn out to be one.
    return this.inner ? this.inner.find(name) : { ...this.starting, name };
  }

  async ready(entry: ModelEntry): Promise<Predictor> {
    if (!this.inner)
      throw notReadyError({ state: 'loading' }, entry === this.starting ? undefined : entry.name);
    return this.inner.ready(entry);
  }

  async lease(entry: ModelEntry): Promise<ModelLease> {
    const inner = this.inner;
    if (!inner) throw notReadyError({ state: 'loading' }, entry === this.starting ? undefined : entry.name);
    if (inner.lease) return inner.lease(entry);
    return heldLease(await inner.ready(entry));
  }

  leaseNow(entry: ModelEntry): ModelLease | undefined {
    const inner = this.inner;
    if (!inner) return undefined;
    if (inner.lease) return inner.leaseNow?.(entry);
    const predictor = loadedPredictor(entry);
    return predictor && heldLease(predictor);
  }
}

/** The log line's account of what runs a model: its runtime, and why a graph asked to compile did not. */
function runtimeFields(predictor: Predictor): { runtime: string; notCompiled?: string } {
  const r = predictor.runtime;
  return r.runtime === 'onnxruntime' && r.notCompiled !== undefined
    ? { runtime: r.runtime, notCompiled: r.notCompiled }
    : { runtime: r.runtime };
}
