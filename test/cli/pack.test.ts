// `modelgate pack` through the built CLI over ONNX models shaped as other tools write them
// (test/fixtures/onnx, from scripts/reference/make_onnx_fixtures.py): the packed model must serve what
// Python's onnxruntime answers for the original graph (ZipMap outputs read back as the tensor behind
// them), as probabilities only where the graph makes a distribution and as scores otherwise. Float
// tolerance 1e-6 (the same runtime, float32 graphs); 1e-5 against scikit-learn's predict_proba.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCard, type ModelCard } from '../../src/onnx/card.js';
import { decodeMetadataProps } from '../../src/onnx/proto.js';
import type { Prediction } from '../../src/runtime/prediction.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { runCli } from '../helpers/cli.js';
import { IRIS_CSV, REFERENCE_ROW } from '../helpers/models.js';
import { nestedIfModel, wideInputModel } from '../onnx/hostile.js';

const DIR = fileURLToPath(new URL('../fixtures/onnx', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'modelgate-pack-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort;

interface Expected {
  features: string[];
  pack: {
    features: boolean;
    classes?: string[];
    softmax?: boolean;
    /** What pack serves the per-class output as (probabilities when not said). */
    expect?: 'probabilities' | 'scores';
  };
  rows: number[][];
  label?: (string | number)[];
  classes?: (string | number)[];
  proba?: number[][];
  scores?: number[][];
  /** boosting-margins: scikit-learn's predict_proba, what a softmax over the margins must give. */
  softmaxProba?: number[][];
  value?: number[];
}

// What the predictions hold, read in one place (the prediction type is becoming a union by output).
const labelsOf = (p: Prediction) => p.labels;
const probabilitiesOf = (p: Prediction) => p.probabilities;
const valuesOf = (p: Prediction) => p.values;

const cardOf = (file: string): ModelCard => findCard(decodeMetadataProps(readFileSync(file)));

/** The packed graph's own answer for one of its outputs, straight from onnxruntime. */
async function graphOutput(
  file: string,
  card: ModelCard,
  output: string,
  rows: number[][],
): Promise<number[][]> {
  const session = await ort.InferenceSession.create(readFileSync(file));
  const type = card.io.inputType ?? 'float32';
  const flat = rows.flat();
  const data = type === 'float64' ? Float64Array.from(flat) : Float32Array.from(flat);
  const result = await session.run(
    { [card.io.input as string]: new ort.Tensor(type, data, [rows.length, card.features.length]) },
    [output],
  );
  const t = result[output] as Ort.Tensor;
  const k = t.dims[1] as number;
  const values = Array.from(t.data as Float32Array);
  await session.release();
  return rows.map((_, r) => values.slice(r * k, (r + 1) * k));
}

function packArgs(name: string, expected: Expected, target: string): string[] {
  const args = ['pack', join(DIR, `${name}.onnx`), '--out', target];
  if (expected.pack.features) args.push('--features', expected.features.join(','));
  if (expected.pack.classes) args.push('--classes', expected.pack.classes.join(','));
  if (expected.pack.softmax) args.push('--softmax');
  return args;
}

function rowsByName(names: string[], rows: number[][]) {
  return rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] as number])));
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

describe.each(cases)('modelgate pack %s', (name) => {
  const expected = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Expected;

  it('serves what onnxruntime answers for the original graph', async () => {
    const target = join(out, `${name}.onnx`);
    const r = await runCli(packArgs(name, expected, target));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    if (name.startsWith('zipmap')) expect(r.stdout).toMatch(/note: the ZipMap .* is replaced by the tensor/);
    const predictor = await Predictor.load(readFileSync(target));
    const { card } = predictor;
    const names = card.features.map((f) => f.name);
    expect(names).toEqual(
      expected.pack.features ? expected.features : expected.features.map((_, i) => `x${i}`),
    );
    const got = await predictor.predict(rowsByName(names, expected.rows));
    if (expected.value) {
      expected.value.forEach((v, i) => {
        expect(Math.abs((valuesOf(got)?.[i] as number) - v)).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(v)),
        );
      });
    } else if ((expected.pack.expect ?? 'probabilities') === 'scores') {
      expect(card.classes).toEqual(expected.classes);
      expect(card.io.probabilities).toBeUndefined();
      expect(card.io.scores).toBeDefined();
      expect(r.stdout).toMatch(/is not known to be probabilities .*: served as scores, never as probability/);
      const scores = await graphOutput(target, card, card.io.scores as string, expected.rows);
      expected.scores?.forEach((row, i) => {
        row.forEach((v, c) => {
          expect(Math.abs((scores[i]?.[c] as number) - v)).toBeLessThanOrEqual(
            1e-6 * Math.max(1, Math.abs(v)),
          );
        });
      });
      expect(labelsOf(got)).toEqual(expected.label);
    } else {
      expect(card.classes).toEqual(expected.classes);
      expect(card.io.probabilities).toBeDefined();
      expect(card.io.scores).toBeUndefined();
      const k = expected.classes?.length ?? 0;
      expected.proba?.forEach((p, row) => {
        p.forEach((v, c) => {
          expect(Math.abs((probabilitiesOf(got)?.[row * k + c] as number) - v)).toBeLessThanOrEqual(1e-6);
        });
      });
      expect(labelsOf(got)).toEqual(expected.label);
    }
    await predictor.release();
  });
});

describe('modelgate pack: probabilities only where the graph makes them', () => {
  it('serves logits as scores without --softmax, and says how to make them probabilities', async () => {
    const expected = JSON.parse(readFileSync(join(DIR, 'logits.json'), 'utf8')) as Expected;
    const target = join(out, 'logits-scores.onnx');
    const args = packArgs('logits', { ...expected, pack: { ...expected.pack, softmax: false } }, target);
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'note: logits is not known to be probabilities (it is computed by Gemm, which does not make probabilities): served as scores, never as probability; give --softmax if they are logits',
    );
    expect(r.stdout).toMatch(
      /outputs +label: the class of highest score, scores logits \(not probabilities\)/,
    );
    const card = cardOf(target);
    expect(card.io).toEqual({
      input: 'input.1',
      inputType: 'float32',
      scores: 'logits',
      labelIsArgmax: true,
    });
  });

  it("gives scikit-learn's predict_proba for boosting margins with --softmax", async () => {
    const expected = JSON.parse(readFileSync(join(DIR, 'boosting-margins.json'), 'utf8')) as Expected;
    const target = join(out, 'boosting-softmax.onnx');
    const r = await runCli([...packArgs('boosting-margins', expected, target), '--softmax']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('note: a Softmax over margins gives the probabilities (probabilities)');
    const predictor = await Predictor.load(readFileSync(target));
    const got = await predictor.predict(rowsByName(expected.features, expected.rows));
    const p = probabilitiesOf(got) as Float32Array;
    expected.softmaxProba?.forEach((row, i) => {
      row.forEach((v, c) => {
        expect(Math.abs((p[i * 3 + c] as number) - v)).toBeLessThanOrEqual(1e-5);
      });
    });
    // The graph's label is still the label: the class of the highest margin.
    expect(labelsOf(got)).toEqual(expected.label);
    await predictor.release();
  });
});

describe('modelgate pack on a model modelgate wrote', () => {
  const dir = join(out, 'readme');
  let trained: ModelCard;
  beforeAll(async () => {
    mkdirSync(dir);
    const r = await runCli(['train', IRIS_CSV, '--target', 'species', '--out', 'model.onnx', '--quiet'], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    trained = cardOf(join(dir, 'model.onnx'));
  });

  it("runs the README's example as written and keeps the model's card", async () => {
    const r = await runCli(['pack', 'model.onnx', '--out', 'packed.onnx'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'note: the model already has a modelgate model card (modelgate-train); pack keeps it',
    );
    expect(cardOf(join(dir, 'packed.onnx'))).toEqual(trained);
    const predicted = await runCli(['predict', 'packed.onnx', JSON.stringify(REFERENCE_ROW)], { cwd: dir });
    expect(predicted.stdout).toBe('{"prediction":{"label":"virginica","probability":0.9997}}\n');
  });

  it('renames it with --name, and takes options that agree with its card', async () => {
    const r = await runCli(
      [
        'pack',
        'model.onnx',
        '--out',
        'renamed.onnx',
        '--name',
        'flowers',
        '--classes',
        'setosa,versicolor,virginica',
        '--task',
        'classification',
        '--features',
        'sepal_length,sepal_width,petal_length,petal_width',
      ],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(cardOf(join(dir, 'renamed.onnx'))).toEqual({ ...trained, name: 'flowers' });
  });

  it.each<[string, string[], RegExp]>([
    [
      '--classes',
      ['--classes', 'a,b,c'],
      /--classes a, b, c contradicts the model's card, which names the classes setosa, versicolor, virginica/,
    ],
    [
      '--features',
      ['--features', 'a,b,c,d'],
      /--features a, b, c, d contradicts the model's card, which names its features sepal_length/,
    ],
    [
      '--task',
      ['--task', 'regression'],
      /--task regression contradicts the model's card, which says classification/,
    ],
    [
      '--softmax',
      ['--softmax'],
      /--softmax: the output probabilities already is probabilities; a second softmax would change them/,
    ],
  ])('refuses %s that contradicts its card', async (_, extra, message) => {
    const r = await runCli(['pack', 'model.onnx', '--out', 'refused.onnx', ...extra], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(dir)).not.toContain('refused.onnx');
  });
});

describe('modelgate pack refuses', () => {
  const hostile = (name: string, bytes: Uint8Array) => {
    const path = join(out, name);
    writeFileSync(path, bytes);
    return path;
  };

  it.each<[string, () => string[], number, RegExp]>([
    [
      'a file that is not ONNX',
      () => [fileURLToPath(new URL('../../examples/iris/iris.csv', import.meta.url))],
      1,
      /is not an ONNX model/,
    ],
    [
      'an empty file',
      () => [hostile('empty.onnx', new Uint8Array(0))],
      1,
      /empty\.onnx is not an ONNX model: the file is empty \(0 bytes\)/,
    ],
    [
      'logits without classes',
      () => [join(DIR, 'logits.onnx')],
      1,
      /cannot pack .*logits\.onnx: the model does not name its classes: give --classes/,
    ],
    [
      '--classes whose count is not the output width',
      () => [join(DIR, 'logits.onnx'), '--classes', 'cat,dog'],
      1,
      /--classes names 2 classes; the output logits has 3 columns/,
    ],
    [
      '--classes that contradict the classes the graph declares',
      () => [join(DIR, 'zipmap-ints.onnx'), '--classes', 'setosa,versicolor,virginica'],
      1,
      /--classes setosa, versicolor, virginica contradicts the classes the graph declares \(0, 1, 2\)/,
    ],
    [
      '--softmax over a Softmax',
      () => [join(DIR, 'softmax-network.onnx'), '--classes', 'a,b,c', '--softmax'],
      1,
      /--softmax: the output probs already is a probability distribution \(it is a Softmax over the classes\); a second softmax would change its numbers/,
    ],
    [
      '--softmax over a classifier that has one',
      () => [join(DIR, 'zipmap-ints.onnx'), '--softmax'],
      1,
      /--softmax: the output scores already is a probability distribution \(it is a LinearClassifier with post_transform SOFTMAX over 3 classes\)/,
    ],
    [
      'too few --features',
      () => [join(DIR, 'regressor.onnx'), '--features', 'a,b'],
      1,
      /--features names 2 features; the input x takes 10/,
    ],
    [
      'an unknown --task',
      () => [join(DIR, 'regressor.onnx'), '--task', 'ranking'],
      2,
      /'--task <task>' argument 'ranking' is invalid\. Allowed choices are classification, regression/,
    ],
    ['a missing file', () => [join(out, 'nope.onnx')], 1, /no such file/],
    [
      'an input declared 10^8 wide (a 76-byte file)',
      () => [hostile('wide.onnx', wideInputModel(1e8))],
      1,
      /cannot pack .*wide\.onnx: the input x declares 100000000 features; modelgate serves 1 to 100000/,
    ],
    [
      '20,000 nested If graphs',
      () => [hostile('nested.onnx', nestedIfModel(20_000))],
      1,
      /nested\.onnx is not an ONNX model: messages are nested more than 100 deep \(subgraphs within subgraphs\)$/m,
    ],
  ])('%s', async (what, args, code, message) => {
    const target = `refused-${what.replace(/\W+/g, '-')}.onnx`;
    const started = performance.now();
    const r = await runCli(['pack', ...args(), '--out', join(out, target)], { timeoutMs: 20_000 });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(out)).not.toContain(target);
    // Refusals come before any work sized by the file (the 10^8-wide input took 85 s and 5.6 GB).
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
