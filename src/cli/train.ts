// `modelgate train <csv> --target <column> --out model.onnx`

import { writeModel } from '../adapters/model-file.js';
import type { Task } from '../onnx/card.js';
import { readUri } from '../store/uri.js';
import { type TrainResult, type TrainSummary, trainFromCsv } from '../train/train.js';
import { progressBar } from './progress.js';

export interface TrainCommandOptions {
  target: string;
  out: string;
  task?: Task;
  drop?: string[];
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
  quiet?: boolean;
}

export async function trainCommand(source: string, opts: TrainCommandOptions): Promise<void> {
  const data = await readUri(source);
  const progress = progressBar('training', !opts.quiet);
  let result: TrainResult;
  try {
    result = trainFromCsv(data, {
      source,
      target: opts.target,
      task: opts.task,
      drop: opts.drop,
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
      onStage: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
  }
  // An S3 object carries its digest, as `modelgate push` writes it.
  await writeModel(opts.out, result.bytes);
  if (!opts.quiet) {
    process.stdout.write(
      summaryText(result.summary, result.card.classes, source, opts.out, result.bytes.length),
    );
  }
}

function summaryText(
  s: TrainSummary,
  classes: readonly unknown[] | undefined,
  source: string,
  out: string,
  size: number,
): string {
  const lines = [`trained ${s.task === 'classification' ? 'a classifier' : 'a regressor'} on ${source}`];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(18)}${v}`);
  row('rows', `${s.rows}${s.skippedRows > 0 ? ` (${s.skippedRows} without a target left out)` : ''}`);
  row('features', String(s.features));
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
