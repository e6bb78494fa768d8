// The one module that talks to onnxruntime-node: session options, input tensors, output decoding.
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { type ClassLabel, findCard, type ModelCard } from '../onnx/card.js';
import { decodeMetadataProps } from '../onnx/proto.js';
import { InferenceError, ModelLoadError } from './errors.js';
import { RowEncoder } from './rows.js';

export interface PredictorOptions {
  /** Threads for one operator; 1 suits Lambda (one vCPU up to 1,769 MB) and small models. */
  intraOpThreads?: number;
  /**
   * Gather the single requests that arrive together (in one turn of the event loop) into one run of
   * the model, as a busy server wants: a run costs several microseconds whatever its size.
   */
  batching?: boolean;
}

/** Requests of this many rows or more run alone, and a gathered batch runs once it holds this many. */
const BATCH_ROWS = 512;

interface Queued {
  matrix: Float32Array | Float64Array;
  rows: number;
  resolve: (p: Predictions) => void;
  reject: (e: unknown) => void;
}

export interface Predictions {
  rows: number;
  /** Classification: the predicted class of each row, as the model card spells it. */
  labels?: ClassLabel[];
  /** Classification: row-major [rows, classes], in the card's class order. */
  probabilities?: Float32Array | Float64Array;
  /** Regression: one value per row. */
  values?: Float32Array | Float64Array;
}

type Matrix = Float32Array | Float64Array;

/**
 * onnxruntime-node's native session. Its public `InferenceSession.run` defers every call with
 * setImmediate, checks its arguments and wraps the outputs again: about 10 microseconds a call, as much
 * as a small model takes to run. The native run underneath is synchronous either way, so modelgate
 * calls it directly (onnxruntime-node is pinned to the version this is tested with).
 */
interface NativeSession {
  loadModel(
    buffer: ArrayBufferLike,
    offset: number,
    length: number,
    options: InferenceSession.SessionOptions,
  ): void;
  run(
    feeds: Record<string, Tensor>,
    fetches: Record<string, null>,
    options: InferenceSession.RunOptions,
  ): Record<string, Tensor>;
  dispose(): void;
  readonly inputMetadata: { name: string }[];
  readonly outputMetadata: { name: string }[];
}

interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

// onnxruntime-node is loaded with `require`, not `import`: CommonJS resolution also searches NODE_PATH,
// which is where Lambda puts a layer's packages (/opt/nodejs/node_modules), and an ES import does not.
// So one bundle runs with onnxruntime-node beside it or in a layer.
const requireOrt = createRequire(import.meta.url);
const { Tensor: OrtTensor } = requireOrt('onnxruntime-node') as typeof Ort;

function nativeSession(bytes: Uint8Array, options: InferenceSession.SessionOptions): NativeSession {
  const native = requireOrt('onnxruntime-node/dist/binding.js') as NativeBinding;
  native.initOrt();
  const session = new native.binding.InferenceSession();
  session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, options);
  return session;
}

export class Predictor {
  readonly card: ModelCard;
  readonly encoder: RowEncoder;
  private readonly session: NativeSession;
  private readonly labelOf: Map<string, ClassLabel>;
  private readonly fetches: Record<string, null>;
  private readonly labelFromProbabilities: boolean;
  private readonly batching: boolean;
  private queue: Queued[] = [];
  private queuedRows = 0;
  private flushScheduled = false;

  private constructor(card: ModelCard, session: NativeSession, batching: boolean) {
    this.card = card;
    this.session = session;
    this.batching = batching;
    this.encoder = new RowEncoder(card);
    this.labelOf = new Map((card.classes ?? []).map((c) => [String(c), c]));
    // A label that is the most probable class is cheaper to find here than to fetch as a string tensor.
    this.labelFromProbabilities = card.io.labelIsArgmax === true && card.io.probabilities !== undefined;
    this.fetches = Object.fromEntries(
      [this.labelFromProbabilities ? undefined : card.io.label, card.io.probabilities, card.io.value]
        .filter((n): n is string => typeof n === 'string')
        .map((n) => [n, null]),
    );
  }

  /** Loads a model from its ONNX bytes: the card first (cheap, clear errors), then the session. */
  static async load(bytes: Uint8Array, options: PredictorOptions = {}): Promise<Predictor> {
    const card = findCard(decodeMetadataProps(bytes));
    let session: NativeSession;
    try {
      session = nativeSession(bytes, {
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
    } catch (cause) {
      throw new ModelLoadError(`onnxruntime could not load the model: ${(cause as Error).message}`, {
        cause,
      });
    }
    const inputNames = session.inputMetadata.map((m) => m.name);
    const outputNames = session.outputMetadata.map((m) => m.name);
    const missing = [card.io.input, card.io.label, card.io.probabilities, card.io.value].filter(
      (n): n is string => typeof n === 'string' && !inputNames.includes(n) && !outputNames.includes(n),
    );
    if (missing.length > 0) {
      session.dispose();
      throw new ModelLoadError(
        `the model card names ${missing.map((n) => `"${n}"`).join(', ')}, which the graph does not have (inputs: ${inputNames.join(', ')}; outputs: ${outputNames.join(', ')})`,
      );
    }
    return new Predictor(card, session, options.batching ?? false);
  }

  get width(): number {
    return this.encoder.width;
  }

  /** Rows as arrays in feature order or objects by feature name; null means missing. */
  async predict(rows: readonly unknown[]): Promise<Predictions> {
    const matrix = this.encoder.encode(
      rows,
      this.card.io.inputType === 'float64' ? new Float64Array(rows.length * this.width) : undefined,
    );
    return this.predictMatrix(matrix, rows.length);
  }

  /** A row-major matrix of `rows` x features, NaN for missing. */
  async predictMatrix(matrix: Matrix, rows: number): Promise<Predictions> {
    if (!this.batching || rows === 0 || rows >= BATCH_ROWS) return this.run(matrix, rows);
    return new Promise((resolve, reject) => {
      this.queue.push({ matrix, rows, resolve, reject });
      this.queuedRows += rows;
      if (this.queuedRows >= BATCH_ROWS) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs the gathered requests as one batch and hands each its rows of the result. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    this.queuedRows = 0;
    if (batch.length === 0) return;
    const total = batch.reduce((n, q) => n + q.rows, 0);
    const width = this.width;
    const matrix =
      this.card.io.inputType === 'float64'
        ? new Float64Array(total * width)
        : new Float32Array(total * width);
    let offset = 0;
    for (const q of batch) {
      matrix.set(q.matrix.subarray(0, q.rows * width), offset * width);
      offset += q.rows;
    }
    let out: Predictions;
    try {
      out = this.run(matrix, total);
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    const k = this.card.classes?.length ?? 0;
    offset = 0;
    for (const q of batch) {
      const end = offset + q.rows;
      q.resolve({
        rows: q.rows,
        ...(out.labels ? { labels: out.labels.slice(offset, end) } : {}),
        // Views into this run's own output arrays, which nothing else holds.
        ...(out.probabilities ? { probabilities: out.probabilities.subarray(offset * k, end * k) } : {}),
        ...(out.values ? { values: out.values.subarray(offset, end) } : {}),
      });
      offset = end;
    }
  }

  private run(matrix: Matrix, rows: number): Predictions {
    if (rows === 0) return this.empty();
    const data =
      this.card.io.inputType === 'float64'
        ? matrix instanceof Float64Array
          ? matrix
          : Float64Array.from(matrix)
        : matrix instanceof Float32Array
          ? matrix
          : Float32Array.from(matrix);
    const input = new OrtTensor(data instanceof Float64Array ? 'float64' : 'float32', data, [
      rows,
      this.width,
    ]);
    let out: Record<string, Tensor>;
    try {
      out = this.session.run({ [this.card.io.input]: input }, this.fetches, {});
    } catch (cause) {
      throw new InferenceError(`onnxruntime failed to run the model: ${(cause as Error).message}`, { cause });
    }
    const result: Predictions = { rows };
    const { io } = this.card;
    if (io.probabilities) {
      const t = out[io.probabilities] as Tensor;
      result.probabilities = toFloatArray(t.data, io.probabilities);
    }
    if (io.label && !this.labelFromProbabilities)
      result.labels = this.decodeLabels((out[io.label] as Tensor).data);
    else if (result.probabilities) result.labels = this.argmaxLabels(result.probabilities, rows);
    if (io.value) result.values = toFloatArray((out[io.value] as Tensor).data, io.value);
    return result;
  }

  async release(): Promise<void> {
    this.session.dispose();
  }

  private empty(): Predictions {
    if (this.card.task === 'regression') return { rows: 0, values: new Float32Array(0) };
    return { rows: 0, labels: [], probabilities: new Float32Array(0) };
  }

  private decodeLabels(data: Tensor['data']): ClassLabel[] {
    const out: ClassLabel[] = new Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const raw = (data as ArrayLike<unknown>)[i];
      const key = typeof raw === 'bigint' ? raw.toString() : String(raw);
      out[i] = this.labelOf.get(key) ?? (typeof raw === 'bigint' ? Number(raw) : (raw as ClassLabel));
    }
    return out;
  }

  private argmaxLabels(p: Matrix, rows: number): ClassLabel[] {
    const classes = this.card.classes ?? [];
    const k = classes.length;
    const out: ClassLabel[] = new Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (p[r * k + c] > p[r * k + best]) best = c;
      out[r] = classes[best];
    }
    return out;
  }
}

function toFloatArray(data: Tensor['data'], name: string): Float32Array | Float64Array {
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  throw new InferenceError(`output "${name}" is not a float tensor`);
}
