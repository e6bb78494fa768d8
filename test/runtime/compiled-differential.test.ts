// The compiled evaluator against onnxruntime, model by model: every graph the suite's scikit-learn
// differential harness converts (test/fixtures/differential), the bundled iris model and the foreign
// ONNX fixtures. Each graph either does not compile (Unsupported, and it runs on onnxruntime as
// before) or answers what onnxruntime answers on the same feeds: the held-out rows, each with a
// missing value in every column in turn, rows of random values, and rows whose values are the tree
// ensembles' own split thresholds (where <= and < part). Labels, integers, strings and bools equal;
// floats within 1e-6, |a - b| <= 1e-6 * max(1, |b|) (float32's last bits: onnxruntime's float exp and
// sums are vectorized, so the last bit or two of a float32 result may differ).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { lightgbmToOnnx } from '../../src/lightgbm/convert.js';
import { parseModelText } from '../../src/lightgbm/text.js';
import { findCard, type ModelCard } from '../../src/onnx/card.js';
import { AttributeType, decodeModel, encodeModel, type ModelProto } from '../../src/onnx/proto.js';
import { CompiledSession, type RunOutput } from '../../src/runtime/compiled/compile.js';
import { fromProto } from '../../src/runtime/compiled/tensor.js';
import { CompiledRunError, Unsupported } from '../../src/runtime/compiled/unsupported.js';
import { type InputBuffer, RowEncoder } from '../../src/runtime/rows.js';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { loadModelFile } from '../../src/sklearn/joblib.js';
import { seeded } from '../helpers/synthetic.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIFFERENTIAL = join(ROOT, 'test/fixtures/differential');
const TOLERANCE = 1e-6;

interface Case {
  name: string;
  model: ModelProto;
  card: ModelCard;
  rows: unknown[][];
}

async function differentialCases(): Promise<Case[]> {
  const out: Case[] = [];
  for (const file of readdirSync(DIFFERENTIAL)
    .filter((f) => f.endsWith('.pkl'))
    .sort()) {
    const expected = JSON.parse(readFileSync(join(DIFFERENTIAL, file.replace(/\.pkl$/, '.json')), 'utf8'));
    let converted: ReturnType<typeof sklearnToOnnx>;
    try {
      const value = await loadModelFile(readFileSync(join(DIFFERENTIAL, file)));
      converted = sklearnToOnnx(value, {
        name: expected.name,
        source: file,
        layers: expected.family === 'MLP' ? 'float64' : undefined,
      });
    } catch {
      continue; // refused by the importer: nothing to run
    }
    out.push({ name: file, model: converted.model, card: converted.card, rows: expected.rows });
  }
  return out;
}

/** Every LightGBM text model of the LightGBM fixtures, with its held-out rows. */
function lightgbmCases(): Case[] {
  const dir = join(ROOT, 'test/fixtures/lightgbm');
  const out: Case[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    const expected = JSON.parse(readFileSync(join(dir, file.replace(/\.txt$/, '.expected.json')), 'utf8'));
    try {
      const converted = lightgbmToOnnx(parseModelText(readFileSync(join(dir, file), 'utf8')), {
        name: expected.name,
        source: file,
      });
      out.push({ name: file, model: converted.model, card: converted.card, rows: expected.rows });
    } catch {
      // refused by the importer
    }
  }
  return out;
}

function fileCase(name: string, path: string): Case | undefined {
  const model = decodeModel(readFileSync(path));
  const card = findCard(model.metadataProps);
  const rows = Array.from({ length: 8 }, (_, i) => card.features.map((_, j) => (i * 7 + j * 3) % 11));
  return { name, model, card, rows };
}

/** The split values of the graph's tree ensembles, to put on thresholds. */
function thresholds(model: ModelProto): number[] {
  const out: number[] = [];
  for (const node of model.graph.node)
    for (const a of node.attribute) {
      if (a.name === 'nodes_values' && a.type === AttributeType.FLOATS) out.push(...(a.floats ?? []));
      if ((a.name === 'nodes_values_as_tensor' || a.name === 'nodes_splits') && a.t)
        out.push(...(fromProto(a.t, a.name).data as Float64Array));
    }
  return out.filter(Number.isFinite);
}

/** Held-out rows, each with a missing value in each column, random rows, rows on split thresholds. */
function candidateRows(c: Case): unknown[][] {
  const rand = seeded(c.name.length * 7919 + c.rows.length);
  const base = c.rows.slice(0, 24);
  const numeric = (v: unknown) => typeof v === 'number';
  const out: unknown[][] = [...base];
  for (const row of base.slice(0, 6))
    row.forEach((_, j) => {
      const copy = row.slice();
      copy[j] = null;
      out.push(copy);
    });
  const splits = thresholds(c.model);
  for (let i = 0; i < 40; i++) {
    const row = (base[i % base.length] ?? []).slice();
    row.forEach((v, j) => {
      if (!numeric(v)) return;
      const r = rand();
      if (splits.length > 0 && r < 0.5) row[j] = splits[Math.floor(rand() * splits.length)];
      else if (r < 0.8) row[j] = (v as number) * (0.5 + rand()) + (rand() - 0.5);
    });
    out.push(row);
  }
  return out;
}

/** The rows the card's encoder accepts, encoded into the graph's feeds. */
function feedsOf(c: Case): { feeds: Record<string, Tensor>; rows: number } | undefined {
  const encoder = new RowEncoder(c.card);
  const kept = candidateRows(c).filter((row) => {
    try {
      encoder.plain ? encoder.encode([row]) : encoder.encodeInputs([row]);
      return true;
    } catch {
      return false;
    }
  });
  if (kept.length === 0) return undefined;
  const buffers: InputBuffer[] = encoder.plain
    ? [
        encoder.encode(
          kept,
          encoder.inputs[0]?.type === 'float64' ? new Float64Array(kept.length * encoder.width) : undefined,
        ),
      ]
    : encoder.encodeInputs(kept);
  const feeds: Record<string, Tensor> = {};
  encoder.inputs.forEach((input, j) => {
    const b = buffers[j] as InputBuffer;
    const data =
      input.type === 'string'
        ? (b as string[])
        : input.type === 'float64'
          ? Float64Array.from(b as Float64Array)
          : Float32Array.from(b as Float32Array);
    feeds[input.name] = new Tensor(input.type, data as Float32Array, [kept.length, input.width]);
  });
  return { feeds, rows: kept.length };
}

function tensorOutputs(model: ModelProto): string[] {
  return model.graph.output.filter((o) => o.type?.tensorType !== undefined).map((o) => o.name);
}

/** The first element where the two outputs differ beyond the tolerance, described; undefined when none. */
function difference(name: string, want: Tensor, got: RunOutput): string | undefined {
  if (want.type !== got.type) return `${name}: type ${got.type}, onnxruntime ${want.type}`;
  if (want.dims.join() !== got.dims.join()) return `${name}: dims [${got.dims}], onnxruntime [${want.dims}]`;
  const a = want.data as ArrayLike<unknown>;
  const b = got.data as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'number' && (want.type === 'float32' || want.type === 'float64')) {
      const ok =
        (Number.isNaN(x) && Number.isNaN(y as number)) ||
        x === y ||
        Math.abs(x - (y as number)) <= TOLERANCE * Math.max(1, Math.abs(x));
      if (!ok) return `${name}[${i}]: ${y}, onnxruntime ${x}`;
    } else if (x !== y) return `${name}[${i}]: ${String(y)}, onnxruntime ${String(x)}`;
  }
  return undefined;
}

interface Outcome {
  compiled: string[];
  unsupported: Map<string, string[]>;
  failures: string[];
  refusedRuns: string[];
}

async function check(cases: Case[]): Promise<Outcome> {
  const outcome: Outcome = { compiled: [], unsupported: new Map(), failures: [], refusedRuns: [] };
  for (const c of cases) {
    const fetch = tensorOutputs(c.model);
    let compiled: CompiledSession;
    try {
      compiled = CompiledSession.compile(c.model, fetch);
    } catch (err) {
      if (!(err instanceof Unsupported)) {
        outcome.failures.push(`${c.name}: compile threw ${(err as Error).stack}`);
        continue;
      }
      const reason = err.message.replace(/ node "[^"]*"/, '').replace(/\d+/g, 'N');
      outcome.unsupported.set(reason, [...(outcome.unsupported.get(reason) ?? []), c.name]);
      continue;
    }
    const fed = feedsOf(c);
    if (!fed) {
      outcome.failures.push(`${c.name}: no row the card accepts`);
      continue;
    }
    const session = await InferenceSession.create(encodeModel(c.model), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
    });
    let want: Record<string, Tensor>;
    try {
      want = await session.run(fed.feeds, fetch);
    } catch {
      await session.release();
      continue; // onnxruntime refuses these feeds: nothing to compare
    }
    await session.release();
    let got: Record<string, RunOutput>;
    try {
      got = compiled.run(fed.feeds);
    } catch (err) {
      if (err instanceof CompiledRunError) outcome.refusedRuns.push(`${c.name}: ${err.message}`);
      else outcome.failures.push(`${c.name}: run threw ${(err as Error).stack}`);
      continue;
    }
    const diffs = fetch
      .map((name) => difference(name, want[name] as Tensor, got[name] as RunOutput))
      .filter(Boolean);
    if (diffs.length > 0) outcome.failures.push(`${c.name} (${fed.rows} rows): ${diffs.join('; ')}`);
    else outcome.compiled.push(c.name);
  }
  return outcome;
}

function report(outcome: Outcome): string {
  const lines = [`compiled and equal: ${outcome.compiled.length}`];
  for (const [reason, names] of [...outcome.unsupported].sort((a, b) => b[1].length - a[1].length))
    lines.push(`not compiled (${names.length}): ${reason}  e.g. ${names.slice(0, 2).join(', ')}`);
  for (const r of outcome.refusedRuns) lines.push(`refused a run: ${r}`);
  for (const f of outcome.failures) lines.push(`FAILED ${f}`);
  return lines.join('\n');
}

describe('the compiled evaluator answers what onnxruntime answers', () => {
  it('on every graph of the scikit-learn differential harness', async () => {
    const outcome = await check(await differentialCases());
    expect(outcome.failures, report(outcome)).toEqual([]);
    expect(outcome.refusedRuns, report(outcome)).toEqual([]);
    // 838 of the harness's graphs compile today; fewer means an operator stopped compiling.
    expect(outcome.compiled.length, report(outcome)).toBeGreaterThanOrEqual(838);
  }, 600_000);

  it('on every LightGBM fixture', async () => {
    const cases = lightgbmCases();
    const outcome = await check(cases);
    expect(outcome.failures, report(outcome)).toEqual([]);
    expect(outcome.refusedRuns, report(outcome)).toEqual([]);
    expect(outcome.compiled.length, report(outcome)).toBe(cases.length);
  }, 120_000);

  it('on the bundled iris model and the ONNX fixtures with a card', async () => {
    const cases = [fileCase('iris', join(ROOT, 'examples/iris/model.onnx'))];
    const dir = join(ROOT, 'test/fixtures/onnx');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.onnx'))) {
      try {
        cases.push(fileCase(f, join(dir, f)));
      } catch {
        // a fixture without a model card is not one modelgate serves as it is
      }
    }
    const outcome = await check(cases.filter((c): c is Case => c !== undefined));
    expect(outcome.failures, report(outcome)).toEqual([]);
    expect(outcome.compiled).toContain('iris');
  }, 120_000);
});
