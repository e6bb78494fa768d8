// The one module that talks to onnxruntime-node: session options, input tensors, output decoding.
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type ClassLabel, findCard, type ModelCard } from '../onnx/card.js';
import { decodeMetadataProps } from '../onnx/proto.js';
import { InferenceError, ModelLoadError } from './errors.js';
import { RowEncoder } from './rows.js';

export interface PredictorOptions {
  /** Threads for one operator; 1 suits Lambda (one vCPU up to 1,769 MB) and small models. */
  intraOpThreads?: number;
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

export class Predictor {
  readonly card: ModelCard;
  readonly encoder: RowEncoder;
  private readonly session: InferenceSession;
  private readonly labelOf: Map<string, ClassLabel>;
  private readonly outputNames: string[];

  private constructor(card: ModelCard, session: InferenceSession) {
    this.card = card;
    this.session = session;
    this.encoder = new RowEncoder(card);
    this.labelOf = new Map((card.classes ?? []).map((c) => [String(c), c]));
    this.outputNames = [card.io.label, card.io.probabilities, card.io.value].filter(
      (n): n is string => typeof n === 'string',
    );
  }

  /** Loads a model from its ONNX bytes: the card first (cheap, clear errors), then the session. */
  static async load(bytes: Uint8Array, options: PredictorOptions = {}): Promise<Predictor> {
    const card = findCard(decodeMetadataProps(bytes));
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, {
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
    const missing = [card.io.input, card.io.label, card.io.probabilities, card.io.value].filter(
      (n): n is string =>
        typeof n === 'string' && !session.inputNames.includes(n) && !session.outputNames.includes(n),
    );
    if (missing.length > 0) {
      await session.release();
      throw new ModelLoadError(
        `the model card names ${missing.map((n) => `"${n}"`).join(', ')}, which the graph does not have (inputs: ${session.inputNames.join(', ')}; outputs: ${session.outputNames.join(', ')})`,
      );
    }
    return new Predictor(card, session);
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
    if (rows === 0) return this.empty();
    const data =
      this.card.io.inputType === 'float64'
        ? matrix instanceof Float64Array
          ? matrix
          : Float64Array.from(matrix)
        : matrix instanceof Float32Array
          ? matrix
          : Float32Array.from(matrix);
    const input = new Tensor(data instanceof Float64Array ? 'float64' : 'float32', data, [rows, this.width]);
    let out: InferenceSession.ReturnType;
    try {
      out = await this.session.run({ [this.card.io.input]: input }, this.outputNames);
    } catch (cause) {
      throw new InferenceError(`onnxruntime failed to run the model: ${(cause as Error).message}`, { cause });
    }
    const result: Predictions = { rows };
    const { io } = this.card;
    if (io.probabilities) {
      const t = out[io.probabilities] as Tensor;
      result.probabilities = toFloatArray(t.data, io.probabilities);
    }
    if (io.label) result.labels = this.decodeLabels((out[io.label] as Tensor).data);
    else if (result.probabilities) result.labels = this.argmaxLabels(result.probabilities, rows);
    if (io.value) result.values = toFloatArray((out[io.value] as Tensor).data, io.value);
    return result;
  }

  async release(): Promise<void> {
    await this.session.release();
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
