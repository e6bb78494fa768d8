// A loaded model's figures for the cost calculator: the duration Lambda would bill for one warm
// single-row prediction, and the memory the process needed. The calculator and the page are pure; this
// is the one part of src/cost that runs a model.
import { createLambdaHandler } from '../adapters/lambda.js';
import { JsonLog } from '../adapters/log.js';
import type { Predictor } from '../runtime/predictor.js';
import { costModel, PRICES } from './calculator.js';
import type { ModelFigures } from './figures.js';

export interface Measurement extends ModelFigures {
  /** Timed predictions the median is taken over (after as many untimed ones to warm up). */
  runs: number;
}

export interface MeasureOptions {
  runs?: number;
}

/** A row of zeros: every modelgate feature is a number, and the model must answer it. */
function sampleRow(predictor: Predictor): Record<string, number> {
  return Object.fromEntries(predictor.card.features.map((f) => [f.name, 0]));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Times single-row predictions through the Lambda handler (an API Gateway REST event in, its result
 * out: what a warm Lambda invocation runs), and reads the process's peak resident memory afterwards.
 * The duration is this machine's, at the full speed of one core: below 1,769 MB Lambda gives a
 * function a share of a vCPU in proportion to its memory, so a compute-bound model runs slower there.
 */
export async function measureModel(predictor: Predictor, options: MeasureOptions = {}): Promise<Measurement> {
  const runs = options.runs ?? 200;
  if (!Number.isInteger(runs) || runs < 1)
    throw new RangeError(`runs must be a whole number from 1, got ${runs}`);
  const handler = createLambdaHandler(predictor, {
    onInternalError: () => {},
    log: new JsonLog(undefined, { level: 'off' }),
  });
  const event = {
    httpMethod: 'POST',
    path: '/predict',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sampleRow(predictor)),
    isBase64Encoded: false,
  };
  const first = await handler(event);
  if (first.statusCode !== 200) {
    throw new Error(
      `the model did not answer a one-row prediction of zeros (status ${first.statusCode}): ${first.body}`,
    );
  }
  for (let i = 1; i < runs; i++) await handler(event);
  const durations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await handler(event);
    durations.push(performance.now() - started);
  }
  const peakMemoryMb = process.resourceUsage().maxRSS / 1024;
  return {
    model: predictor.card.name,
    durationMs: median(durations),
    peakMemoryMb,
    lambdaMemoryMb: costModel(PRICES).lambdaMemoryFor(peakMemoryMb),
    runs,
  };
}
