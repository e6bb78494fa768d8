// The unsupervised tasks in every request format (protocol.md): a clusterer answers each row's cluster
// with its distances or probabilities, an outlier detector whether each row is an outlier with its
// score; and a card that names the wrong outputs for its task is refused at load.
import { describe, expect, it } from 'vitest';
import { Core } from '../../src/api/core.js';
import { attr, buildModel, GraphBuilder, tensor } from '../../src/onnx/builder.js';
import { cardEntry, type ModelCard } from '../../src/onnx/card.js';
import { DataType, encodeModel } from '../../src/onnx/proto.js';
import { InvalidRowError } from '../../src/runtime/errors.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { kindModel, TEST_PROVENANCE, taskModel } from '../helpers/graphs.js';

const post = async (predictor: Predictor, body: unknown) => {
  const core = new Core(() => ({ state: 'ready', predictor }));
  const res = await core.handle({ method: 'POST', path: '/', headers: {}, body: JSON.stringify(body) });
  return { status: res.status, body: JSON.parse(res.body) };
};

describe('a clusterer', () => {
  it('answers the cluster and its distance for one row, and every distance on request', async () => {
    const p = await Predictor.load(taskModel('clusters'));
    expect(p.kind).toBe('clusters');
    expect(await post(p, { x0: 3, x1: -0.5, x2: 2 })).toEqual({
      status: 200,
      body: { prediction: { cluster: 1, distance: 0.5 } },
    });
    const rows = [
      [3, -0.5, 2],
      [0.25, 1, 1],
    ];
    expect((await post(p, { input: rows })).body).toEqual({ prediction: [1, 0] });
    expect((await post(p, { input: rows, return_distances: true })).body).toEqual({
      prediction: [1, 0],
      distances: [
        [3, 0.5, 2],
        [0.25, 1, 1],
      ],
    });
    expect((await post(p, { instances: [{ x0: 3, x1: -0.5, x2: 2 }] })).body).toEqual({
      predictions: [{ cluster: 1, distances: [3, 0.5, 2] }],
    });
    const asked = await post(p, { input: rows, return_probabilities: true });
    expect(asked.status).toBe(400);
    expect(asked.body.error.message).toBe(
      '"return_probabilities" is true, but this clusterer has no probabilities; ask for "return_distances": true',
    );
    await p.release();
  });

  it('answers probabilities where the card names them (a mixture)', async () => {
    const p = await Predictor.load(taskModel('clusters', { with: ['probabilities'] }));
    const one = (await post(p, { x0: 0, x1: 0, x2: 0 })).body;
    expect(one).toEqual({ prediction: { cluster: 0, probability: 0.3333 } });
    const batch = (await post(p, { input: [[0, 0, 0]], return_probabilities: true })).body;
    expect(batch.prediction).toEqual([0]);
    expect(batch.probabilities[0].reduce((a: number, b: number) => a + b)).toBeCloseTo(1, 12);
    expect((await post(p, { input: [[0, 0, 0]], return_distances: true })).status).toBe(400);
    await p.release();
  });

  it('keeps each request to its own rows when requests are batched', async () => {
    const p = await Predictor.load(taskModel('clusters'), { batching: true });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => p.predict([[i % 3 === 0 ? 0 : 9, i % 3 === 1 ? 0 : 9, 9]])),
    );
    answers.forEach((a, i) => {
      expect(a.kind === 'clusters' && [...a.clusters]).toEqual([i % 3 === 2 ? 0 : i % 3]);
    });
    // The first request of the turn runs at once (it came alone); the others as one batch.
    expect(p.stats.runs).toBe(2);
    await p.release();
  });
});

describe('an outlier detector', () => {
  it('answers whether each row is an outlier, with its score', async () => {
    const p = await Predictor.load(taskModel('outliers'));
    expect((await post(p, { x0: -0.25, x1: 1, x2: 1 })).body).toEqual({
      prediction: { outlier: true, score: -0.25 },
    });
    const rows = [
      [-0.25, 0, 0],
      [2, 0, 0],
    ];
    expect((await post(p, { input: rows })).body).toEqual({ prediction: [true, false] });
    expect((await post(p, { input: rows, return_scores: true })).body).toEqual({
      prediction: [true, false],
      scores: [-0.25, 2],
    });
    expect((await post(p, { instances: [{ x0: 2, x1: 0, x2: 0 }] })).body).toEqual({
      predictions: [{ outlier: false, score: 2 }],
    });
    const asked = await post(p, { input: rows, return_probabilities: true });
    expect(asked.status).toBe(400);
    expect(asked.body.error.message).toBe(
      '"return_probabilities" is true, but this outlier detector has no probabilities; ask for "return_scores": true',
    );
    await p.release();
  });
});

it('a classifier asked for distances is a 400 that says they are a clusterer’s', async () => {
  const p = await Predictor.load(kindModel('probabilities'));
  const asked = await post(p, { input: [[0, 0, 0]], return_distances: true });
  expect(asked.status).toBe(400);
  expect(asked.body.error.message).toBe(
    '"return_distances" is true, but distances are a clusterer\'s, and this model is not one',
  );
  await p.release();
});

describe('cards of the new tasks that disagree with themselves or the graph are refused', () => {
  it.each<[string, 'clusters' | 'outliers', (c: ModelCard) => ModelCard, string]>([
    ['no cluster count', 'clusters', ({ clusters, ...c }) => c, '"clusters" must be a whole number'],
    ['a wrong cluster count', 'clusters', (c) => ({ ...c, clusters: 4 }), 'the card has 4 clusters'],
    ['classes on a clusterer', 'clusters', (c) => ({ ...c, classes: [0, 1, 2] }), 'has no "classes"'],
    [
      'a value output on a clusterer',
      'clusters',
      (c) => ({ ...c, io: { ...c.io, value: 'distances' } }),
      '"io.value" is not an output of a clustering model',
    ],
    [
      'an outlier detector without a score',
      'outliers',
      (c) => ({ ...c, io: { input: 'input', inputType: 'float64', label: 'label' } }),
      'an outlier detector needs "io.label" (1 or -1) and "io.score"',
    ],
    [
      'a float score named as the label',
      'outliers',
      (c) => ({ ...c, io: { ...c.io, label: 'score' } }),
      'the label output "score" is',
    ],
  ])('%s', async (_, task, edit, message) => {
    await expect(Predictor.load(taskModel(task, { card: edit }))).rejects.toThrow(message);
  });
});

describe('rows the model cannot vouch for (io.refused)', () => {
  /** value = x0; a row is refused where x1 is negative. */
  function refusingModel(): Uint8Array {
    const b = new GraphBuilder('refusing');
    const x = b.input('input', DataType.DOUBLE, ['N', 2]);
    const column = (j: number) =>
      b.op('Gather', [x, b.constant(tensor.int64(`c${j}`, [], [j]))], [attr.int('axis', 1)]);
    b.op('Identity', [column(0)], [], undefined, 'value');
    b.output('value', DataType.DOUBLE, ['N']);
    b.op('Less', [column(1), b.constant(tensor.double('zero', [], [0]))], [], undefined, 'refused');
    b.output('refused', DataType.BOOL, ['N']);
    const card: ModelCard = {
      format: 1,
      name: 'refusing',
      task: 'regression',
      features: [
        { name: 'x0', type: 'number' },
        { name: 'x1', type: 'number' },
      ],
      missing: 'reject',
      io: {
        input: 'input',
        inputType: 'float64',
        value: 'value',
        refused: 'refused',
        refusedBecause: 'x1 is negative',
      },
      provenance: TEST_PROVENANCE,
    };
    return encodeModel(buildModel(b, { producerVersion: 'test', metadata: [cardEntry(card)] }));
  }

  it('refuses only the requests holding such a row, with a 400 naming it, under batching too', async () => {
    const p = await Predictor.load(refusingModel(), { batching: true });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => p.predict([[i, i === 5 ? -1 : 1]])),
    );
    // The first request of the turn runs at once (it came alone); the others as one batch.
    expect(p.stats.runs).toBe(2);
    results.forEach((r, i) => {
      if (i === 5) {
        expect(r.status).toBe('rejected');
        const err = (r as PromiseRejectedResult).reason;
        expect(err).toBeInstanceOf(InvalidRowError);
        expect(err.message).toBe(
          'row 0: this model cannot vouch for its answer to this row (x1 is negative)',
        );
      } else expect(r.status === 'fulfilled' && Array.from(r.value.values ?? [])).toEqual([i]);
    });
    const answer = await post(p, {
      input: [
        [1, 1],
        [2, -3],
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.type).toBe('unanswerable_row');
    expect(answer.body.error.details).toEqual({ row: 1 });
    await p.release();
  });
});

describe('a regressor of several targets', () => {
  it('answers each row’s values keyed by target, in every format', async () => {
    const p = await Predictor.load(
      kindModel('values', {
        hideWidth: true,
        double: true,
        card: (c) => ({ ...c, targets: ['low', 'mid', 'high'] }),
      }),
    );
    const row = { x0: 1.5, x1: -2, x2: 3 };
    expect((await post(p, row)).body).toEqual({ prediction: { values: { low: 1.5, mid: -2, high: 3 } } });
    expect((await post(p, { input: [[1, 2, 3], row] })).body).toEqual({
      prediction: [
        { low: 1, mid: 2, high: 3 },
        { low: 1.5, mid: -2, high: 3 },
      ],
    });
    expect((await post(p, { instances: [row] })).body).toEqual({
      predictions: [{ values: { low: 1.5, mid: -2, high: 3 } }],
    });
    await p.release();
  });

  it('is refused at load where the graph answers another number of targets', async () => {
    await expect(
      Predictor.load(kindModel('values', { hideWidth: true, card: (c) => ({ ...c, targets: ['a', 'b'] }) })),
    ).rejects.toThrow(/output "value" is \[3, 3\] for 3 rows; expected \[3, 2\]|\[2, 2\]/);
    await expect(
      Predictor.load(kindModel('values', { card: (c) => ({ ...c, targets: ['a'] }) })),
    ).rejects.toThrow('at least two');
  });
});
