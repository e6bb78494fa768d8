// The files users give `serve`, `predict`, `push`, `package`, `cost` and the Lambda handler by mistake
// are named for what they are, with what to run instead: an empty file, a scikit-learn pickle or
// joblib file (import it), a CSV (train on it), anything else that is not ONNX.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelBytes } from '../../src/adapters/model.js';
import { ModelSourceError } from '../../src/adapters/model-file.js';
import { IRIS_CSV, IRIS_MODEL } from '../helpers/models.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'modelgate-model-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function refusal(uri: string): Promise<string> {
  const err = await readModelBytes({ uri }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelSourceError);
  return (err as Error).message;
}

const importFirst = (path: string) =>
  `convert it to ONNX first: modelgate import ${path} --out model.onnx, then use model.onnx`;

describe('a model file that is not a model modelgate serves', () => {
  it('an empty file says it is empty', async () => {
    const path = file('empty.onnx', '');
    expect(await refusal(path)).toBe(`cannot load the model from ${path}: the file is empty (0 bytes)`);
  });

  it.each([
    ['a pickle', 'sklearn/ridge.pkl', 'a Python pickle (a scikit-learn model saved with pickle or joblib?)'],
    [
      'an uncompressed joblib file',
      'sklearn/ridge.raw.joblib',
      'a Python pickle (a scikit-learn model saved with pickle or joblib?)',
    ],
    ['a zlib joblib file', 'sklearn/ridge.joblib', 'a zlib-compressed file (a joblib file?)'],
    ['an xz joblib file', 'sklearn/ridge.xz.joblib', 'an xz-compressed file (a joblib file?)'],
    [
      'a scikit-learn 1.2 pickle',
      'sklearn-1.2/elasticnet.pkl',
      'a Python pickle (a scikit-learn model saved with pickle or joblib?)',
    ],
  ])('%s says to run modelgate import first', async (_, name, what) => {
    const path = join(FIXTURES, name);
    expect(await refusal(path)).toBe(
      `cannot load the model from ${path}: it is ${what}, not an ONNX model; ${importFirst(path)}`,
    );
  });

  it('a gzip-compressed pickle too', async () => {
    const path = file('model.pkl.gz', gzipSync(readFileSync(join(FIXTURES, 'sklearn/ridge.pkl'))));
    expect(await refusal(path)).toBe(
      `cannot load the model from ${path}: it is a gzip-compressed file (a joblib file?), not an ONNX model; ${importFirst(path)}`,
    );
  });

  it.each([
    ['the iris CSV', IRIS_CSV],
    [
      'a CSV with quoted fields',
      'name,"city, country",n\n"Smith, J","Paris, France",3\n"Li","Oslo, Norway",4\n',
    ],
    ['semicolons', 'a;b;c\n1;2;3\n'],
    ['tabs', 'a\tb\n1\t2\n3\t4\n'],
  ])('%s says to train a model on it', async (name, source) => {
    const path = source === IRIS_CSV ? IRIS_CSV : file(`${name}.csv`, source);
    expect(await refusal(path)).toBe(
      `cannot load the model from ${path}: it looks like CSV data, not an ONNX model; train a model on it first: modelgate train ${path} --target <column>`,
    );
  });

  it.each([
    ['source code', fileURLToPath(import.meta.url), '// The files us'],
    ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff), '\r'],
    ['one line of text', 'hello, world', 'hello, world'],
    ['JSON', '{"learner": {"gradient_booster": {}}}', '{"learner": {"g'],
  ])('%s says it is not an ONNX model', async (name, source, starts) => {
    const path = typeof source === 'string' && source.startsWith('/') ? source : file(name, source);
    const message = await refusal(path);
    expect(message).toMatch(
      new RegExp(
        `^cannot load the model from ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it is not an ONNX model \\(it starts with `,
      ),
    );
    expect(message).toContain(JSON.stringify(starts).slice(0, -1));
  });
});

describe('ONNX models pass, whoever wrote them', () => {
  const onnx = readdirSync(join(FIXTURES, 'onnx')).filter((f) => f.endsWith('.onnx'));
  it.each([IRIS_MODEL, ...onnx.map((f) => join(FIXTURES, 'onnx', f))])('%s', async (path) => {
    const { bytes } = await readModelBytes({ uri: path });
    expect(Buffer.from(bytes).equals(readFileSync(path))).toBe(true);
  });
});
