// The unsupervised tasks in every request format (protocol.md): a clusterer answers each row's cluster
// with its distances or probabilities, an outlier detector whether each row is an outlier with its
// score; and a card that names the wrong outputs for its task is refused at load.
import { describe, expect, it } from 'vitest';
import { Core } from '../../src/api/core.js';
import type { ModelCard } from '../../src/onnx/card.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { kindModel, taskModel } from '../helpers/graphs.js';

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
    expect(p.stats.runs).toBe(1);
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
