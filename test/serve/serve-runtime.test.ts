// `modelgate serve --runtime compiled` as a user runs it: a scikit-learn model imported with
// `modelgate import` and served on the compiled evaluator answers over HTTP what scikit-learn itself
// answered (the differential fixture's own predict and predict_proba); a graph that does not compile
// is served on onnxruntime, and the log says so and why.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';
import { logLine, serve, stopServers } from '../helpers/serve.js';

afterEach(stopServers);
const DIFFERENTIAL = fileURLToPath(new URL('../fixtures/differential/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'modelgate-runtime-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The harness's bound on probabilities against scikit-learn (test/sklearn/differential.test.ts). */
const PROBABILITY_TOLERANCE = 1e-5;

async function imported(name: string): Promise<string> {
  const out = join(tmp, `${name}.onnx`);
  const r = await runCli(['import', join(DIFFERENTIAL, `${name}.pkl`), '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

const loaded = (lines: Record<string, unknown>[]) => lines.find((l) => l.msg === 'model loaded');

describe('modelgate serve --runtime compiled', () => {
  it('answers an imported scikit-learn model as scikit-learn does, on the compiled evaluator', async () => {
    const name = 'hgb-binary';
    const expected = JSON.parse(readFileSync(join(DIFFERENTIAL, `${name}.json`), 'utf8')) as {
      rows: number[][];
      predict: number[];
      proba: number[][];
    };
    const s = await serve([await imported(name), '--runtime', 'compiled']);
    expect(loaded(s.lines)).toMatchObject({ runtime: 'compiled' });
    const res = await fetch(`${s.url}/predict`, {
      method: 'POST',
      body: JSON.stringify({ input: expected.rows, return_probabilities: true }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { prediction: number[]; probabilities: Record<string, number>[] };
    expect(body.prediction).toEqual(expected.predict);
    body.probabilities.forEach((p, r) => {
      expected.proba[r]?.forEach((want, c) => {
        expect(Math.abs((p[String(c)] as number) - want), `row ${r} class ${c}`).toBeLessThanOrEqual(
          PROBABILITY_TOLERANCE,
        );
      });
    });
  });

  it('answers the iris reference request as the default runtime does', async () => {
    const s = await serve([IRIS_MODEL, '--runtime', 'compiled']);
    expect(loaded(s.lines)).toMatchObject({ runtime: 'compiled' });
    const res = await fetch(`${s.url}/`, { method: 'POST', body: JSON.stringify(REFERENCE_ROW) });
    expect(await res.json()).toEqual({ prediction: { label: 'virginica', probability: 0.9997 } });
  });

  it('serves a graph that does not compile on onnxruntime, and logs why', async () => {
    const s = await serve([await imported('adaboost-regressor-square'), '--runtime', 'compiled']);
    const line = await logLine(s, (l) => l.msg === 'model loaded');
    expect(line).toMatchObject({ runtime: 'onnxruntime' });
    expect(String(line?.notCompiled)).toMatch(/TopK .*is not implemented/);
    const res = await fetch(`${s.url}/predict`, {
      method: 'POST',
      body: JSON.stringify({ input: [[0, 0, 0, 0, 0]] }),
    });
    expect(res.status).toBe(200);
  });

  it('refuses a runtime it does not know', async () => {
    const r = await runCli(['serve', IRIS_MODEL, '--runtime', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are onnxruntime, compiled/);
  });
});
