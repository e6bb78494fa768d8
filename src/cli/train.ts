// `modelgate train <csv> --target <column> --out model.onnx`

import { createHash } from 'node:crypto';
import { writeModel } from '../adapters/model-file.js';
import type { ClassLabel, Task } from '../onnx/card.js';
import { streamLocal } from '../store/local.js';
import { isRemote, readUri } from '../store/uri.js';
import { CsvReader, delimiterName } from '../train/csv.js';
import type { ExpandedDate, LeftOutColumn } from '../train/dataset.js';
import {
  checkTrainOptions,
  type TrainOptions,
  type TrainResult,
  trainFromCsv,
  trainFromReader,
} from '../train/train.js';
import { progressBar } from './progress.js';

export interface TrainCommandOptions {
  target: string;
  out: string;
  task?: Task;
  drop?: string[];
  keep?: string[];
  dates?: 'drop' | 'parts';
  delimiter?: string;
  decimal?: '.' | ',';
  categorical?: string[];
  name?: string;
  nEstimators?: number;
  learningRate?: number;
  maxDepth?: number;
  minSamplesSplit?: number;
  minSamplesLeaf?: number;
  subsample?: number;
  seed?: number;
  maxBins?: number;
  exactUpTo?: number;
  threads?: number;
  json?: boolean;
  quiet?: boolean;
}

/** What `train --json` prints: the summary's facts, and the model file written. */
export interface TrainJson {
  source: string;
  out: string;
  bytes: number;
  sha256: string;
  name: string;
  target: string;
  task: Task;
  taskReason: string;
  delimiter: string;
  rows: number;
  skippedRows: number;
  features: string[];
  /** The features read from true/false (yes/no, ...) columns, as 0 and 1. */
  booleans: string[];
  /** The features learned as categories: text columns, and those named by --categorical. */
  categorical: string[];
  /** Columns left out as identifiers or dates. */
  leftOut: LeftOutColumn[];
  /** Date columns made into features (`--dates parts`). */
  dates: ExpandedDate[];
  classes: ClassLabel[] | null;
  trainAccuracy: number | null;
  trainR2: number | null;
  splits: string;
  seconds: number;
}

/** Bounds on reading a local CSV, as readUri's defaults (each read call, here). */
const LOCAL_READ = { timeoutMs: 30_000, maxBytes: 2 * 1024 * 1024 * 1024 };

export async function trainCommand(source: string, opts: TrainCommandOptions): Promise<void> {
  const options: TrainOptions = {
    source,
    target: opts.target,
    task: opts.task,
    drop: opts.drop,
    keep: opts.keep,
    dates: opts.dates,
    delimiter: opts.delimiter,
    decimal: opts.decimal,
    categorical: opts.categorical,
    name: opts.name,
    nEstimators: opts.nEstimators,
    learningRate: opts.learningRate,
    maxDepth: opts.maxDepth,
    minSamplesSplit: opts.minSamplesSplit,
    minSamplesLeaf: opts.minSamplesLeaf,
    subsample: opts.subsample,
    seed: opts.seed,
    maxBins: opts.maxBins,
    exactUpTo: opts.exactUpTo,
    threads: opts.threads,
  };
  /** Trains with the progress bar up while the stages run. */
  const withProgress = (train: (o: TrainOptions) => TrainResult): TrainResult => {
    const progress = progressBar('training', !opts.quiet && !opts.json);
    try {
      return train({ ...options, onStage: (done, total) => progress.update(done, total) });
    } finally {
      progress.stop();
    }
  };
  let result: TrainResult;
  if (isRemote(source)) {
    const data = await readUri(source);
    result = withProgress((o) => trainFromCsv(data, o));
  } else {
    // A local file is read a piece at a time into the reader: its bytes are never held whole.
    const started = performance.now();
    checkTrainOptions(options);
    const hash = createHash('sha256');
    const csv = new CsvReader(source, options);
    await streamLocal(source, LOCAL_READ, (bytes) => {
      hash.update(bytes);
      csv.push(bytes);
    });
    const digest = hash.digest('hex');
    result = withProgress((o) => trainFromReader(csv, digest, o, started));
  }
  // An S3 object carries its digest, as `modelgate push` writes it.
  const sha256 = await writeModel(opts.out, result.bytes);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(trainJson(result, source, opts, sha256), null, 2)}\n`);
  } else if (!opts.quiet) {
    process.stdout.write(summaryText(result, source, opts.out));
  }
}

function trainJson(
  result: TrainResult,
  source: string,
  opts: TrainCommandOptions,
  sha256: string,
): TrainJson {
  const { summary: s, card } = result;
  return {
    source,
    out: opts.out,
    bytes: result.bytes.length,
    sha256,
    name: card.name,
    target: card.target ?? opts.target,
    task: s.task,
    taskReason: s.taskReason,
    delimiter: s.delimiter,
    rows: s.rows,
    skippedRows: s.skippedRows,
    features: card.features.map((f) => f.name),
    booleans: booleanFeatures(result),
    categorical: categoricalFeatures(result),
    leftOut: result.dataset.leftOut,
    dates: result.dataset.expandedDates,
    classes: card.classes ?? null,
    trainAccuracy: s.trainAccuracy ?? null,
    trainR2: s.trainR2 ?? null,
    splits: s.binning,
    seconds: Number(s.seconds.toFixed(3)),
  };
}

function booleanFeatures(result: TrainResult): string[] {
  const { features, kinds } = result.dataset;
  return features.filter((_, i) => kinds[i] === 'boolean');
}

function categoricalFeatures(result: TrainResult): string[] {
  const { features, categories } = result.dataset;
  return features.filter((_, i) => categories?.[i]);
}

function summaryText(result: TrainResult, source: string, out: string): string {
  const { summary: s, dataset } = result;
  const classes = result.card.classes;
  const size = result.bytes.length;
  const lines = [`trained ${s.task === 'classification' ? 'a classifier' : 'a regressor'} on ${source}`];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(18)}${v}`);
  row('delimiter', `${delimiterName(s.delimiter)}${s.delimiterSniffed ? ' (sniffed)' : ''}`);
  row('rows', `${s.rows}${s.skippedRows > 0 ? ` (${s.skippedRows} without a target left out)` : ''}`);
  const booleans = booleanFeatures(result);
  const categorical = categoricalFeatures(result);
  const kinds = [
    ...(booleans.length > 0 ? [`boolean, read as 0/1: ${booleans.join(', ')}`] : []),
    ...(categorical.length > 0 ? [`categorical: ${categorical.join(', ')}`] : []),
  ];
  row('features', `${s.features}${kinds.length > 0 ? ` (${kinds.join('; ')})` : ''}`);
  for (const [i, c] of dataset.leftOut.entries()) {
    row(
      i === 0 ? 'left out' : '',
      `${c.column}: ${c.reason === 'identifier' ? 'an identifier' : 'a date'} (${c.detail})`,
    );
  }
  const hints = [
    ...(dataset.leftOut.some((c) => c.reason === 'identifier')
      ? ['--keep <columns> keeps an identifier']
      : []),
    ...(dataset.leftOut.some((c) => c.reason === 'date') ? ['--dates parts makes features of a date'] : []),
  ];
  if (hints.length > 0) row('', `(${hints.join('; ')})`);
  for (const d of dataset.expandedDates)
    row('date parts', `${d.column} (${d.detail}): ${d.features.join(', ')}`);
  row('task', `${s.task} (${s.taskReason})`);
  if (classes) {
    const shown = classes.slice(0, 10).map(String).join(', ');
    row('classes', `${classes.length}: ${shown}${classes.length > 10 ? ', ...' : ''}`);
  }
  if (s.trainAccuracy !== undefined) row('training accuracy', s.trainAccuracy.toFixed(4));
  if (s.trainR2 !== undefined) row('training R^2', s.trainR2.toFixed(4));
  row('splits', s.binning);
  row('time', `${s.seconds.toFixed(2)} s`);
  row('model', `${out} (${(size / 1024).toFixed(1)} KiB)`);
  return `${lines.join('\n')}\n`;
}
