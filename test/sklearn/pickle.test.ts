// The pickle reader against files Python wrote (test/fixtures/pickle, from
// scripts/reference/make_pickle_fixtures.py): every protocol and joblib format must read back as the
// JSON Python wrote beside them. Then hostile, damaged and oversized files: refused with a clear
// error, nothing run, within bounds.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PickleFormatError, PickleLimitError, PickleRefusedError } from '../../src/sklearn/errors.js';
import { loadModelFile, pickleBytes, readModelFile, unxz } from '../../src/sklearn/joblib.js';
import { elementsOf, field } from '../../src/sklearn/numpy.js';
import { ByteReader, unpickle } from '../../src/sklearn/pickle.js';
import { NdArray, NpScalar, PyDict, PySet, PyTuple, type PyValue } from '../../src/sklearn/values.js';
import { cpuTimed } from '../helpers/cpu.js';
import { binBytes, ndarray, pickle } from '../helpers/pickle-writer.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/pickle', import.meta.url));
const PEER = fileURLToPath(new URL('../fixtures/scikit-learn-lambda', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** The same plain JSON the fixture script writes for a Python value. */
function plain(v: PyValue | unknown): unknown {
  if (v instanceof NdArray) {
    if (v.dtype.fields)
      return {
        shape: v.shape,
        fields: Object.fromEntries(
          v.dtype.fields.map((f) => [f.name, elementsOf(field(v, f.name) as NdArray).map(plain)]),
        ),
      };
    return { dtype: `${v.dtype.kind}${v.dtype.itemsize}`, shape: v.shape, values: elementsOf(v).map(plain) };
  }
  if (v instanceof NpScalar) return { scalar: `${v.dtype.kind}${v.dtype.itemsize}`, value: plain(v.value) };
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : { int: String(v) };
  if (typeof v === 'number')
    return Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v;
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (v instanceof PyTuple) return { tuple: v.items.map(plain) };
  if (v instanceof PySet)
    return { set: v.items.map(plain).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof PyDict) return Object.fromEntries([...v.map].map(([k, x]) => [String(k), plain(x)]));
  return v;
}

describe('reading what Python wrote', () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'values.json'), 'utf8')) as { value: unknown };
  it.each([
    'values-p0.pkl',
    'values-p2.pkl',
    'values-p4.pkl',
    'values-p5.pkl',
    'values.joblib',
    'values-zlib.joblib',
    'values-gzip.joblib',
    'values-lz4.joblib',
  ])('%s: every value, numpy array (C and Fortran order, both byte orders, records) and scalar', (name) => {
    expect(plain(readModelFile(fixture(name)))).toEqual(expected.value);
  });

  it('keeps shared references shared (the memo)', () => {
    const v = readModelFile(fixture('values-p4.pkl')) as PyDict;
    const shared = v.get('shared') as PyValue[][];
    expect(shared[0]).toBe(shared[1]);
  });

  it('reads xz-compressed joblib files (asynchronously)', async () => {
    expect(plain(await loadModelFile(fixture('values-xz.joblib')))).toEqual(expected.value);
    expect(() => readModelFile(fixture('values-xz.joblib'))).toThrow(/read by loadModelFile/);
  });

  it.each([
    ['values-bz2.joblib', 'bz2'],
    ['values-lzma.joblib', 'lzma'],
  ])('refuses %s, saying how to save the file instead', async (name, kind) => {
    await expect(loadModelFile(fixture(name))).rejects.toThrow(
      new RegExp(
        `compressed with ${kind}, which modelgate cannot read; save it with joblib\\.dump\\(model, path, compress=3\\)`,
      ),
    );
  });

  it('refuses an lz4 frame that promises more than the bound, and a damaged one', () => {
    const lz4 = fixture('values-lz4.joblib');
    expect(() => pickleBytes(lz4, 100)).toThrow(PickleLimitError);
    expect(() => readModelFile(lz4.subarray(0, 3))).toThrow(PickleFormatError);
    const damaged = lz4.slice();
    damaged[4] = 0x00; // the frame descriptor's version bits
    expect(() => readModelFile(damaged)).toThrow(/the lz4 stream is damaged/);
  });

  it('stops an xz stream that expands past the bound, and refuses a damaged one', async () => {
    await expect(unxz(fixture('values-xz.joblib'), 1000)).rejects.toThrow(PickleLimitError);
    const damaged = fixture('values-xz.joblib').slice();
    damaged.fill(7, 40, 80);
    await expect(loadModelFile(damaged)).rejects.toThrow(/the xz stream is damaged/);
  });

  it.each(['svm.joblib', 'mlp.joblib', 'mlp.pickle'])(
    "reads the peer's %s (scikit-learn 0.23.1, numpy 1.x module paths)",
    (name) => {
      const model = readModelFile(readFileSync(join(PEER, name))) as unknown as {
        dict: PyDict;
        cls: { name: string };
      };
      expect(['LogisticRegression', 'MLPClassifier']).toContain(model.cls.name);
      expect(elementsOf(model.dict.get('classes_') as NdArray)).toEqual([0n, 1n, 2n]);
    },
  );
});

describe('hostile files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each<[string, RegExp, string]>([
    ['os-system.pkl', /names posix\.system|names os\.system|names nt\.system/, 'pwned-os-system'],
    ['subprocess.pkl', /names subprocess\.check_call/, 'pwned-subprocess'],
    ['eval.pkl', /names builtins\.eval/, 'pwned-eval'],
    ['exec.pkl', /names builtins\.exec/, 'pwned-exec'],
    ['getattr.pkl', /names builtins\.getattr/, 'pwned-getattr'],
    ['import.pkl', /names builtins\.__import__/, ''],
    ['unknown-class.pkl', /names evil_module\.Payload/, ''],
    ['nested-in-model.pkl', /names posix\.system|names os\.system/, 'pwned-nested'],
  ])('%s is refused, naming the global, and runs nothing', (name, message, marker) => {
    const before = process.cwd();
    process.chdir(dir);
    try {
      expect(() => readModelFile(fixture(name))).toThrow(PickleRefusedError);
      expect(() => readModelFile(fixture(name))).toThrow(message);
      if (marker) expect(existsSync(join(dir, marker))).toBe(false);
    } finally {
      process.chdir(before);
    }
  });

  it('the fixtures are truly hostile: Python itself runs them (the control)', () => {
    execFileSync(
      'python3',
      ['-c', `import pickle,sys; pickle.load(open(sys.argv[1],'rb'))`, join(FIXTURES, 'os-system.pkl')],
      {
        cwd: dir,
      },
    );
    expect(existsSync(join(dir, 'pwned-os-system'))).toBe(true);
  });
});

/** A protocol 2 pickle made of `body` opcodes. */
const pickleOf = (...body: (number | string)[]) =>
  Uint8Array.from([
    0x80,
    2,
    ...body.flatMap((x) => (typeof x === 'string' ? [...Buffer.from(x, 'latin1')] : [x])),
    0x2e,
  ]);

/** Reads the bytes, or fails with one of the reader's own errors (never a TypeError, RangeError, ...). */
function readsOrRefuses(bytes: Uint8Array): void {
  try {
    readModelFile(bytes);
  } catch (err) {
    expect(
      [PickleFormatError, PickleRefusedError, PickleLimitError].some((c) => err instanceof c),
      String(err),
    ).toBe(true);
  }
}

describe('damaged and oversized files', () => {
  it('refuses truncated files at every length with a format error', () => {
    const whole = fixture('values-p4.pkl');
    for (let n = 0; n < whole.length; n += 7) {
      expect(() => readModelFile(whole.subarray(0, n)), `cut at ${n}`).toThrow(PickleFormatError);
    }
  });

  it('refuses random bytes, empty files and text', () => {
    expect(() => readModelFile(new Uint8Array())).toThrow(/the file is empty/);
    expect(() => readModelFile(Buffer.from('sepal_length,sepal_width\n1,2\n'))).toThrow(PickleFormatError);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        readsOrRefuses(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('fuzz: a valid file with bytes changed fails only with the reader’s own errors', () => {
    const whole = fixture('values-p4.pkl');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: whole.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (edits) => {
          const bytes = whole.slice();
          for (const [at, v] of edits) bytes[at] = v;
          readsOrRefuses(bytes);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses a million nested lists at the depth limit without recursion, and stops a memo bomb at its limits', () => {
    const depth = 1_000_000;
    const nested = new Uint8Array(2 + depth + (depth - 1) + 1);
    nested.set([0x80, 2]);
    nested.fill(0x5d, 2, 2 + depth);
    nested.fill(0x61, 2 + depth, 2 + depth + depth - 1);
    nested[nested.length - 1] = 0x2e;
    const { ms, thrown } = cpuTimed(() => readModelFile(nested));
    expect(String(thrown)).toMatch(/nested more than 1000 levels deep/);
    expect(ms).toBeLessThan(5_000);
    // The same nesting within the limit is read.
    expect(Array.isArray(unpickle(new ByteReader(nested), { limits: { maxDepth: depth } }))).toBe(true);
    // (t, t) repeated: 2^200 leaves in 200 objects, refused before anything walks it.
    const bomb = pickleOf(0x5d, ...Array.from({ length: 200 }, () => [0x32, 0x86]).flat());
    expect(() => readModelFile(bomb)).toThrow(/a memo bomb/);
    // DUP without end: the stack limit stops it.
    const dups = new Uint8Array(3 + 100_000);
    dups.set([0x80, 2, 0x5d]);
    dups.fill(0x32, 3);
    expect(() => unpickle(new ByteReader(dups), { limits: { maxItems: 50_000 } })).toThrow(PickleLimitError);
  });

  it('refuses a huge declared array without allocating it', () => {
    // _reconstruct(ndarray, (0,), b'b') then BUILD (1, (2**40,), dtype('f8') with state, False, b'')
    const dtype = ['cnumpy\ndtype\n', 'X', 2, 0, 0, 0, 'f8', 0x89, 0x88, 0x87, 0x52];
    const dtypeState = [
      0x28,
      0x4b,
      3,
      'X',
      1,
      0,
      0,
      0,
      '<',
      0x4e,
      0x4e,
      0x4e,
      0x4a,
      255,
      255,
      255,
      255,
      0x4a,
      255,
      255,
      255,
      255,
      0x4b,
      0,
      0x74,
      0x62,
    ];
    const huge = pickleOf(
      'cnumpy.core.multiarray\n_reconstruct\n',
      'cnumpy\nndarray\n',
      0x4b,
      0,
      0x85,
      0x43,
      1,
      'b',
      0x87,
      0x52,
      0x28,
      0x4b,
      1,
      0x8a,
      6,
      0,
      0,
      0,
      0,
      0,
      1,
      0x85,
      ...dtype,
      ...dtypeState,
      0x89,
      0x43,
      0,
      0x74,
      0x62,
    );
    const started = process.memoryUsage().rss;
    expect(() => readModelFile(huge)).toThrow(
      /a numpy array of shape \(1099511627776\) has more than 268435456 elements/,
    );
    // Within the bound on elements, the bytes it declares must be there.
    expect(() => readModelFile(pickle(ndarray([2 ** 20], 'f8', binBytes(new Uint8Array()))))).toThrow(
      /a numpy <f8 array of shape \(1048576\) needs 8388608 bytes, has 0/,
    );
    expect(process.memoryUsage().rss - started).toBeLessThan(100 * 1024 * 1024);
  });

  it('bounds the number of operations and the time', () => {
    const whole = fixture('values-p4.pkl');
    expect(() => unpickle(new ByteReader(whole), { limits: { maxOps: 50 } })).toThrow(
      /the pickle runs more than 50 operations/,
    );
  });

  it('refuses persistent ids, the extension registry and out-of-band buffers', () => {
    expect(() => readModelFile(pickleOf('Pfoo\n'))).toThrow(/persistent ids/);
    expect(() => readModelFile(pickleOf(0x82, 1))).toThrow(/extension registry/);
    expect(() => readModelFile(Uint8Array.from([0x80, 5, 0x97, 0x2e]))).toThrow(/out-of-band buffers/);
  });

  it('lists every fixture it tests', () => {
    const tested = new Set([
      'values.json',
      'values-p0.pkl',
      'values-p2.pkl',
      'values-p4.pkl',
      'values-p5.pkl',
      'values.joblib',
      'values-zlib.joblib',
      'values-gzip.joblib',
      'values-xz.joblib',
      'values-lz4.joblib',
      'values-bz2.joblib',
      'values-lzma.joblib',
      'os-system.pkl',
      'subprocess.pkl',
      'eval.pkl',
      'exec.pkl',
      'getattr.pkl',
      'import.pkl',
      'unknown-class.pkl',
      'nested-in-model.pkl',
      // test/sklearn/hostile.test.ts
      'bomb-xz.joblib',
      'xz-of-gzip.joblib',
    ]);
    expect(readdirSync(FIXTURES).filter((f) => !tested.has(f))).toEqual([]);
  });
});
