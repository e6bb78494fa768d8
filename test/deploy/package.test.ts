// `modelgate package` through the built CLI: what the function and layer zips hold (checked by Python's
// zipfile, which did not write them), the binaries' architecture read from their ELF headers, the
// limits, reproducible bytes, and the refusals.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedSources } from '../../src/deploy/contents.js';
import { lambdaPackage, stagedFolder } from '../../src/deploy/package.js';
import { elfMachine } from '../../src/deploy/platform.js';
import { runCli } from '../helpers/cli.js';
import { IRIS_CSV, IRIS_MODEL } from '../helpers/models.js';
import { listZip, unzipTo, type ZipListing } from '../helpers/zip.js';

const MB = 1024 * 1024;
const ORT = 'node_modules/onnxruntime-node';
const NATIVE = ['libonnxruntime.so.1', 'onnxruntime_binding.node'];

let root: string;
const dir = (name: string) => join(root, name);

/** The ELF machine of every native binary in the unpacked tree. */
function machines(tree: string, listing: ZipListing): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const e of listing.entries)
    if (/\.(so(\.\d+)*|node)$/.test(e.name)) out[e.name] = elfMachine(readFileSync(join(tree, e.name)));
  return out;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'modelgate-package-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('modelgate package (x86_64, model baked in)', () => {
  let stdout: string;
  let fn: ZipListing;
  let layer: ZipListing;

  beforeAll(async () => {
    const r = await runCli(['package', '--model', IRIS_MODEL, '--out', dir('x86'), '--unpacked'], {
      timeoutMs: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    stdout = r.stdout;
    fn = listZip(join(dir('x86'), 'function-x86_64.zip'));
    layer = listZip(join(dir('x86'), 'layer-x86_64.zip'));
  }, 180_000);

  it('says what it wrote and how the function is set up', () => {
    expect(stdout).toMatch(
      /wrote .*function-x86_64\.zip: [\d.]+ MB zipped, [\d.]+ MB unzipped, \d+ files, sha256 [0-9a-f]{64}/,
    );
    expect(stdout).toContain(
      'handler index.handler, runtime nodejs22.x, architecture x86_64; onnxruntime-node included',
    );
    expect(stdout).toMatch(/wrote .*layer-x86_64\.zip: /);
    expect(stdout).toMatch(/model: iris, baked in as model\.onnx \(sha256 [0-9a-f]{64}\)/);
  });

  it('writes a function zip with index.mjs, the model, and onnxruntime-node for linux/x64 only', () => {
    expect(fn.badEntry).toBeNull();
    const names = fn.entries.map((e) => e.name);
    expect(names).toContain('index.mjs');
    expect(names).toContain('model.onnx');
    expect(names).toContain('modelgate.json');
    expect(names.some((n) => /^chunks\/.+\.mjs$/.test(n))).toBe(true);
    for (const f of NATIVE) expect(names).toContain(`${ORT}/bin/napi-v6/linux/x64/${f}`);
    expect(names).toContain(`${ORT}/dist/index.js`);
    expect(names).toContain('node_modules/onnxruntime-common/dist/cjs/index.js');
    // One platform: no other OS or architecture, no maps, declarations or sources.
    expect(names.filter((n) => n.includes('/bin/') && !n.includes('/bin/napi-v6/linux/x64/'))).toEqual([]);
    expect(names.filter((n) => /\.(map|d\.ts|ts)$/.test(n) || n.includes('/lib/'))).toEqual([]);
    const model = fn.entries.find((e) => e.name === 'model.onnx');
    expect(model?.size).toBe(readFileSync(IRIS_MODEL).length);
  });

  it('makes every file readable by everyone, with one fixed time', () => {
    for (const z of [fn, layer])
      for (const e of z.entries) {
        expect(e.mode, e.name).toBe(0o100644);
        expect(e.date, e.name).toEqual([1980, 1, 1, 0, 0, 0]);
      }
  });

  it("stays within Lambda's limits: 50 MB zipped, 250 MB unzipped", () => {
    const zipped = readFileSync(join(dir('x86'), 'function-x86_64.zip')).length;
    const unzipped = fn.entries.reduce((s, e) => s + e.size, 0);
    expect(zipped).toBeLessThan(50 * MB);
    expect(unzipped).toBeLessThan(250 * MB);
    expect(readFileSync(join(dir('x86'), 'layer-x86_64.zip')).length).toBeLessThan(50 * MB);
  });

  it('writes a layer zip with onnxruntime-node alone under nodejs/node_modules', () => {
    expect(layer.badEntry).toBeNull();
    const names = layer.entries.map((e) => e.name);
    expect(names.every((n) => n.startsWith('nodejs/node_modules/onnxruntime-'))).toBe(true);
    for (const f of NATIVE) expect(names).toContain(`nodejs/${ORT}/bin/napi-v6/linux/x64/${f}`);
    expect(names).toContain('nodejs/node_modules/onnxruntime-common/package.json');
  });

  it('carries x86_64 binaries, read from their ELF headers', () => {
    const tree = unzipTo(join(dir('x86'), 'function-x86_64.zip'), dir('x86-unzipped'));
    const found = machines(tree, fn);
    expect(Object.keys(found)).toHaveLength(2);
    expect(new Set(Object.values(found))).toEqual(new Set(['x86_64']));
  });

  it('writes the same files unpacked with --unpacked', () => {
    const tree = dir('x86-unzipped');
    for (const e of fn.entries)
      expect(
        readFileSync(join(dir('x86'), 'function-x86_64', e.name)).equals(readFileSync(join(tree, e.name))),
        e.name,
      ).toBe(true);
  });

  it('writes byte-identical zips for the same files (the layer of two separate runs)', async () => {
    const r = await runCli(['package', '--out', dir('again'), '--quiet'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const a = readFileSync(join(dir('x86'), 'layer-x86_64.zip'));
    const b = readFileSync(join(dir('again'), 'layer-x86_64.zip'));
    expect(a.equals(b)).toBe(true);
    // Without --model the function zip has no model and no modelgate.json.
    const names = listZip(join(dir('again'), 'function-x86_64.zip')).entries.map((e) => e.name);
    expect(names).not.toContain('model.onnx');
    expect(names).not.toContain('modelgate.json');
  }, 180_000);
});

describe('modelgate package --arch arm64', () => {
  it('carries the arm64 binaries and nothing else', async () => {
    const r = await runCli(['package', '--arch', 'arm64', '--model', IRIS_MODEL, '--out', dir('arm')], {
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('architecture arm64');
    for (const [zip, prefix] of [
      ['function-arm64.zip', ''],
      ['layer-arm64.zip', 'nodejs/'],
    ] as const) {
      const listing = listZip(join(dir('arm'), zip));
      const names = listing.entries.map((e) => e.name);
      for (const f of NATIVE) expect(names).toContain(`${prefix}${ORT}/bin/napi-v6/linux/arm64/${f}`);
      expect(names.filter((n) => n.includes('/bin/') && !n.includes('/linux/arm64/'))).toEqual([]);
      const found = machines(unzipTo(join(dir('arm'), zip), dir(`arm-${zip}`)), listing);
      expect(Object.keys(found)).toHaveLength(2);
      expect(new Set(Object.values(found))).toEqual(new Set(['arm64']));
    }
  }, 180_000);
});

describe('modelgate package --use-layer', () => {
  it('leaves onnxruntime-node out of the function zip and says to attach the layer', async () => {
    const r = await runCli(['package', '--use-layer', '--model', IRIS_MODEL, '--out', dir('slim')], {
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('onnxruntime-node NOT included: attach layer-x86_64.zip');
    const names = listZip(join(dir('slim'), 'function-x86_64.zip')).entries.map((e) => e.name);
    expect(names.filter((n) => n.startsWith('node_modules/'))).toEqual([]);
    expect(names).toContain('index.mjs');
    expect(names).toContain('model.onnx');
  }, 180_000);
});

describe('Lambda limits', () => {
  // Run from the TypeScript sources, the bundle is the built one.
  const sources = () => ({
    ...installedSources(),
    bundleDir: fileURLToPath(new URL('../../dist/bundle', import.meta.url)),
  });
  const bytes = new Uint8Array(3 * MB);

  it('refuses a function over the unzipped limit before writing anything', async () => {
    const out = dir('too-big');
    await expect(
      lambdaPackage({
        outDir: out,
        arch: 'x86_64',
        model: { bytes, sha256: '0'.repeat(64) },
        sources: sources(),
        limits: { zippedBytes: 50 * MB, unzippedBytes: 40 * MB },
      }),
    ).rejects.toThrow(
      /the function would be [\d.]+ MB unzipped, over Lambda's 40\.0 MB; keep the model in S3/,
    );
    expect(() => readFileSync(join(out, 'function-x86_64.zip'))).toThrow(/ENOENT/);
  });

  it('counts the layer with the function when the function uses it', async () => {
    await expect(
      lambdaPackage({
        outDir: dir('too-big-layer'),
        arch: 'x86_64',
        useLayer: true,
        sources: sources(),
        limits: { zippedBytes: 50 * MB, unzippedBytes: 40 * MB },
      }),
    ).rejects.toThrow(/unzipped with its layer, over Lambda's 40\.0 MB/);
  });

  it('refuses a zip over the zipped limit and leaves no zip behind', async () => {
    const out = dir('too-big-zipped');
    await expect(
      lambdaPackage({
        outDir: out,
        arch: 'x86_64',
        useLayer: true,
        // Random bytes do not compress.
        model: { bytes: randomBytes(2 * MB), sha256: '0'.repeat(64) },
        sources: sources(),
        limits: { zippedBytes: 1 * MB, unzippedBytes: 250 * MB },
      }),
    ).rejects.toThrow(
      /the function zip would be [\d.]+ MB, over Lambda's 1\.0 MB for a zip upload; keep the model in S3/,
    );
    expect(() => readFileSync(join(out, 'function-x86_64.zip'))).toThrow(/ENOENT/);
  });
});

describe('modelgate package refuses', () => {
  it.each<[string, string[], number, RegExp]>([
    ['no --out', ['package'], 2, /required option '-o, --out <dir>' not specified/],
    [
      'an unknown architecture',
      ['package', '--out', 'x', '--arch', 'amd64'],
      2,
      /--arch.*Allowed choices are x86_64, arm64/,
    ],
    [
      '--sha256 without --model',
      ['package', '--out', 'x', '--sha256', 'ab'.repeat(32)],
      2,
      /--sha256 needs --model/,
    ],
    [
      'a --sha256 that is not one',
      ['package', '--out', 'x', '--model', IRIS_MODEL, '--sha256', 'ab'],
      2,
      /option '--sha256 <hex>' argument 'ab' is invalid\. expected a sha256: 64 hex digits/,
    ],
    [
      '--server with --use-layer',
      ['package', '--out', 'x', '--server', '--use-layer'],
      2,
      /--use-layer and --unpacked are for Lambda/,
    ],
    [
      'a missing model',
      ['package', '--out', 'x', '--model', '/nonexistent.onnx'],
      1,
      /cannot load the model from \/nonexistent\.onnx: .*no such file/,
    ],
    [
      'a file that is not a model',
      ['package', '--out', 'x', '--model', IRIS_CSV],
      1,
      /iris\.csv: it looks like CSV data, not an ONNX model; train a model on it first/,
    ],
    [
      'a sha256 mismatch',
      ['package', '--out', 'x', '--model', IRIS_MODEL, '--sha256', '0'.repeat(64)],
      1,
      /has sha256 [0-9a-f]{64}, not the expected 0{64}/,
    ],
    [
      'a malformed s3:// model URI',
      ['package', '--out', 'x', '--model', 's3://'],
      1,
      /cannot load the model from s3:\/\//,
    ],
  ])('%s', async (_, args, code, message) => {
    const cwd = mkdtempSync(join(root, 'refuse-'));
    const r = await runCli(args, { cwd });
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    // Nothing written.
    expect(() => readFileSync(join(cwd, 'x', 'function-x86_64.zip'))).toThrow(/ENOENT/);
  });

  it('an --out that is a file', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const r = await runCli(['package', '--out', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--out ${file} is a file, not a folder`);
  });
});

describe('stagedFolder', () => {
  it('reuses the folder for the same files and makes a new one when they change', () => {
    const file = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      return { name: 'a/b.txt', bytes, size: bytes.length };
    };
    const first = stagedFolder('test', [file(`one ${process.pid}`)]);
    expect(readFileSync(join(first, 'a/b.txt'), 'utf8')).toBe(`one ${process.pid}`);
    expect(stagedFolder('test', [file(`one ${process.pid}`)])).toBe(first);
    const second = stagedFolder('test', [file(`two ${process.pid}`)]);
    expect(second).not.toBe(first);
    expect(readFileSync(join(second, 'a/b.txt'), 'utf8')).toBe(`two ${process.pid}`);
    for (const dir of [first, second]) rmSync(dir, { recursive: true, force: true });
  });
});
