// CSV text in, an ONNX model with its card out: the `modelgate train` job without the terminal.
import { createHash } from 'node:crypto';
import { CARD_FORMAT, type FeatureSpec, type ModelCard, type Task } from '../onnx/card.js';
import { provenance } from '../onnx/produce.js';
import { encodeModel, type ModelProto } from '../onnx/proto.js';
import {
  type BoostedModel,
  type BoostingParams,
  DEFAULT_PARAMS,
  fitBoosting,
  imputeInPlace,
  type TrainingData,
  validateParams,
} from './boosting.js';
import { type CsvOptions, CsvReader, type Table } from './csv.js';
import { buildDataset, type Dataset } from './dataset.js';
import { boostedToOnnx } from './export.js';

export interface TrainOptions extends Partial<BoostingParams>, CsvOptions {
  target: string;
  task?: Task;
  drop?: string[];
  /** Columns to keep although they look like identifiers. */
  keep?: string[];
  /** Date columns: left out (the default), or expanded into numeric parts. */
  dates?: 'drop' | 'parts';
  /** Columns to learn as categories (text, or integer codes): split by sets of categories, not thresholds. */
  categorical?: string[];
  /** The model's name in its card; defaults to the data file's base name. */
  name?: string;
  /** Where the data came from, for the card and error messages. */
  source: string;
  /** Threads for histograms (0: the machine's cores, up to 4). The model does not depend on it. */
  threads?: number;
  onStage?: (stage: number, total: number) => void;
}

export interface TrainSummary {
  rows: number;
  features: number;
  /** How many of the features are categorical. */
  categorical?: number;
  task: Task;
  taskReason: string;
  classes?: number;
  trainAccuracy?: number;
  trainR2?: number;
  seconds: number;
  skippedRows: number;
  binning: string;
  /** The CSV's field delimiter, and whether it was sniffed rather than given. */
  delimiter: string;
  delimiterSniffed: boolean;
}

export interface TrainResult {
  bytes: Uint8Array;
  model: ModelProto;
  card: ModelCard;
  boosted: BoostedModel;
  /** What the CSV became, less its feature matrix, which the fit's imputed features overwrote. */
  dataset: Omit<Dataset, 'x'>;
  summary: TrainSummary;
}

/** Trains on a CSV's bytes, whole or in chunks as a file is read (never decoded whole). */
export function trainFromCsv(data: Uint8Array | Iterable<Uint8Array>, options: TrainOptions): TrainResult {
  const started = performance.now();
  checkTrainOptions(options);
  const hash = createHash('sha256');
  const chunks = data instanceof Uint8Array ? [data] : data;
  const reader = new CsvReader(options.source, options);
  for (const chunk of chunks) {
    hash.update(chunk);
    reader.push(chunk);
  }
  return trainFromReader(reader, hash.digest('hex'), options, started);
}

/**
 * What the fit takes from a dataset: its features imputed and rounded to float32, written over
 * dataset.x (which is not read after this), and each feature's number of categories. A boolean is
 * split as a category of two (false 0, true 1): its missing values go to the side the training sent
 * them, not to the side of the mean's threshold.
 */
export function fitInput(dataset: Dataset): TrainingData {
  const categories = dataset.kinds.map((kind, f) =>
    kind === 'boolean' ? 2 : (dataset.categories?.[f]?.length ?? 0),
  );
  return {
    rows: dataset.rows,
    features: dataset.features.length,
    imputed: imputeInPlace(
      dataset.x,
      dataset.rows,
      dataset.features.length,
      categories.map((k) => k > 0),
    ),
    task: dataset.task,
    yClass: dataset.yClass,
    nClasses: dataset.classes?.length,
    yValue: dataset.yValue,
    ...(categories.some((k) => k > 0) ? { categories } : {}),
  };
}

/**
 * Trains on the CSV a reader was given (`sha256`: its digest, for the card). `started`: when the job
 * began (performance.now()), for the summary's seconds. The dataset's feature matrix is written over
 * the reader's numbers (at 800,000 x 21, 128 MiB), and the rest of the table is let go once it is built.
 */
export function trainFromReader(
  reader: CsvReader,
  sha256: string,
  options: TrainOptions,
  started = performance.now(),
): TrainResult {
  const params = checkTrainOptions(options);
  let table: Table | undefined = reader.end();
  // The feature matrix is written over the table's numbers: they are held once.
  const dataset = buildDataset(table, { ...options, inPlace: true });
  const read = {
    delimiter: table.delimiter,
    sniffed: table.sniffed,
    rows: table.rows,
    columns: table.columns.length,
  };
  table = undefined;
  const { model, trainRaw } = fitBoosting(fitInput(dataset), params, {
    threads: options.threads,
    onStage: options.onStage,
  });
  const seconds = (performance.now() - started) / 1000;
  const figures =
    dataset.task === 'classification'
      ? { trainAccuracy: accuracyFromRaw(trainRaw, dataset.yClass!, model.outputs) }
      : { trainR2: r2(trainRaw, dataset.yValue!) };
  const binning = model.binning.exact
    ? 'exact (every distinct value)'
    : `histogram (up to ${params.maxBins} bins per feature)`;
  const summary: TrainSummary = {
    rows: dataset.rows,
    features: dataset.features.length,
    ...(dataset.categories ? { categorical: dataset.categories.filter(Boolean).length } : {}),
    task: dataset.task,
    taskReason: dataset.taskReason,
    ...(dataset.classes ? { classes: dataset.classes.length } : {}),
    ...figures,
    seconds,
    skippedRows: dataset.skippedRows,
    binning,
    delimiter: read.delimiter,
    delimiterSniffed: read.sniffed,
  };
  const estimator =
    dataset.task === 'classification' ? 'GradientBoostingClassifier' : 'GradientBoostingRegressor';
  const cardBase: Omit<ModelCard, 'io' | 'missing'> = {
    format: CARD_FORMAT,
    name: options.name ?? baseName(options.source),
    task: dataset.task,
    // A yes/no column is a boolean feature (requests send true or false); a category is fed as its
    // code, and one the graph does not know goes down the trees as missing; the file's own spelling
    // of a column is taken in requests beside its normalized name.
    features: dataset.features.map((name, i): FeatureSpec => {
      const column = dataset.spellings[i];
      const categories = dataset.categories?.[i];
      const spec: FeatureSpec = categories
        ? { name, type: 'category', categories, unknown: 'missing' }
        : { name, type: dataset.kinds[i] === 'boolean' ? 'boolean' : 'number' };
      if (column !== undefined) spec.column = column;
      return spec;
    }),
    target: dataset.target,
    ...(dataset.classes ? { classes: dataset.classes } : {}),
    provenance: provenance('modelgate-train', {
      estimator: `SimpleImputer(mean) + ${estimator}${model.categories ? ' with categorical splits' : ''}`,
      params: {
        ...params,
        ...(dataset.categories
          ? { categorical: dataset.features.filter((_, f) => dataset.categories?.[f]).join(',') }
          : {}),
        loss: dataset.task === 'classification' ? 'log_loss' : 'squared_error',
        criterion: 'friedman_mse',
      },
      data: {
        uri: options.source,
        sha256,
        rows: read.rows,
        columns: read.columns,
      },
    }),
    training: {
      rows: dataset.rows,
      seconds: Number(seconds.toFixed(3)),
      binning: model.binning.exact ? 'exact' : 'histogram',
      ...(summary.trainAccuracy !== undefined ? { trainAccuracy: summary.trainAccuracy } : {}),
      ...(summary.trainR2 !== undefined ? { trainR2: summary.trainR2 } : {}),
      ...(dataset.skippedRows > 0 ? { skippedRowsMissingTarget: dataset.skippedRows } : {}),
    },
  };
  const onnx = boostedToOnnx(model, cardBase);
  const card = JSON.parse(onnx.metadataProps[0].value) as ModelCard;
  const { x: _overwritten, ...described } = dataset;
  return { bytes: encodeModel(onnx), model: onnx, card, boosted: model, dataset: described, summary };
}

/** The options' boosting parameters over the defaults; a RangeError names a bad one. */
export function checkTrainOptions(options: TrainOptions): BoostingParams {
  const params: BoostingParams = { ...DEFAULT_PARAMS };
  for (const key of Object.keys(DEFAULT_PARAMS) as (keyof BoostingParams)[]) {
    const v = options[key];
    if (v !== undefined) params[key] = v;
  }
  validateParams(params);
  return params;
}

function baseName(source: string): string {
  const last = source.split(/[/\\]/).pop() ?? 'model';
  return last.replace(/\?.*$/, '').replace(/\.[^.]*$/, '') || 'model';
}

export function accuracyFromRaw(raw: Float64Array, y: Int32Array, outputs: number): number {
  let correct = 0;
  for (let r = 0; r < y.length; r++) {
    let predicted: number;
    if (outputs === 1) predicted = raw[r] > 0 ? 1 : 0;
    else {
      predicted = 0;
      for (let k = 1; k < outputs; k++)
        if (raw[r * outputs + k] > raw[r * outputs + predicted]) predicted = k;
    }
    if (predicted === y[r]) correct++;
  }
  return correct / y.length;
}

export function r2(predicted: ArrayLike<number>, y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i] / y.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i] - predicted[i]) ** 2;
    ssTot += (y[i] - mean) ** 2;
  }
  return ssTot === 0 ? 0 : 1 - ssRes / ssTot;
}
