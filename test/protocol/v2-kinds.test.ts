// Every model kind answers the Open Inference Protocol through every transport, with the same numbers
// as the modelgate protocol's `input` batch for the same rows (JSON and binary alike): classifiers with
// probabilities (string, boolean classes), labels only (integer classes), scores, regressors of one
// and of several targets, clusterers (distances, probabilities) and outlier detectors. Typed features
// (a number, a boolean, a category) as one tensor per feature; NaN and null as missing values where the
// card takes them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../src/api/core.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';
import { kindModel, taskModel, twoInputs } from '../helpers/graphs.js';
import { trainIris } from '../helpers/models.js';
import { startTransports, type Transports } from './transports.js';
import { decodeAnswer, kserveRequest, tritonRequest } from './v2-clients.js';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

async function sklearn(name: string): Promise<{ bytes: Uint8Array; rows: (number | null)[][] }> {
  const expected = JSON.parse(readFileSync(fixture(`sklearn/${name}.json`), 'utf8')) as {
    features: string[];
    fittedOnFrame: boolean;
    rows: (number | null)[][];
  };
  const { model } = sklearnToOnnx(await loadModelFile(readFileSync(fixture(`sklearn/${name}.pkl`))), {
    name,
    source: `${name}.pkl`,
    features: expected.fittedOnFrame ? undefined : expected.features,
  });
  return { bytes: encodeModel(model), rows: expected.rows.slice(0, 3).map((r) => r.map((v) => v ?? 0)) };
}

const THREE = [
  [0.5, -1.25, 2],
  [-3, 0.75, 0.1],
  [1, 2, -0.5],
];

interface Subject {
  name: string;
  bytes: Uint8Array;
  rows: (number | null)[][];
  /** The modelgate `input` flags that ask for every extra. */
  ask: Record<string, boolean>;
  /** The V2 outputs, from the modelgate answer. */
  expected: (mg: Record<string, unknown>, card: Predictor['card']) => Record<string, unknown[]>;
}

const byClass = (list: unknown, classes: readonly unknown[]) =>
  (list as Record<string, number>[]).flatMap((p) => classes.map((c) => p[String(c)] as number));

const SUBJECTS: Subject[] = [
  {
    name: 'classifier with probabilities, string classes (modelgate train)',
    bytes: trainIris({ nEstimators: 10 }).bytes,
    rows: [
      [5.9, 3, 5.1, 1.8],
      [5.1, 3.5, 1.4, 0.2],
      [6.1, 2.8, 4.7, 1.4],
    ],
    ask: { return_probabilities: true },
    expected: (mg, card) => ({
      label: mg.prediction as unknown[],
      probabilities: byClass(mg.probabilities, card.classes ?? []),
    }),
  },
  {
    name: 'classifier with probabilities, boolean classes (scikit-learn logreg-bool)',
    ...(await sklearn('logreg-bool')),
    ask: { return_probabilities: true },
    expected: (mg, card) => ({
      label: mg.prediction as unknown[],
      probabilities: byClass(mg.probabilities, card.classes ?? []),
    }),
  },
  {
    name: 'labels only, integer classes (scikit-learn LinearSVC)',
    ...(await sklearn('linearsvc-multi')),
    ask: {},
    expected: (mg) => ({ label: mg.prediction as unknown[] }),
  },
  {
    name: 'scores (per-class outputs not known to be probabilities)',
    bytes: kindModel('scores'),
    rows: THREE,
    ask: { return_scores: true },
    expected: (mg, card) => ({
      label: mg.prediction as unknown[],
      scores: byClass(mg.scores, card.classes ?? []),
    }),
  },
  {
    name: 'regressor',
    bytes: kindModel('values'),
    rows: THREE,
    ask: {},
    expected: (mg) => ({ value: mg.prediction as unknown[] }),
  },
  {
    name: 'multi-output regressor (three targets)',
    bytes: kindModel('values', { hideWidth: true, card: (c) => ({ ...c, targets: ['a', 'b', 'c'] }) }),
    rows: THREE,
    ask: {},
    expected: (mg) => ({
      value: (mg.prediction as Record<string, number>[]).flatMap((r) => [r.a, r.b, r.c] as number[]),
    }),
  },
  {
    name: 'clusterer with distances and probabilities',
    bytes: taskModel('clusters', { with: ['distances', 'probabilities'] }),
    rows: THREE,
    ask: { return_distances: true, return_probabilities: true },
    expected: (mg) => ({
      cluster: mg.prediction as unknown[],
      distances: (mg.distances as number[][]).flat(),
      probabilities: (mg.probabilities as number[][]).flat(),
    }),
  },
  {
    name: 'outlier detector',
    bytes: taskModel('outliers'),
    rows: THREE,
    ask: { return_scores: true },
    expected: (mg) => ({ outlier: mg.prediction as unknown[], score: mg.scores as unknown[] }),
  },
];

describe.each(SUBJECTS)('$name', (s) => {
  let predictor: Predictor;
  let transports: Transports;
  let expected: Record<string, unknown[]>;

  it('loads, and the modelgate protocol answers its rows', async () => {
    predictor = await Predictor.load(s.bytes);
    transports = await startTransports(predictor, {});
    const core = new Core(() => ({ state: 'ready', predictor }));
    const r = await core.handle({
      method: 'POST',
      path: '/predict',
      headers: {},
      body: JSON.stringify({ input: s.rows, ...s.ask }),
    });
    expect(r.status, r.body).toBe(200);
    expected = s.expected(JSON.parse(r.body), predictor.card);
  });

  afterAll(async () => {
    await transports?.close();
    await predictor?.release();
  });

  it('lists its outputs in its metadata, with their datatypes and shapes', async () => {
    const r = await new Core(() => ({ state: 'ready', predictor })).handle({
      method: 'GET',
      path: `/v2/models/${predictor.card.name}`,
      headers: {},
    });
    const m = JSON.parse(r.body) as { outputs: { name: string; shape: number[] }[] };
    expect(m.outputs.map((o) => o.name)).toEqual(Object.keys(expected));
    for (const o of m.outputs) expect(o.shape[0]).toBe(-1);
  });

  it("answers a JSON request and a binary one with the modelgate protocol's numbers, through every transport", async () => {
    const name = predictor.card.name;
    const width = predictor.card.features.length;
    const flat = s.rows.flat() as number[];
    const json = kserveRequest(
      name,
      [{ name: 'input', shape: [s.rows.length, width], datatype: 'FP64', values: flat, binary: false }],
      { id: 'kind' },
    );
    const binary = tritonRequest(name, [
      { name: 'input', shape: [s.rows.length, width], datatype: 'FP64', values: flat },
    ]);
    for (const t of transports.list.filter((x) => !x.name.includes('direct invoke'))) {
      for (const sent of [json, binary]) {
        const a = await t.send(sent);
        expect(a.status, `${t.name}: ${a.body}`).toBe(200);
        const { outputs } = decodeAnswer(a.headers, a.raw);
        expect(Object.fromEntries(outputs.map((o) => [o.name, o.values])), t.name).toEqual(expected);
        for (const o of outputs) {
          const n = s.rows.length;
          expect(o.shape[0]).toBe(n);
          expect(o.shape.reduce((x, y) => x * y, 1)).toBe(o.values.length);
        }
      }
    }
  });
});

describe('typed features, one tensor per feature', () => {
  /** value = x0 + x1 + {a: 10, b: 20, c: 30}[color] (test/helpers/graphs.ts, twoInputs). */
  let predictor: Predictor;
  let transports: Transports;

  it('loads, and lists a tensor per feature of its type', async () => {
    predictor = await Predictor.load(twoInputs());
    transports = await startTransports(predictor, {});
    const r = await new Core(() => ({ state: 'ready', predictor })).handle({
      method: 'GET',
      path: '/v2/models/typed',
      headers: {},
    });
    expect(JSON.parse(r.body).inputs).toEqual([
      { name: 'x0', datatype: 'FP32', shape: [-1] },
      { name: 'x1', datatype: 'BOOL', shape: [-1] },
      { name: 'color', datatype: 'BYTES', shape: [-1] },
    ]);
  });

  afterAll(async () => {
    await transports?.close();
    await predictor?.release();
  });

  const inputs = (binary: boolean, color = 'color') => [
    { name: 'x0', shape: [2, 1], datatype: 'FP32' as const, values: [1.5, 2], binary },
    { name: 'x1', shape: [2, 1], datatype: 'BOOL' as const, values: [true, false], binary },
    { name: color, shape: [2, 1], datatype: 'BYTES' as const, values: ['b', 'c'], binary },
  ];

  it('answers numbers, booleans and categories (BYTES) in JSON and in binary, through every transport', async () => {
    const requests = [
      tritonRequest('typed', inputs(true)),
      tritonRequest('typed', inputs(false)),
      kserveRequest('typed', inputs(true), { id: '1' }),
      kserveRequest('typed', inputs(false, 'Color'), { id: '2', parameters: { content_type: 'pd' } }),
    ];
    for (const t of transports.list.filter((x) => !x.name.includes('direct invoke'))) {
      for (const sent of requests) {
        const a = await t.send(sent);
        expect(a.status, `${t.name}: ${a.body}`).toBe(200);
        expect(decodeAnswer(a.headers, a.raw).outputs[0]?.values, t.name).toEqual([22.5, 32]);
      }
    }
  });

  it('refuses a category it does not know, a BYTES number and a number for a boolean, naming the feature', async () => {
    const core = new Core(() => ({ state: 'ready', predictor }));
    const send = async (body: unknown) => {
      const r = await core.handle({
        method: 'POST',
        path: '/v2/models/typed/infer',
        headers: {},
        body: JSON.stringify(body),
      });
      return { status: r.status, error: (JSON.parse(r.body) as { error: string }).error };
    };
    const tensor = (name: string, datatype: string, data: unknown[]) => ({
      name,
      shape: [1],
      datatype,
      data,
    });
    const x0 = tensor('x0', 'FP32', [1]);
    const x1 = tensor('x1', 'BOOL', [true]);
    expect(await send({ inputs: [x0, x1, tensor('color', 'BYTES', ['purple'])] })).toEqual({
      status: 400,
      error: expect.stringMatching(/feature "color": "purple" is not one of the categories this model takes/),
    });
    expect(await send({ inputs: [x0, tensor('x1', 'INT32', [1]), tensor('color', 'BYTES', ['a'])] })).toEqual(
      {
        status: 400,
        error: expect.stringMatching(/feature "x1": expected true or false, got a number/),
      },
    );
    expect(
      await send({ inputs: [tensor('x0', 'BYTES', ['1']), x1, tensor('color', 'BYTES', ['a'])] }),
    ).toEqual({
      status: 400,
      error: expect.stringMatching(/feature "x0": expected a number or null, got a string/),
    });
    expect(
      await send({ inputs: [x0, x1, tensor('color', 'BYTES', ['a']), tensor('Color', 'BYTES', ['a'])] }),
    ).toEqual({
      status: 400,
      error: expect.stringMatching(/the request has 4 inputs, but the model has 3 features/),
    });
    expect(
      await send({ inputs: [x0, tensor('color', 'BYTES', ['a']), tensor('Color', 'BYTES', ['a'])] }),
    ).toEqual({
      status: 400,
      error: expect.stringMatching(/gives the feature "color" twice/),
    });
  });
});

describe('missing values', () => {
  it('NaN in binary FP32/FP64 and null in JSON are missing: the imputing model answers as for null rows', async () => {
    const predictor = await Predictor.load(trainIris({ nEstimators: 10 }).bytes);
    try {
      const core = new Core(() => ({ state: 'ready', predictor }));
      const native = await core.handle({
        method: 'POST',
        path: '/predict',
        headers: {},
        body: JSON.stringify({ input: [[5.9, null, 5.1, null]], return_probabilities: true }),
      });
      const mg = JSON.parse(native.body) as { prediction: string[]; probabilities: Record<string, number>[] };
      const want = {
        label: mg.prediction,
        probabilities: byClass(mg.probabilities, predictor.card.classes ?? []),
      };
      const values = [5.9, Number.NaN, 5.1, Number.NaN];
      for (const sent of [
        tritonRequest('iris', [{ name: 'input', shape: [1, 4], datatype: 'FP32', values }]),
        tritonRequest('iris', [{ name: 'input', shape: [1, 4], datatype: 'FP64', values }]),
        kserveRequest(
          'iris',
          [
            {
              name: 'input',
              shape: [1, 4],
              datatype: 'FP64',
              values: [5.9, null, 5.1, null] as unknown as number[],
              binary: false,
            },
          ],
          { id: 'n' },
        ),
        // A feature left out of the per-feature tensors is missing too.
        kserveRequest(
          'iris',
          [
            { name: 'sepal_length', shape: [1], datatype: 'FP64', values: [5.9], binary: false },
            { name: 'petal_length', shape: [1], datatype: 'FP64', values: [5.1], binary: false },
          ],
          { id: 'm' },
        ),
      ]) {
        const r = await core.handle({
          method: 'POST',
          path: sent.path as string,
          headers: sent.headers ?? {},
          body: sent.binary ?? sent.body,
        });
        expect(r.status, r.body).toBe(200);
        const outputs = decodeAnswer(r.headers, r.bytes ?? Buffer.from(r.body)).outputs;
        const got = Object.fromEntries(outputs.map((o) => [o.name, o.values]));
        // FP32 rounds 5.9 and 5.1 to float32 first, as the model's float32 input does anyway.
        expect(got).toEqual(want);
      }
    } finally {
      await predictor.release();
    }
  });
});
