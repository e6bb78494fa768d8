// The one module that talks to onnxruntime-node: session options, input tensors, output decoding.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { type ClassLabel, findCard, graphInputs, type ModelCard } from '../onnx/card.js';
import { CardGraphMismatchError, OnnxFormatError } from '../onnx/errors.js';
import { externalTensor } from '../onnx/external.js';
import { decodeMetadataProps, decodeModel } from '../onnx/proto.js';
import { pruneOutputs } from '../onnx/prune.js';
import { checkSignature, declaredValues, type GraphValue } from '../onnx/signature.js';
import { CompiledSession } from './compiled/compile.js';
import { Unsupported } from './compiled/unsupported.js';
import { InferenceError, InvalidRowError, ModelLoadError, ModelMismatchError } from './errors.js';
import {
  assertFinite,
  emptyPrediction,
  type Matrix,
  type OutputKind,
  outputKind,
  type Prediction,
  sliceRows,
} from './prediction.js';
import { type InputBuffer, RowEncoder } from './rows.js';

export interface PredictorOptions {
  /** Threads for one operator; 1 suits Lambda (one vCPU up to 1,769 MB) and small models. */
  intraOpThreads?: number;
  /**
   * Gather the single requests that arrive together (in one turn of the event loop) into one run of
   * the model, as a busy server wants: a run costs several microseconds whatever its size. A request
   * that comes alone (the only one in its turn, after a turn that had at most one) runs at once.
   */
  batching?: boolean;
  /**
   * 'compiled' runs the model on modelgate's own evaluator (src/runtime/compiled) when its graph
   * compiles, and on onnxruntime otherwise; 'onnxruntime' (the default for now) always on onnxruntime.
   */
  runtime?: 'onnxruntime' | 'compiled';
}

/** What ran a model's graph, and when the compiled evaluator was asked for and could not, why. */
export type RuntimeChoice = { runtime: 'onnxruntime'; notCompiled?: string } | { runtime: 'compiled' };

/** A run's output as both runtimes give it. */
type RunTensor = Pick<Tensor, 'dims' | 'data'>;
type Outputs = Record<string, RunTensor>;

/** What the Predictor needs of a session: onnxruntime's native one, or a compiled graph. */
interface Session {
  run(
    feeds: Record<string, Tensor>,
    fetches: Record<string, null>,
    options: InferenceSession.RunOptions,
  ): Outputs;
  dispose(): void;
  readonly inputMetadata: readonly GraphValue[];
  readonly outputMetadata: readonly GraphValue[];
}

/** Requests of this many rows or more run alone, and a gathered batch runs once it holds this many. */
const BATCH_ROWS = 512;

/** Rows of zeros the model is run on at load, to see its outputs' real shapes: 2, so a fixed batch of 1 shows. */
const PROBE_ROWS = 2;

interface Queued {
  /** One buffer per graph input (RowEncoder.inputs), [rows, its width] each. */
  inputs: InputBuffer[];
  rows: number;
  resolve: (p: Prediction) => void;
  reject: (e: unknown) => void;
}

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
  readonly inputMetadata: GraphValue[];
  readonly outputMetadata: GraphValue[];
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

/** The output whose numbers a model answers (probabilities, scores or values), if any. */
function matrixOutputOf(card: ModelCard): string | undefined {
  const { io } = card;
  return {
    values: io.value,
    probabilities: io.probabilities,
    scores: io.scores,
    labels: undefined,
    clusters: io.distances ?? io.probabilities,
    outliers: io.score,
  }[outputKind(card)];
}

/**
 * Whether the label is found from the probabilities (or scores): a label that is the first class of
 * highest probability is cheaper to find here than to fetch as a string tensor; without a label
 * output it can only be found here.
 */
function labelFromMatrix(card: ModelCard): boolean {
  const kind = outputKind(card);
  return (
    (kind === 'probabilities' || kind === 'scores') &&
    matrixOutputOf(card) !== undefined &&
    (card.io.labelIsArgmax === true || card.io.label === undefined)
  );
}

/** The graph outputs a run fetches for this card's answers. */
function fetchedOutputs(card: ModelCard): string[] {
  const kind = outputKind(card);
  const { io } = card;
  const unsupervised = kind === 'clusters' || kind === 'outliers';
  return [
    kind === 'values' || labelFromMatrix(card) ? undefined : io.label,
    unsupervised ? undefined : matrixOutputOf(card),
    ...(kind === 'clusters' ? [io.distances, io.probabilities] : []),
    kind === 'outliers' ? io.score : undefined,
    io.refused,
  ].filter((n): n is string => typeof n === 'string');
}

/**
 * The bytes the session is made from: the graph without the outputs no run fetches (and the nodes
 * only they need), and those outputs as the graph declares them, for the card's check. A file that
 * does not read as a model is left for onnxruntime to refuse.
 */
function withoutUnfetched(
  bytes: Uint8Array,
  card: ModelCard,
): { bytes: Uint8Array; unfetched: GraphValue[] } {
  let pruned: ReturnType<typeof pruneOutputs>;
  try {
    pruned = pruneOutputs(bytes, new Set(fetchedOutputs(card)));
  } catch {
    return { bytes, unfetched: [] };
  }
  if (!pruned) return { bytes, unfetched: [] };
  const declared = declaredValues({
    node: [],
    initializer: [],
    input: [],
    output: pruned.removed,
    valueInfo: [],
  });
  return { bytes: pruned.bytes, unfetched: declared.outputs };
}

export class Predictor {
  readonly card: ModelCard;
  /** The model file's sha256, hex. */
  readonly sha256: string;
  readonly encoder: RowEncoder;
  /** What this model answers: probabilities, labels only, scores, or values. */
  readonly kind: OutputKind;
  private readonly session: Session;
  /** Which runtime runs the graph. */
  readonly runtime: RuntimeChoice;
  private readonly labelOf: Map<string, ClassLabel>;
  private readonly classCount: number;
  private readonly fetches: Record<string, null>;
  /** The output whose numbers this model answers (probabilities, scores or values), if any. */
  private readonly matrixOutput: string | undefined;
  private readonly labelFromMatrix: boolean;
  private readonly batching: boolean;
  private queue: Queued[] = [];
  private queuedRows = 0;
  private flushScheduled = false;
  /** Requests submitted in this turn of the event loop, and in the last turn that had any. */
  private turnRequests = 0;
  private lastTurnRequests = 0;
  private readonly endTurn = (): void => {
    this.flushScheduled = false;
    this.lastTurnRequests = this.turnRequests;
    this.turnRequests = 0;
    this.flush();
  };
  private counts = { runs: 0, requests: 0, rows: 0 };

  private constructor(
    card: ModelCard,
    session: Session,
    batching: boolean,
    sha256: string,
    runtime: RuntimeChoice,
  ) {
    this.card = card;
    this.runtime = runtime;
    this.sha256 = sha256;
    this.session = session;
    this.batching = batching;
    this.kind = outputKind(card);
    this.encoder = new RowEncoder(card);
    // The numbers per row of the per-class (or per-cluster) matrices.
    this.classCount = card.classes?.length ?? card.clusters ?? card.targets?.length ?? 0;
    this.labelOf = new Map((card.classes ?? []).map((c) => [String(c), c]));
    this.matrixOutput = matrixOutputOf(card);
    this.labelFromMatrix = labelFromMatrix(card);
    this.fetches = Object.fromEntries(fetchedOutputs(card).map((n) => [n, null]));
  }

  /**
   * Loads a model from its ONNX bytes: the card first (cheap, clear errors), then the session, then the
   * card checked against the graph (declared signature, and the outputs of one run on zeros). A model
   * whose card and graph disagree is refused with a ModelMismatchError naming both sides.
   */
  static async load(bytes: Uint8Array, options: PredictorOptions = {}): Promise<Predictor> {
    const card = findCard(decodeMetadataProps(bytes));
    const external = externalTensor(bytes);
    if (external) {
      const clip = (t: string) => JSON.stringify(t.length > 200 ? `${t.slice(0, 200)}...` : t);
      throw new ModelLoadError(
        `the model keeps its tensor ${clip(external.name)} in another file (${clip(external.location)}); modelgate serves one self-contained ONNX file: save it with every tensor inside (in Python, onnx.save_model(model, path, save_as_external_data=False))`,
      );
    }
    const sessionModel = withoutUnfetched(bytes, card);
    let session: Session | undefined;
    let choice: RuntimeChoice = { runtime: 'onnxruntime' };
    if (options.runtime === 'compiled') {
      try {
        session = CompiledSession.compile(decodeModel(sessionModel.bytes), fetchedOutputs(card));
        choice = { runtime: 'compiled' };
      } catch (err) {
        if (!(err instanceof Unsupported || err instanceof OnnxFormatError)) throw err;
        choice = { runtime: 'onnxruntime', notCompiled: err.message };
      }
    }
    try {
      session ??= nativeSession(sessionModel.bytes, {
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
    try {
      checkSignature(card, session.inputMetadata, [...session.outputMetadata, ...sessionModel.unfetched]);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const predictor = new Predictor(card, session, options.batching ?? false, sha256, choice);
      predictor.probe();
      return predictor;
    } catch (err) {
      session.dispose();
      if (err instanceof CardGraphMismatchError) throw new ModelMismatchError(err.message, { cause: err });
      throw err;
    }
  }

  get width(): number {
    return this.encoder.width;
  }

  /** Runs of the model, and the requests and rows they answered, since load (the probe not counted). */
  get stats(): Readonly<{ runs: number; requests: number; rows: number }> {
    return { ...this.counts };
  }

  /** Rows as arrays in feature order or objects by feature name; null means missing. */
  predict(rows: readonly unknown[]): Promise<Prediction> {
    // Not async (a row the card refuses still rejects): one promise a request, not two.
    let inputs: InputBuffer[];
    try {
      inputs = this.encoder.plain
        ? [
            this.encoder.encode(
              rows,
              this.card.io.inputType === 'float64' ? new Float64Array(rows.length * this.width) : undefined,
            ),
          ]
        : this.encoder.encodeInputs(rows);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.submit(inputs, rows.length);
  }

  /**
   * A row-major matrix of `rows` x features, NaN for missing, checked against the card's rules for
   * each feature (what may be missing, listed values) as encoded rows are. Fails with
   * NonFiniteOutputError when the model answers NaN or an infinity for any of these rows.
   */
  async predictMatrix(matrix: Matrix, rows: number): Promise<Prediction> {
    if (!(Number.isInteger(rows) && rows >= 0 && matrix.length === rows * this.width))
      throw new RangeError(`a matrix of ${matrix.length} numbers is not ${rows} rows of ${this.width}`);
    if (!this.encoder.plain)
      throw new RangeError(
        `the model "${this.card.name}" takes typed features or several inputs: give it rows (predict), not a matrix`,
      );
    this.encoder.checkMatrix(matrix);
    return this.submit([matrix], rows);
  }

  /**
   * Runs a matrix the encoder built or checked: alone, or gathered with others when batching. A lone
   * request (the first of its turn of the event loop, after a turn of at most one) runs at once, as
   * waiting for others would only delay it; under concurrency each turn's requests run as one batch
   * at the end of the turn (setImmediate).
   */
  private submit(inputs: InputBuffer[], rows: number): Promise<Prediction> {
    this.counts.requests += 1;
    this.counts.rows += rows;
    if (!this.batching || rows === 0 || rows >= BATCH_ROWS) return this.runNow(inputs, rows);
    const turn = ++this.turnRequests;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.endTurn);
    }
    if (turn === 1 && this.lastTurnRequests <= 1) return this.runNow(inputs, rows);
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, rows, resolve, reject });
      this.queuedRows += rows;
      if (this.queuedRows >= BATCH_ROWS) this.flush();
    });
  }

  private runNow(inputs: InputBuffer[], rows: number): Promise<Prediction> {
    try {
      return Promise.resolve(this.checked(this.run(inputs, rows)));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Runs the gathered requests as one batch and hands each exactly its own rows of the result: the
   * batch's rows are the requests' rows in queue order, and sliceRows refuses any output that does not
   * hold exactly one answer per row, so no request can receive another's numbers.
   */
  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.queuedRows = 0;
    if (batch.length === 0) return;
    const total = batch.reduce((n, q) => n + q.rows, 0);
    const inputs = this.encoder.inputs.map((input, j): InputBuffer => {
      const w = input.width;
      if (input.type === 'string') return batch.flatMap((q) => q.inputs[j] as string[]);
      const joined = input.type === 'float64' ? new Float64Array(total * w) : new Float32Array(total * w);
      let offset = 0;
      for (const q of batch) {
        joined.set(q.inputs[j] as Float32Array | Float64Array, offset * w);
        offset += q.rows;
      }
      return joined;
    });
    let offset = 0;
    let out: Prediction;
    try {
      out = this.run(inputs, total);
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    offset = 0;
    for (const q of batch) {
      const end = offset + q.rows;
      try {
        q.resolve(this.checked(sliceRows(out, offset, end, this.classCount)));
      } catch (err) {
        q.reject(err);
      }
      offset = end;
    }
  }

  /**
   * The prediction, unless it holds a number that is not finite, or a row the model cannot vouch for
   * its answer to (a request error naming the row and why).
   */
  private checked(p: Prediction): Prediction {
    if (p.refusedRows) {
      const r = p.refusedRows.indexOf(1);
      if (r >= 0)
        throw new InvalidRowError(
          'unanswerable_row',
          `row ${r}: this model cannot vouch for its answer to this row (${this.card.io.refusedBecause})`,
          { row: r },
        );
      const { refusedRows, ...answer } = p;
      p = answer as Prediction;
    }
    assertFinite(p, this.classCount, this.matrixOutput ?? '');
    return p;
  }

  /** One run on rows of zeros: the outputs' real shapes and types must be what the card says. */
  private probe(): void {
    // Zeros for numbers; for a string input, each feature's first category.
    const fed = graphInputs(this.card);
    const byName = new Map(this.card.features.map((f) => [f.name, f]));
    const zeros = fed.map((input): InputBuffer => {
      const size = PROBE_ROWS * input.features.length;
      if (input.type === 'float64') return new Float64Array(size);
      if (input.type === 'float32') return new Float32Array(size);
      const first = input.features.map((name) => byName.get(name)?.categories?.[0] ?? '');
      return Array.from({ length: size }, (_, k) => first[k % first.length] as string);
    });
    try {
      this.run(zeros, PROBE_ROWS);
      this.counts.runs = 0;
    } catch (err) {
      throw new ModelMismatchError(
        `the model "${this.card.name}" does not answer as its card says on ${PROBE_ROWS} rows of zeros: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  private run(inputs: InputBuffer[], rows: number): Prediction {
    if (rows === 0) return emptyPrediction(this.kind, this.card.io);
    this.counts.runs += 1;
    const feeds: Record<string, Tensor> = {};
    this.encoder.inputs.forEach((input, j) => {
      const buffer = inputs[j] as InputBuffer;
      const dims = [rows, input.width];
      if (input.type === 'string') feeds[input.name] = new OrtTensor('string', buffer as string[], dims);
      else {
        const data =
          input.type === 'float64'
            ? buffer instanceof Float64Array
              ? buffer
              : Float64Array.from(buffer as Float32Array)
            : buffer instanceof Float32Array
              ? buffer
              : Float32Array.from(buffer as Float64Array);
        feeds[input.name] = new OrtTensor(input.type, data, dims);
      }
    });
    let out: Outputs;
    try {
      out = this.session.run(feeds, this.fetches, {});
    } catch (cause) {
      const who = this.runtime.runtime === 'compiled' ? "modelgate's compiled evaluator" : 'onnxruntime';
      throw new InferenceError(`${who} failed to run the model: ${(cause as Error).message}`, { cause });
    }
    return this.decode(out, rows);
  }

  /** The run's outputs as a Prediction, each checked to hold exactly one answer per row. */
  private decode(out: Outputs, rows: number): Prediction {
    const p = this.decodeAnswer(out, rows);
    const refused = this.card.io.refused;
    if (refused === undefined) return p;
    const { data } = tensorOf(out, refused, rows, 1);
    if (!(data instanceof Uint8Array))
      throw new InferenceError(`the refused-rows output "${refused}" is not a bool tensor`);
    return { ...p, refusedRows: data };
  }

  private decodeAnswer(out: Outputs, rows: number): Prediction {
    const { io } = this.card;
    const k = this.classCount;
    switch (this.kind) {
      case 'values':
        return { kind: 'values', rows, values: floats(out, io.value as string, rows, Math.max(1, k)) };
      case 'labels':
        return { kind: 'labels', rows, labels: this.decodeLabels(out, io.label as string, rows) };
      case 'probabilities':
      case 'scores': {
        const m = floats(out, this.matrixOutput as string, rows, k);
        const labels = this.labelFromMatrix
          ? this.argmaxLabels(m, rows)
          : this.decodeLabels(out, io.label as string, rows);
        return this.kind === 'probabilities'
          ? { kind: 'probabilities', rows, labels, probabilities: m }
          : { kind: 'scores', rows, labels, scores: m };
      }
      case 'clusters': {
        const clusters = integers(out, io.label as string, rows);
        for (let r = 0; r < rows; r++)
          if (!((clusters[r] as number) >= 0 && (clusters[r] as number) < k))
            throw new InferenceError(
              `the cluster output "${io.label}" gave ${clusters[r]} for row ${r}; the model card has clusters 0 to ${k - 1}`,
            );
        return {
          kind: 'clusters',
          rows,
          clusters,
          ...(io.distances !== undefined ? { distances: floats(out, io.distances, rows, k) } : {}),
          ...(io.probabilities !== undefined
            ? { probabilities: floats(out, io.probabilities, rows, k) }
            : {}),
        };
      }
      case 'outliers': {
        const flags = integers(out, io.label as string, rows);
        const outliers: boolean[] = new Array(rows);
        for (let r = 0; r < rows; r++) {
          const v = flags[r] as number;
          if (v !== 1 && v !== -1)
            throw new InferenceError(
              `the outlier output "${io.label}" gave ${v} for row ${r}; an outlier detector answers 1 (inlier) or -1 (outlier)`,
            );
          outliers[r] = v === -1;
        }
        return { kind: 'outliers', rows, outliers, scores: floats(out, io.score as string, rows, 1) };
      }
    }
  }

  async release(): Promise<void> {
    this.session.dispose();
  }

  /** The label output's values as the card's classes; a label that is not one of them is an error. */
  private decodeLabels(out: Outputs, name: string, rows: number): ClassLabel[] {
    const t = tensorOf(out, name, rows, 1);
    const data = t.data as ArrayLike<unknown>;
    const labels: ClassLabel[] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const raw = data[i];
      const label = this.labelOf.get(typeof raw === 'bigint' ? raw.toString() : String(raw));
      if (label === undefined)
        throw new InferenceError(
          `the label output "${name}" gave ${JSON.stringify(String(raw))} for row ${i}, which is not one of the model card's classes`,
        );
      labels[i] = label;
    }
    return labels;
  }

  private argmaxLabels(p: Matrix, rows: number): ClassLabel[] {
    const classes = this.card.classes ?? [];
    const k = classes.length;
    const out: ClassLabel[] = new Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if ((p[r * k + c] as number) > (p[r * k + best] as number)) best = c;
      out[r] = classes[best] as ClassLabel;
    }
    return out;
  }
}

const dimsText = (dims: readonly number[]) => `[${dims.join(', ')}]`;

/** The named output, which must be [rows, width] (or [rows] when width is 1). */
function tensorOf(out: Outputs, name: string, rows: number, width: number): RunTensor {
  const t = out[name];
  if (!t) throw new InferenceError(`the model gave no output "${name}"`);
  const d = t.dims;
  const fits =
    d.length === 2 ? d[0] === rows && d[1] === width : d.length === 1 && width === 1 && d[0] === rows;
  if (!fits || t.data.length !== rows * width)
    throw new InferenceError(
      `the output "${name}" is ${dimsText(d)} for ${rows} rows; expected ${width === 1 ? `[${rows}] or ` : ''}[${rows}, ${width}]`,
    );
  return t;
}

function floats(out: Outputs, name: string, rows: number, width: number): Matrix {
  const { data } = tensorOf(out, name, rows, width);
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  throw new InferenceError(`the output "${name}" is not a float32 or float64 tensor`);
}

/** An integer output ([rows]) as 32-bit integers; a value outside their range is an error. */
function integers(out: Outputs, name: string, rows: number): Int32Array {
  const { data } = tensorOf(out, name, rows, 1);
  if (data instanceof Int32Array) return data;
  if (!(data instanceof BigInt64Array || data instanceof Uint8Array || data instanceof Int8Array))
    throw new InferenceError(`the output "${name}" is not an integer tensor`);
  const ints = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const v = Number(data[r] as bigint | number);
    if (!(v >= -(2 ** 31) && v < 2 ** 31))
      throw new InferenceError(`the output "${name}" gave ${String(data[r])} for row ${r}, out of range`);
    ints[r] = v;
  }
  return ints;
}
