// modelgate.json, the file `modelgate package` writes beside the handler: written by the package, read
// back by the handler and `serve`, and refused with a message naming the file when it is damaged.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelSourceError, packagedModel } from '../../src/adapters/model-file.js';
import { modelToServe } from '../../src/cli/serve.js';
import type { PackageFile } from '../../src/deploy/contents.js';
import { modelFiles } from '../../src/deploy/package.js';
import { fileBytes } from '../../src/deploy/zip.js';

const root = mkdtempSync(join(tmpdir(), 'modelgate-packaged-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh folder holding `files`, as a file: URL ending in a slash. */
function folder(files: PackageFile[]): URL {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  for (const f of files) writeFileSync(join(dir, f.name), fileBytes(f));
  return pathToFileURL(`${dir}/`);
}

const SHA = 'ab'.repeat(32);

describe('modelgate.json', () => {
  it('records a baked-in model as model.onnx beside it, with its sha256', () => {
    const dir = folder(modelFiles({ bytes: new Uint8Array([1, 2, 3]), sha256: SHA }));
    expect(packagedModel(dir)).toEqual({ uri: 'model.onnx', sha256: SHA });
  });

  it('records a model read from a URI by its URI', () => {
    const dir = folder(modelFiles({ uri: 's3://models/iris.onnx', sha256: SHA }));
    expect(packagedModel(dir)).toEqual({ uri: 's3://models/iris.onnx', sha256: SHA });
  });

  it('is absent when the package has no model', () => {
    expect(modelFiles(undefined)).toEqual([]);
    expect(packagedModel(folder([]))).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"model": ', /modelgate\.json is not JSON/],
    ['no model', '{}', /modelgate\.json has no model\.uri string/],
    ['a uri that is not a string', '{"model": {"uri": 3}}', /has no model\.uri string/],
    [
      'a sha256 that is not a string',
      '{"model": {"uri": "m.onnx", "sha256": 1}}',
      /has no model\.uri string/,
    ],
    ['null', 'null', /has no model\.uri string/],
  ])('refuses a file with %s, naming it', (_, text, message) => {
    const bytes = new TextEncoder().encode(text);
    const dir = folder([{ name: 'modelgate.json', bytes, size: bytes.length }]);
    expect(() => packagedModel(dir)).toThrow(ModelSourceError);
    expect(() => packagedModel(dir)).toThrow(message);
  });
});

describe('the model serve runs', () => {
  const packaged = folder(modelFiles({ bytes: new Uint8Array([1]), sha256: SHA }));

  it('is the one named on the command line first', () => {
    expect(modelToServe('m.onnx', undefined, { MODEL_URI: 'other.onnx' }, packaged)).toEqual({
      uri: 'm.onnx',
    });
  });

  it('then MODEL_URI with MODEL_SHA256 (an explicit --sha256 wins)', () => {
    const env = { MODEL_URI: 's3://b/m.onnx', MODEL_SHA256: SHA };
    expect(modelToServe(undefined, undefined, env, packaged)).toEqual({ uri: 's3://b/m.onnx', sha256: SHA });
    expect(modelToServe(undefined, 'cd'.repeat(32), env, packaged).sha256).toBe('cd'.repeat(32));
  });

  it('then the packaged model, as a path beside the program', () => {
    expect(modelToServe(undefined, undefined, {}, packaged)).toEqual({
      uri: join(packaged.pathname, 'model.onnx'),
      sha256: SHA,
    });
  });

  it('else a usage error that says what to give', () => {
    expect(() => modelToServe(undefined, undefined, {}, folder([]))).toThrow(
      /name the model to serve \(a path, s3:\/\/ or https:\/\/ URI\) or set MODEL_URI/,
    );
  });
});
