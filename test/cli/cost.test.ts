// `modelgate cost` through the built CLI: AWS's published examples to the cent, the --json shape, the
// figures measured on a model, and a message naming the problem (with a non-zero exit) for every bad
// argument.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { costModel, PRICES } from '../../src/cost/calculator.js';
import { runCli } from '../helpers/cli.js';
import { IRIS_MODEL } from '../helpers/models.js';

const calc = costModel(PRICES);
const dir = mkdtempSync(join(tmpdir(), 'modelgate-cost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No MODEL_URI from the environment that runs the tests: only what a test names is measured. */
const NO_MODEL_ENV = { MODEL_URI: '' };

async function costJson(...args: string[]) {
  const r = await runCli(['cost', ...args, '--json'], { env: NO_MODEL_ENV });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('modelgate cost', () => {
  it('prints exactly the five options, the breakdown, the inputs and the prices with --json', async () => {
    const out = await costJson(
      '--requests-per-month',
      '7.44M',
      '--duration-ms',
      '2000',
      '--memory-mb',
      '1024',
    );
    expect(Object.keys(out)).toEqual([
      'lambda',
      'apiGatewayRest',
      'apiGatewayHttp',
      'sagemakerRealtime',
      'sagemakerServerless',
      'breakdown',
      'inputs',
      'prices',
    ]);
    // AWS's streaming telemetry example: 7.44M x 2 s x 1024 MB = $249.49.
    expect(Math.abs(out.lambda - 249.49)).toBeLessThan(0.005);
    const w = calc.workload({ requestsPerMonth: 7_440_000, durationMs: 2000, memoryMb: 1024 });
    const e = calc.estimate(w);
    for (const key of [
      'lambda',
      'apiGatewayRest',
      'apiGatewayHttp',
      'sagemakerRealtime',
      'sagemakerServerless',
    ]) {
      expect(Math.abs(out[key] - (e as unknown as Record<string, number>)[key]), key).toBeLessThanOrEqual(
        1e-9 * out[key],
      );
    }
    expect(Object.keys(out.breakdown)).toEqual([
      'lambda',
      'apiGatewayRest',
      'apiGatewayHttp',
      'sagemakerRealtime',
      'sagemakerServerless',
      'breakEven',
      'notes',
    ]);
    expect(out.breakdown.lambda).toMatchObject({ billedDurationMs: 2000, durationRate: 'on-demand' });
    expect(out.breakdown.apiGatewayRest.requests).toBeCloseTo(26.04, 9); // 7.44M x $3.50/M, within 5e-10
    expect(out.inputs).toEqual({ ...w, measured: null });
    expect(out.prices).toMatchObject({
      date: '2026-11-24',
      region: 'us-east-1',
      currency: 'USD',
      freeTiers: 'excluded',
      hoursPerMonth: 730,
    });
    expect(out.prices.sources['lambda-pricing-page'].url).toBe('https://aws.amazon.com/lambda/pricing/');
  });

  it("reproduces AWS's Cyber Monday example with provisioned concurrency for 24 hours: $32.26", async () => {
    const out = await costJson(
      ...['--requests-per-month', '2000000', '--duration-ms', '280', '--memory-mb', '4096'],
      ...['--provisioned-concurrency', '7', '--provisioned-hours', '24'],
    );
    expect(Math.abs(out.lambda - 32.26)).toBeLessThan(0.005);
    expect(Math.abs(out.breakdown.lambda.provisionedConcurrency - 10.08)).toBeLessThan(0.005);
  });

  it.each(['1000000', '1e6', '1E6', '1_000_000', '1M', '1m', '1000k', '0.001B'])(
    'reads --requests-per-month %s as one million',
    async (text) => {
      const out = await costJson('--requests-per-month', text, '--duration-ms', '10');
      expect(out.inputs.requestsPerMonth).toBe(1_000_000);
    },
  );

  it('prints a table of the five options, the breakdown and the break-even volumes', async () => {
    const r = await runCli(
      ['cost', '--requests-per-month', '7.44M', '--duration-ms', '2000', '--memory-mb', '1024'],
      { env: NO_MODEL_ENV },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Lambda alone \(function URL, direct invoke\) +\$249\.49$/m);
    expect(r.stdout).toMatch(/^Lambda \+ API Gateway REST API +\$275\.53$/m);
    expect(r.stdout).toMatch(/^SageMaker real-time, 1 x ml\.m5\.large +\$84\.18$/m);
    expect(r.stdout).toMatch(/^SageMaker Serverless, 1024 MB +\$297\.83$/m);
    expect(r.stdout).toContain('requests $1.49; duration $248.00 (14.9M GB-s at the on-demand rate)');
    expect(r.stdout).toMatch(/break-even with SageMaker real-time/);
    expect(r.stdout).toContain('prices compiled 2026-11-24, free tiers excluded');
    expect(r.stdout).not.toContain('measured');
  });

  it('says when Serverless Inference has no size large enough', async () => {
    const out = await costJson('--duration-ms', '10', '--memory-mb', '8192');
    expect(out.sagemakerServerless).toBeNull();
    expect(out.breakdown.notes).toContain('Serverless Inference offers at most 6144 MB, less than 8192 MB');
  });
});

describe('modelgate cost on a measured model', () => {
  it('measures the duration and the memory size on the model given, and says so', async () => {
    const out = await costJson('--model', IRIS_MODEL, '--requests-per-month', '5M');
    const m = out.inputs.measured;
    expect(m).toMatchObject({
      model: 'iris',
      uri: IRIS_MODEL,
      runs: 200,
      fields: ['durationMs', 'memoryMb'],
    });
    expect(m.durationMs).toBeGreaterThan(0);
    expect(m.durationMs).toBeLessThan(50);
    expect(m.peakMemoryMb).toBeGreaterThan(20);
    expect(m.lambdaMemoryMb).toBe(calc.lambdaMemoryFor(m.peakMemoryMb));
    expect(out.inputs.durationMs).toBe(m.durationMs);
    expect(out.inputs.memoryMb).toBe(m.lambdaMemoryMb);
    const e = calc.estimate(
      calc.workload({ requestsPerMonth: 5e6, durationMs: m.durationMs, memoryMb: m.lambdaMemoryMb }),
    );
    expect(Math.abs(out.lambda - e.lambda)).toBeLessThanOrEqual(1e-9 * e.lambda);
    // A single-row prediction of iris takes well under a millisecond: billed as 1 ms.
    expect(out.breakdown.lambda.billedDurationMs).toBe(1);

    const text = await runCli(['cost', '--model', IRIS_MODEL], { env: NO_MODEL_ENV });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('used for the duration and the memory size');
    expect(text.stdout).toMatch(/the median of 200 warm single-row predictions through the Lambda handler/);
    expect(text.stdout).toMatch(/peak memory [\d.]+ MB, so \d+ MB of Lambda memory/);
  });

  it('uses the measured figure only for what is not given', async () => {
    const out = await costJson('--model', IRIS_MODEL, '--memory-mb', '512');
    expect(out.inputs.measured.fields).toEqual(['durationMs']);
    expect(out.inputs.memoryMb).toBe(512);
    const both = await costJson('--model', IRIS_MODEL, '--memory-mb', '512', '--duration-ms', '7');
    expect(both.inputs.measured.fields).toEqual([]);
    expect(both.inputs.durationMs).toBe(7);
  });

  it('measures the model serve would serve (MODEL_URI) when no model is named', async () => {
    const r = await runCli(['cost', '--json'], { env: { MODEL_URI: IRIS_MODEL } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).inputs.measured).toMatchObject({ model: 'iris', uri: IRIS_MODEL });
  });

  it('without a duration and without a model, says what to give', async () => {
    const r = await runCli(['cost', '--memory-mb', '512'], { env: NO_MODEL_ENV });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /give --duration-ms <ms>.*--model <file\|s3:\/\/\.\.\.\|https:\/\/\.\.\.>.*MODEL_URI/,
    );
  });
});

describe('modelgate cost refuses bad arguments, naming them', () => {
  it.each<[string, string[], RegExp]>([
    [
      'a negative volume',
      ['--requests-per-month', '-5'],
      /--requests-per-month must be a number of requests, 0 or more, got -5/,
    ],
    [
      'a volume that is not a number',
      ['--requests-per-month', 'lots'],
      /--requests-per-month expects a number such as 1000000, 1e6, 1_000_000 or 1M, got "lots"/,
    ],
    [
      'an unknown suffix',
      ['--requests-per-month', '3X'],
      /--requests-per-month expects a number .* got "3X"/,
    ],
    [
      'a negative suffixed volume',
      ['--requests-per-month', '-3M'],
      /--requests-per-month expects a number .* got "-3M"/,
    ],
    [
      'too little memory',
      ['--memory-mb', '64'],
      /--memory-mb must be a whole number of MB from 128 to 10240, got 64/,
    ],
    ['too much memory', ['--memory-mb', '10241'], /--memory-mb must be .* got 10241/],
    ['a fractional memory size', ['--memory-mb', '512.5'], /--memory-mb must be a whole number .* got 512.5/],
    ['memory that is not a number', ['--memory-mb', 'big'], /--memory-mb expects a number, got "big"/],
    [
      'a negative duration',
      ['--duration-ms', '-1'],
      /--duration-ms must be a number of milliseconds above 0, got -1/,
    ],
    ['a zero duration', ['--duration-ms', '0'], /--duration-ms must be .* above 0, got 0/],
    [
      'a duration that is not a number',
      ['--duration-ms', 'fast'],
      /--duration-ms expects a number, got "fast"/,
    ],
    ['an infinite duration', ['--duration-ms', 'Infinity'], /--duration-ms expects a number, got "Infinity"/],
    ['an unknown architecture', ['--arch', 'sparc'], /'sparc' is invalid.*x86_64, arm64/],
    [
      'an unknown instance type',
      ['--instance-type', 'ml.z9.huge'],
      /--instance-type must be one of ml\.t2\.medium, .* got "ml\.z9\.huge"/,
    ],
    [
      'negative provisioned concurrency',
      ['--provisioned-concurrency', '-1'],
      /--provisioned-concurrency must be a whole number, 0 or more, got -1/,
    ],
    [
      'fractional provisioned concurrency',
      ['--provisioned-concurrency', '1.5'],
      /--provisioned-concurrency .* got 1.5/,
    ],
    [
      'more hours than a month has',
      ['--provisioned-hours', '800'],
      /--provisioned-hours must be a number of hours above 0 and at most 744, got 800/,
    ],
    [
      'no SageMaker instance',
      ['--sagemaker-instances', '0'],
      /--sagemaker-instances must be a whole number, 1 or more, got 0/,
    ],
    ['an empty payload', ['--payload-kb', '0'], /--payload-kb must be a number of KB above 0, got 0/],
    ['a payload that is not a number', ['--payload-kb', '1KB'], /--payload-kb expects a number, got "1KB"/],
    ['an unknown option', ['--memory', '512'], /unknown option '--memory'/],
  ])('%s', async (_, args, message) => {
    const r = await runCli(['cost', '--duration-ms', '10', ...args], { env: NO_MODEL_ENV });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('names every bad figure at once', async () => {
    const r = await runCli(['cost', '--duration-ms', '-1', '--memory-mb', '1'], { env: NO_MODEL_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--memory-mb must be .* got 1; --duration-ms must be .* got -1/);
  });

  it('checks the figures before loading a model', async () => {
    const r = await runCli(['cost', '--model', join(dir, 'absent.onnx'), '--memory-mb', '5'], {
      env: NO_MODEL_ENV,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--memory-mb must be/);
  });

  it('a model file that does not exist: exit 1, naming it', async () => {
    const absent = join(dir, 'absent.onnx');
    const r = await runCli(['cost', '--model', absent], { env: NO_MODEL_ENV });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`cannot load the model from ${absent}`);
  });

  it('a file that is not a model: exit 1, naming it', async () => {
    const text = join(dir, 'notes.onnx');
    writeFileSync(text, 'not a model at all');
    const r = await runCli(['cost', '--model', text], { env: NO_MODEL_ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot load the model from ${text}`);
  });

  it('a model whose bytes are not the --sha256 given: exit 1', async () => {
    const r = await runCli(['cost', '--model', IRIS_MODEL, '--sha256', '0'.repeat(64)], {
      env: NO_MODEL_ENV,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has sha256 [0-9a-f]{64}, not the expected 0{64}/);
  });
});
