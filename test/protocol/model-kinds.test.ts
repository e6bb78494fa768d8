// Every model kind answers every request format, through every transport (protocol.md, "Every model
// kind answers every format"): probabilistic classifiers, label-only classifiers, classifiers whose
// outputs are scores, regressors; string, integer and boolean classes; with and without an imputer.
// Each answer is checked against the Predictor's own prediction for the same rows.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClassLabel } from '../../src/onnx/card.js';
import { packOnnx } from '../../src/onnx/pack.js';
import { decodeModel, encodeModel } from '../../src/onnx/proto.js';
import type { OutputKind, Prediction } from '../../src/runtime/prediction.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';
import { trainIris } from '../helpers/models.js';
import { type Sent, startTransports, type Transports } from './transports.js';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

interface Subject {
  name: string;
  kind: OutputKind;
  bytes: Uint8Array;
  rows: (number | null)[][];
  /** What the source library itself answered for `rows` (scikit-learn's predict, the network's argmax). */
  reference?: (ClassLabel | number)[];
}

async function sklearn(name: string, kind: OutputKind, what: string): Promise<Subject> {
  const expected = JSON.parse(readFileSync(fixture(`sklearn/${name}.json`), 'utf8')) as {
    features: string[];
    fittedOnFrame: boolean;
    rows: (number | null)[][];
    predict: (ClassLabel | number)[];
  };
  const { model } = sklearnToOnnx(await loadModelFile(readFileSync(fixture(`sklearn/${name}.pkl`))), {
    name,
    source: `${name}.pkl`,
    features: expected.fittedOnFrame ? undefined : expected.features,
  });
  return {
    name: `${what} (scikit-learn ${name})`,
    kind,
    bytes: encodeModel(model),
    rows: expected.rows.slice(0, 3),
    reference: expected.predict.slice(0, 3),
  };
}

function logits(): Subject {
  const { features, rows, label } = JSON.parse(readFileSync(fixture('onnx/logits.json'), 'utf8')) as {
    features: string[];
    rows: number[][];
    label: string[];
  };
  const packed = packOnnx(decodeModel(readFileSync(fixture('onnx/logits.onnx'))), {
    name: 'logits',
    source: 'logits.onnx',
    features,
    classes: ['setosa', 'versicolor', 'virginica'],
    task: 'classification',
  });
  // A network that ends in logits: pack serves its outputs as scores, not probabilities.
  const bytes = encodeModel(packed.model);
  expect(packed.card.io.scores).toBeDefined();
  return {
    name: 'scores, string classes (a packed network ending in logits)',
    kind: 'scores',
    bytes,
    rows: rows.slice(0, 3),
    reference: label.slice(0, 3),
  };
}

const iris = trainIris({ nEstimators: 10 });
const SUBJECTS: Subject[] = [
  {
    name: 'probabilities, string classes, imputer (modelgate train)',
    kind: 'probabilities',
    bytes: iris.bytes,
    rows: [
      [5.9, 3, 5.1, 1.8],
      [5.1, 3.5, 1.4, 0.2],
      [6.1, null, 4.7, 1.4],
    ],
  },
  await sklearn('reference-pipeline', 'probabilities', 'probabilities, string classes, imputer'),
  await sklearn('logreg-bool', 'probabilities', 'probabilities, boolean classes, no imputer'),
  await sklearn('tree-classifier', 'probabilities', 'probabilities, integer classes, no imputer'),
  await sklearn('linearsvc-multi', 'labels', 'labels only, integer classes'),
  await sklearn('linearsvc-bool', 'labels', 'labels only, boolean classes'),
  await sklearn('svc-linear', 'labels', 'labels only, string classes (SVC without probability)'),
  logits(),
  await sklearn('ridge', 'values', 'values, no imputer'),
  await sklearn('hgb-regressor', 'values', 'values, missing values accepted'),
];

const LIMITS = { maxBodyBytes: 65_536, maxRows: 100 };

interface Request extends Sent {
  name: string;
  /** Rows the answer is for. */
  rows: (number | null)[][];
  format: 'row' | 'input' | 'instances';
  /** The request asks for what the model has not: the 400 this message is in. */
  refused?: RegExp;
  returnProbabilities?: boolean;
  returnScores?: boolean;
}

function requests(s: Subject, features: string[], imputes: boolean): Request[] {
  const named = (r: (number | null)[]) => Object.fromEntries(features.map((f, i) => [f, r[i] ?? null]));
  const complete = s.rows.map((r) => r.map((v) => v ?? 0));
  const withMissing = complete.map((r, i) => (i === 0 ? [null, ...r.slice(1)] : r));
  const asks = (what: 'probabilities' | 'scores') =>
    s.kind === what
      ? undefined
      : s.kind === 'values'
        ? /is a regressor and has no class/
        : s.kind === 'labels'
          ? new RegExp(`answers labels only and has no class ${what}`)
          : what === 'probabilities'
            ? /scores, not known to be probabilities; ask for "return_scores": true/
            : /answers class probabilities; ask for "return_probabilities": true/;
  return [
    {
      name: 'one named row',
      format: 'row',
      rows: complete.slice(0, 1),
      body: JSON.stringify(named(complete[0] as number[])),
    },
    { name: 'input: arrays', format: 'input', rows: complete, body: JSON.stringify({ input: complete }) },
    {
      name: 'input: objects',
      format: 'input',
      rows: complete,
      body: JSON.stringify({ input: complete.map(named) }),
    },
    {
      name: 'input with return_probabilities',
      format: 'input',
      rows: complete,
      returnProbabilities: true,
      body: JSON.stringify({ input: complete, return_probabilities: true }),
      refused: asks('probabilities'),
    },
    {
      name: 'input with return_scores, no prediction',
      format: 'input',
      rows: complete,
      returnScores: true,
      body: JSON.stringify({ input: complete, return_scores: true, return_prediction: false }),
      refused: asks('scores'),
    },
    {
      name: 'instances',
      format: 'instances',
      rows: complete,
      body: JSON.stringify({ instances: complete.map(named) }),
    },
    {
      name: 'instances with a missing value',
      format: 'instances',
      rows: withMissing,
      body: JSON.stringify({ instances: withMissing.map(named) }),
      refused: imputes
        ? undefined
        : new RegExp(`feature "${features[0]}" is missing, and this model has no imputer`),
    },
  ];
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** What the answer must be, from the Predictor's own prediction of the same rows. */
function expectedBody(req: Request, p: Prediction, classes: readonly ClassLabel[]): unknown {
  const k = classes.length;
  const byClass = (m: ArrayLike<number>, r: number) =>
    Object.fromEntries(classes.map((c, j) => [String(c), m[r * k + j]]));
  const own = (m: ArrayLike<number>, r: number, label: ClassLabel) =>
    m[r * k + classes.indexOf(label)] as number;
  switch (p.kind) {
    case 'values': {
      const v = Array.from(p.values);
      return req.format === 'row'
        ? { prediction: { value: v[0] } }
        : req.format === 'input'
          ? { prediction: v }
          : { predictions: v.map((value) => ({ value })) };
    }
    case 'labels':
      return req.format === 'row'
        ? { prediction: { label: p.labels[0] } }
        : req.format === 'input'
          ? { prediction: p.labels }
          : { predictions: p.labels.map((label) => ({ label })) };
    case 'probabilities':
    case 'scores': {
      const m = p.kind === 'probabilities' ? p.probabilities : p.scores;
      const one = p.kind === 'probabilities' ? 'probability' : 'score';
      const all = p.kind === 'probabilities' ? 'probabilities' : 'scores';
      if (req.format === 'row') {
        const v = own(m, 0, p.labels[0] as ClassLabel);
        return { prediction: { label: p.labels[0], [one]: p.kind === 'probabilities' ? round4(v) : v } };
      }
      if (req.format === 'input') {
        const asked = p.kind === 'probabilities' ? req.returnProbabilities : req.returnScores;
        return {
          ...(req.returnScores && !req.returnProbabilities ? {} : { prediction: p.labels }),
          ...(asked ? { [all]: p.labels.map((_, r) => byClass(m, r)) } : {}),
        };
      }
      return {
        predictions: p.labels.map((label, r) => ({ label, [one]: own(m, r, label), [all]: byClass(m, r) })),
      };
    }
  }
}

/** Numbers as the API prints float32 (the shortest decimal that reads back): compare within float32's precision. */
function close(got: unknown, want: unknown, path = '$'): void {
  if (typeof want === 'number') {
    expect(typeof got, path).toBe('number');
    expect(Math.abs((got as number) - want), `${path}: ${got} vs ${want}`).toBeLessThanOrEqual(
      1e-6 * Math.max(1, Math.abs(want)),
    );
  } else if (Array.isArray(want)) {
    expect(Array.isArray(got), path).toBe(true);
    expect((got as unknown[]).length, path).toBe(want.length);
    for (const [i, w] of want.entries()) close((got as unknown[])[i], w, `${path}[${i}]`);
  } else if (typeof want === 'object' && want !== null) {
    expect(Object.keys(got as object), path).toEqual(Object.keys(want));
    for (const [key, w] of Object.entries(want))
      close((got as Record<string, unknown>)[key], w, `${path}.${key}`);
  } else expect(got, path).toBe(want);
}

const opened: { predictor: Predictor; transports: Transports }[] = [];
afterAll(async () => {
  for (const o of opened) {
    await o.transports.close();
    await o.predictor.release();
  }
});

describe.each(SUBJECTS)('$name', async (s) => {
  const predictor = await Predictor.load(s.bytes);
  const transports = await startTransports(predictor, LIMITS);
  opened.push({ predictor, transports });
  const { card } = predictor;
  const features = card.features.map((f) => f.name);

  it('is the kind of model it claims', () => {
    expect(predictor.kind).toBe(s.kind);
  });

  // modelgate's own trained model has no other library to answer for it (its quality against
  // scikit-learn is tested in test/parity).
  const reference = s.reference;
  if (reference)
    it('answers its rows as the source library did', async () => {
      const rows = s.rows.map((r) => Object.fromEntries(features.map((f, i) => [f, r[i] ?? null])));
      const p = await predictor.predict(rows);
      if (p.kind !== 'values') {
        expect(p.labels).toEqual(reference);
        return;
      }
      for (const [r, want] of (reference as number[]).entries())
        expect(Math.abs((p.values[r] as number) - want), `row ${r}`).toBeLessThanOrEqual(
          1e-5 * Math.max(1, Math.abs(want)),
        );
    });

  const cases = requests(s, features, card.missing === 'impute').flatMap((req) =>
    transports.list
      .filter((t) => t.supports(req))
      .map((t) => [`${req.name}, through ${t.name}`, req, t] as const),
  );
  it.each(cases)('%s', async (_, req, t) => {
    const answer = await t.send(req);
    expect(answer.contentType).toBe('application/json');
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    if (req.refused) {
      expect(answer.status, answer.body).toBe(400);
      expect((body.error as { message: string }).message).toMatch(req.refused);
      return;
    }
    expect(answer.status, answer.body).toBe(200);
    const rows = req.rows.map((r) => Object.fromEntries(features.map((f, i) => [f, r[i] ?? null])));
    close(body, expectedBody(req, await predictor.predict(rows), card.classes ?? []));
  });
});
