// `modelgate cost`: what a workload costs a month on Lambda (alone, behind API Gateway REST or HTTP
// APIs), a SageMaker real-time endpoint and SageMaker Serverless Inference, with figures measured on a
// model for whatever the command line leaves out.
import { loadPredictor } from '../adapters/model.js';
import {
  type CostEstimate,
  type CostModel,
  type Crossing,
  costModel,
  PRICES,
  type Workload,
  type WorkloadProblem,
} from '../cost/calculator.js';
import { type Measurement, measureModel } from '../cost/measure.js';
import { UsageError } from './errors.js';
import { modelToServe } from './serve.js';

/** The options as commander gives them: text, parsed here so that every message names its flag. */
export interface CostCommandOptions {
  requestsPerMonth: string;
  memoryMb?: string;
  durationMs?: string;
  arch: string;
  provisionedConcurrency: string;
  provisionedHours: string;
  instanceType: string;
  sagemakerInstances: string;
  payloadKb: string;
  model?: string;
  sha256?: string;
  json?: boolean;
}

const FLAGS: Record<keyof Workload, string> = {
  requestsPerMonth: '--requests-per-month',
  memoryMb: '--memory-mb',
  durationMs: '--duration-ms',
  arch: '--arch',
  provisionedConcurrency: '--provisioned-concurrency',
  provisionedHours: '--provisioned-hours',
  instanceType: '--instance-type',
  sagemakerInstances: '--sagemaker-instances',
  payloadKb: '--payload-kb',
};

/** Decimal numbers, signed (so that a range check can name a negative one), with `_` between digits. */
const NUMBER = /^[+-]?(?:\d(?:_?\d)*(?:\.\d(?:_?\d)*)?|\.\d(?:_?\d)*)(?:e[+-]?\d+)?$/i;
const SUFFIXES: Record<string, number> = { k: 3, m: 6, b: 9 };

/** A plain number: 12, 0.5, 1e6, 1_000_000. */
export function parseNumberArgument(flag: string, text: string): number {
  const t = text.trim();
  const n = Number(t.replaceAll('_', ''));
  if (!NUMBER.test(t) || !Number.isFinite(n)) {
    throw new UsageError(`${flag} expects a number, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** A count of requests: a number, or one with a k, M or B suffix (thousand, million, billion): 3M, 2.5B. */
export function parseCountArgument(flag: string, text: string): number {
  const t = text.trim();
  const suffix = t.slice(-1).toLowerCase();
  if (suffix in SUFFIXES) {
    const mantissa = t.slice(0, -1).replaceAll('_', '');
    if (!/^(?:\d+(?:\.\d+)?|\.\d+)$/.test(mantissa)) {
      throw new UsageError(
        `${flag} expects a number such as 1000000, 1e6, 1_000_000 or 1M, got ${JSON.stringify(text)}`,
      );
    }
    // Through the exponent, so that 7.44M is exactly 7440000.
    return Number(`${mantissa}e${SUFFIXES[suffix]}`);
  }
  try {
    return parseNumberArgument(flag, text);
  } catch {
    throw new UsageError(
      `${flag} expects a number such as 1000000, 1e6, 1_000_000 or 1M, got ${JSON.stringify(text)}`,
    );
  }
}

function problemsMessage(problems: WorkloadProblem[]): string {
  return problems.map((p) => `${FLAGS[p.field]} ${p.message}`).join('; ');
}

/**
 * The model to measure: the one named, else (when a figure is missing) the one `modelgate serve` would
 * serve (MODEL_URI, or the packaged model beside the program), else none.
 */
function modelToMeasure(
  opts: CostCommandOptions,
  missing: boolean,
  env: NodeJS.ProcessEnv,
  programDir: URL,
): { uri: string; sha256?: string } | undefined {
  if (opts.model !== undefined) return { uri: opts.model, sha256: opts.sha256 };
  if (!missing) return undefined;
  try {
    return modelToServe(undefined, opts.sha256, env, programDir);
  } catch (err) {
    if (err instanceof UsageError) return undefined;
    throw err;
  }
}

interface Measured extends Measurement {
  uri: string;
}

async function measure(source: { uri: string; sha256?: string }): Promise<Measured> {
  const predictor = await loadPredictor({ uri: source.uri, sha256: source.sha256 });
  try {
    return { ...(await measureModel(predictor)), uri: source.uri };
  } catch (cause) {
    throw new Error(`cannot measure the model at ${source.uri}: ${(cause as Error).message}`, { cause });
  } finally {
    await predictor.release();
  }
}

export async function costCommand(
  opts: CostCommandOptions,
  env: NodeJS.ProcessEnv,
  programDir: URL,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<void> {
  const calc = costModel(PRICES);
  const memoryMb =
    opts.memoryMb === undefined ? undefined : parseNumberArgument('--memory-mb', opts.memoryMb);
  const durationMs =
    opts.durationMs === undefined ? undefined : parseNumberArgument('--duration-ms', opts.durationMs);
  const given = {
    requestsPerMonth: parseCountArgument('--requests-per-month', opts.requestsPerMonth),
    arch: opts.arch as Workload['arch'],
    provisionedConcurrency: parseNumberArgument('--provisioned-concurrency', opts.provisionedConcurrency),
    provisionedHours: parseNumberArgument('--provisioned-hours', opts.provisionedHours),
    instanceType: opts.instanceType,
    sagemakerInstances: parseNumberArgument('--sagemaker-instances', opts.sagemakerInstances),
    payloadKb: parseNumberArgument('--payload-kb', opts.payloadKb),
  };
  // Every given figure is checked before a model is loaded: a typo should not wait for a download.
  const early = calc.workloadProblems(
    calc.workload({ ...given, memoryMb: memoryMb ?? 128, durationMs: durationMs ?? 1 }),
  );
  if (early.length > 0) throw new UsageError(problemsMessage(early));

  const source = modelToMeasure(opts, durationMs === undefined || memoryMb === undefined, env, programDir);
  if (durationMs === undefined && source === undefined) {
    throw new UsageError(
      'give --duration-ms <ms> (the duration of one request), or a model to measure it on: --model <file|s3://...|https://...> (or set MODEL_URI)',
    );
  }
  const measured = source ? await measure(source) : undefined;
  const workload = calc.workload({
    ...given,
    memoryMb: memoryMb ?? measured?.lambdaMemoryMb ?? 128,
    durationMs: durationMs ?? (measured as Measured).durationMs,
  });
  const measuredFields = [
    ...(durationMs === undefined ? ['durationMs'] : []),
    ...(memoryMb === undefined && measured ? ['memoryMb'] : []),
  ];
  const estimate = calc.estimate(workload);
  if (opts.json) out(`${JSON.stringify(costJson(estimate, workload, measured, measuredFields), null, 2)}\n`);
  else out(costText(calc, estimate, workload, measured, measuredFields));
}

function costJson(e: CostEstimate, w: Workload, measured: Measured | undefined, fields: string[]) {
  return {
    lambda: e.lambda,
    apiGatewayRest: e.apiGatewayRest,
    apiGatewayHttp: e.apiGatewayHttp,
    sagemakerRealtime: e.sagemakerRealtime,
    sagemakerServerless: e.sagemakerServerless,
    breakdown: { ...e.breakdown, notes: e.notes },
    inputs: {
      ...w,
      measured: measured ? { ...measured, fields } : null,
    },
    prices: {
      date: PRICES.date,
      region: PRICES.region,
      currency: PRICES.currency,
      freeTiers: PRICES.freeTiers,
      hoursPerMonth: PRICES.hoursPerMonth,
      sources: Object.fromEntries(
        Object.entries(PRICES.sources).map(([id, s]) => [id, { url: s.url, date: s.date, grade: s.grade }]),
      ),
    },
  };
}

function costText(
  calc: CostModel,
  e: CostEstimate,
  w: Workload,
  measured: Measured | undefined,
  fields: string[],
): string {
  const usd = calc.formatUsd;
  const count = calc.formatCount;
  const b = e.breakdown;
  const lines: string[] = [];
  lines.push(
    `monthly cost in ${PRICES.region}, ${PRICES.currency}: on-demand prices compiled ${PRICES.date}, free tiers excluded`,
    '',
    `workload   ${count(w.requestsPerMonth)} requests a month of ${w.payloadKb} KB in and out; ${w.memoryMb} MB, ${formatMs(w.durationMs)} a request (billed ${b.lambda.billedDurationMs} ms), ${w.arch}${w.provisionedConcurrency > 0 ? `, ${w.provisionedConcurrency} provisioned for ${w.provisionedHours} h` : ''}`,
  );
  if (measured) {
    const what =
      fields.length === 0
        ? 'not used (both figures were given)'
        : `used for ${fields.map((f) => (f === 'durationMs' ? 'the duration' : 'the memory size')).join(' and ')}`;
    lines.push(
      `measured   ${measured.model} (${measured.uri}), ${what}:`,
      `           duration ${formatMs(measured.durationMs)}, the median of ${measured.runs} warm single-row predictions through the Lambda handler`,
      `           peak memory ${measured.peakMemoryMb.toFixed(1)} MB, so ${measured.lambdaMemoryMb} MB of Lambda memory`,
      '           (this machine at the full speed of a core; below 1,769 MB Lambda gives a smaller share of one)',
    );
  }
  const serverless = b.sagemakerServerless;
  const rows: [string, string][] = [
    ['Lambda alone (function URL, direct invoke)', usd(e.lambda)],
    ['Lambda + API Gateway REST API', usd(e.apiGatewayRest)],
    ['Lambda + API Gateway HTTP API', usd(e.apiGatewayHttp)],
    [`SageMaker real-time, ${w.sagemakerInstances} x ${w.instanceType}`, usd(e.sagemakerRealtime)],
    [
      `SageMaker Serverless${serverless.available ? `, ${serverless.memoryMb} MB` : ''}`,
      e.sagemakerServerless === null ? 'not available' : usd(e.sagemakerServerless),
    ],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.max(...rows.map(([, v]) => v.length), 'per month'.length);
  lines.push('', `${'option'.padEnd(width)}  ${'per month'.padStart(valueWidth)}`);
  for (const [name, value] of rows) lines.push(`${name.padEnd(width)}  ${value.padStart(valueWidth)}`);

  const l = b.lambda;
  lines.push(
    '',
    'breakdown',
    `  Lambda                requests ${usd(l.requests)}; duration ${usd(l.duration)} (${count(l.gbSeconds)} GB-s at the ${l.durationRate} rate)${l.provisionedGbSeconds > 0 ? `; provisioned concurrency ${usd(l.provisionedConcurrency)} (${count(l.provisionedGbSeconds)} GB-s)` : ''}`,
    `  API Gateway           REST API ${usd(b.apiGatewayRest.requests)} for ${count(b.apiGatewayRest.billedRequests)} requests; HTTP API ${usd(b.apiGatewayHttp.requests)} for ${count(b.apiGatewayHttp.billedRequests)} metered requests`,
    `  SageMaker real-time   instances ${usd(b.sagemakerRealtime.instances)} (${b.sagemakerRealtime.instanceCount} x ${b.sagemakerRealtime.hours} h x $${b.sagemakerRealtime.usdPerHour}); data processed ${usd(b.sagemakerRealtime.dataProcessed)} (${b.sagemakerRealtime.dataGb.toPrecision(3)} GB)`,
    serverless.available
      ? `  SageMaker Serverless  compute ${usd(serverless.compute)} (${count(serverless.computeSeconds)} s at ${serverless.memoryMb} MB); data processed ${usd(serverless.dataProcessed)}`
      : `  SageMaker Serverless  ${serverless.reason}`,
    '',
    `break-even with SageMaker real-time (${w.sagemakerInstances} x ${w.instanceType}): the monthly volume at which they cost the same`,
    `  Lambda alone                   ${crossingText(b.breakEven.lambda, e.lambda)}`,
    `  Lambda + API Gateway REST API  ${crossingText(b.breakEven.apiGatewayRest, e.apiGatewayRest)}`,
    `  Lambda + API Gateway HTTP API  ${crossingText(b.breakEven.apiGatewayHttp, e.apiGatewayHttp)}`,
  );
  if (e.notes.length > 0) lines.push('', 'notes', ...e.notes.map((n) => `  ${n}`));
  lines.push('', 'prices and their sources: src/cost/prices.json; formulas and assumptions: docs/cost.md');
  return `${lines.join('\n')}\n`;

  /** `option`: the Lambda option's cost at this volume, which says which side is cheaper at every volume. */
  function crossingText(c: Crossing | null, option: number): string {
    if (c === null) {
      return `none: ${option < e.sagemakerRealtime ? 'Lambda' : 'SageMaker real-time'} is cheaper at every volume`;
    }
    const side = c.cheaperBelow === 'lambda' ? 'Lambda is cheaper below it' : 'SageMaker is cheaper below it';
    return `${count(c.requestsPerMonth)} requests a month (${side})`;
  }
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${Number(ms.toFixed(1))} ms` : `${Number(ms.toPrecision(3))} ms`;
}
