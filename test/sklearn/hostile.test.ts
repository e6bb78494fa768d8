// Hostile pickle and joblib files: each declares more than it holds, nests deeper than any model, or
// asks for work out of all proportion to its size. Each must be refused with the reader's own error
// (or the converter's), naming the problem and the bound, quickly and without the memory it asks
// for. The files are written here byte by byte (test/helpers/pickle-writer.ts); the few that only the
// built CLI can show safely (the old behaviour ran for minutes or aborted Node) run in a child process
// with a heap limit, a timeout and their peak memory reported.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { sklearnToOnnx } from '../../src/sklearn/convert.js';
import { ModelImportError, PickleFormatError, PickleLimitError } from '../../src/sklearn/errors.js';
import { loadModelFile, readModelFile } from '../../src/sklearn/joblib.js';
import { elementsOf } from '../../src/sklearn/numpy.js';
import { ByteReader, unpickle } from '../../src/sklearn/pickle.js';
import { NdArray, PySet, type PyValue } from '../../src/sklearn/values.js';
import { BIN } from '../helpers/cli.js';
import { cpuTimed } from '../helpers/cpu.js';
import {
  binBytes,
  bytes,
  dtype,
  f8,
  get,
  int,
  joblibWrapper,
  list,
  ndarray,
  object,
  op,
  type Part,
  pickle,
  pipeline,
  put,
  pyGlobal,
  repeat,
  str,
  tuple,
} from '../helpers/pickle-writer.js';

/** Runs `read`, expecting it to throw `type` matching `message`, and returns how long it took (ms). */
/** The refusal's type and message, and the CPU milliseconds it took (see test/helpers/cpu.ts). */
function refusedIn(read: () => unknown, type: new (...args: never[]) => Error, message: RegExp): number {
  const { ms, thrown } = cpuTimed(read);
  expect(thrown, 'it was read without an error').toBeDefined();
  expect(thrown, String(thrown)).toBeInstanceOf(type);
  expect((thrown as Error).message).toMatch(message);
  return ms;
}

const read =
  (body: Part[], limits = {}) =>
  () =>
    unpickle(new ByteReader(pickle(...body)), { limits });

const FIXTURES = fileURLToPath(new URL('../fixtures/pickle', import.meta.url));
const u0 = (shape: number[]) => ndarray(shape, 'U0', binBytes(new Uint8Array()));
const scaler = (state: Record<string, Part>) =>
  object('sklearn.preprocessing._data', 'StandardScaler', state);
const linear = (state: Record<string, Part>) =>
  object('sklearn.linear_model._base', 'LinearRegression', state);
const logistic = (state: Record<string, Part>) =>
  object('sklearn.linear_model._logistic', 'LogisticRegression', state);
const TWO = { n_features_in_: int(2), coef_: f8([1, 2]), intercept_: f8([0]) };

describe('arrays: the declared size against what the file holds and the bound', () => {
  it.each<[string, Part]>([
    ['2^32 zero-size strings (U0)', u0([2 ** 32])],
    [
      '2^32 zero-size strings through _frombuffer',
      [
        pyGlobal('numpy.core.numeric', '_frombuffer'),
        tuple(binBytes(new Uint8Array()), dtype('U0'), tuple(int(2 ** 32)), str('C')),
        op.REDUCE,
      ],
    ],
    ['2^32 objects', ndarray([2 ** 32], 'O', list())],
    ['a dimension of 2^50 beside a zero', ndarray([2 ** 50, 0], 'f8', binBytes(new Uint8Array()))],
  ])('%s: refused before anything is allocated', (_, array) => {
    const ms = refusedIn(read([array]), PickleLimitError, /more than 268435456 elements/);
    expect(ms).toBeLessThan(500);
  });

  it('refuses more dimensions than numpy allows (a million, which made the Fortran reorder hang)', () => {
    const shape = [...new Array<number>(1_000_000).fill(1), 1000];
    const array = ndarray(shape, 'u1', binBytes(new Uint8Array(1000)), { fortran: true });
    const ms = refusedIn(read([array]), PickleFormatError, /1000001 dimensions \(numpy allows at most 64\)/);
    expect(ms).toBeLessThan(2000);
  });

  it('refuses a joblib array wrapper whose shape declares 2^32 zero-size elements', () => {
    const wrapper = joblibWrapper([2 ** 32], dtype('U0'));
    refusedIn(() => readModelFile(pickle(wrapper)), PickleLimitError, /more than 268435456 elements/);
  });

  const eight = (n: number) =>
    Array.from({ length: 8 }, (_, i) => Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));
  it.each<[string, number]>([
    ['BINUNICODE8', 0x8d],
    ['BINBYTES8', 0x8e],
    ['BYTEARRAY8', 0x96],
  ])('%s declaring 2^40 bytes in a 20-byte file: refused before it is read', (_, code) => {
    const ms = refusedIn(
      read([code, eight(2 ** 40), 'abc']),
      PickleFormatError,
      /the file ends in the middle of/,
    );
    expect(ms).toBeLessThan(100);
  });

  it('reads an array as values only up to 2^24 elements (a bigger one is read as numbers only)', () => {
    const n = 2 ** 24 + 1;
    const v = readModelFile(pickle(ndarray([n], 'u1', binBytes(new Uint8Array(n))))) as NdArray;
    expect(v.size).toBe(n);
    refusedIn(() => elementsOf(v), PickleLimitError, /16777217 elements .*at most 16777216/);
  });

  it('refuses numpy records nested 1,000 deep before byte-swapping them', () => {
    // dtype('V8') whose one field is the record before it, each big-endian: toLittleEndian recursed.
    const level = (inner: Part): Part => [
      pyGlobal('numpy', 'dtype'),
      str('V8'),
      op.FALSE,
      op.TRUE,
      op.TUPLE3,
      op.REDUCE,
      tuple(
        int(3),
        str('|'),
        op.NONE,
        tuple(str('f')),
        [op.EMPTY_DICT, str('f'), tuple(inner, int(0)), op.SETITEM],
        int(8),
        int(1),
        int(0),
      ),
      op.BUILD,
    ];
    let d: Part = dtype('f8', '>');
    const levels: Part[] = [];
    for (let i = 0; i < 1000; i++) {
      levels.push([level(d), put(i), op.POP]);
      d = get(i);
    }
    const array = ndarray([1], 'f8', binBytes(new Uint8Array(8)), { dtype: d });
    refusedIn(read([levels, array]), PickleFormatError, /records nested more than 32 deep/);
  });
});

describe('the item limit counts every value the reader holds', () => {
  const limits = { maxItems: 100_000 };
  const tooMany = /more than 100000 values/;

  it.each<[string, Part[]]>([
    ['MARKs', [repeat(op.MARK, 200_000), repeat(op.POP_MARK, 200_000), op.NONE]],
    [
      'values on the stack under MARKs',
      [repeat([op.MARK, repeat(op.NONE, 60_000)], 3), repeat(op.POP_MARK, 3), op.NONE],
    ],
    ['items APPENDed to a list', [op.EMPTY_LIST, repeat([op.NONE, op.APPEND], 150_000)]],
    [
      'entries SET in a dict',
      [op.EMPTY_DICT, Array.from({ length: 60_000 }, (_, i) => [int(i), op.NONE, op.SETITEM])],
    ],
    ['memo entries', [op.NONE, Array.from({ length: 150_000 }, (_, i) => put(i)), op.POP, op.NONE]],
    [
      'one list copied into 200 sets by frozenset()',
      [
        pyGlobal('builtins', 'frozenset'),
        put(0),
        op.POP,
        list(repeat(op.NONE, 1000)),
        put(1),
        op.POP,
        op.EMPTY_LIST,
        repeat([get(0), get(1), op.TUPLE1, op.REDUCE, op.APPEND], 200),
      ],
    ],
  ])('%s', (_, body) => {
    refusedIn(read(body, limits), PickleLimitError, tooMany);
  });

  it('bounds the bytes it copies: one megabyte made into a hundred bytearrays', () => {
    const body = [
      pyGlobal('builtins', 'bytearray'),
      put(0),
      op.POP,
      binBytes(new Uint8Array(1 << 20)),
      put(1),
      op.POP,
      op.EMPTY_LIST,
      repeat([get(0), get(1), op.TUPLE1, op.REDUCE, op.APPEND], 100),
    ];
    refusedIn(read(body), PickleLimitError, /copies of more than \d+ bytes/);
  });

  it('bounds the bytes it copies: one Fortran-order megabyte reordered a hundred times', () => {
    const data = [binBytes(new Uint8Array(1 << 20)), put(0)];
    const again = get(0);
    const body = [
      op.EMPTY_LIST,
      ndarray([1024, 1024], 'u1', data, { fortran: true }),
      op.APPEND,
      repeat([ndarray([1024, 1024], 'u1', again, { fortran: true }), op.APPEND], 100),
    ];
    refusedIn(read(body, { maxCopiedBytes: 4 << 20 }), PickleLimitError, /copies of more than 4194304 bytes/);
  });

  it('shares one budget with the pickles nested in a joblib file (object arrays)', () => {
    // About 1,000 operations each side of the nesting: within 1,500 apart, not together.
    const inner = bytes(0x80, 2, ndarray([1], 'O', list(list(repeat(op.NONE, 1000)))), op.STOP);
    const outer = bytes(0x80, 2, repeat([op.NONE, op.POP], 500), joblibWrapper([1]), inner, op.STOP);
    expect(readModelFile(inner, { maxOps: 1500 })).toBeInstanceOf(NdArray);
    expect(readModelFile(outer)).toBeInstanceOf(NdArray);
    refusedIn(() => readModelFile(outer, { maxOps: 1500 }), PickleLimitError, /more than 1500 operations/);
  });

  it('refuses a joblib object array whose pickle holds another shape than its wrapper declares', () => {
    const inner = bytes(0x80, 2, ndarray([2], 'O', list(op.NONE, op.NONE)), op.STOP);
    const file = bytes(0x80, 2, joblibWrapper([5]), inner, op.STOP);
    refusedIn(() => readModelFile(file), PickleFormatError, /declares shape \(5\).* holds \(2\)/);
  });

  it('refuses joblib object arrays nested in one another 10,000 deep', () => {
    const depth = 10_000;
    const innermost = bytes(0x80, 2, ndarray([1], 'O', list(op.NONE)), op.STOP);
    const file = bytes(repeat([0x80, 2, joblibWrapper([1])], depth), innermost, repeat(op.STOP, depth));
    refusedIn(() => readModelFile(file), PickleFormatError, /object arrays nested more than 8 deep/);
  });
});

describe('wide values: no spread of a file-sized list onto the JavaScript stack', () => {
  const n = 300_000;
  it.each<[string, Part[]]>([
    [
      'frozenset(list of 300,000)',
      [pyGlobal('builtins', 'frozenset'), list(repeat(op.NONE, n)), op.TUPLE1, op.REDUCE],
    ],
    ['set(list of 300,000)', [pyGlobal('builtins', 'set'), list(repeat(op.NONE, n)), op.TUPLE1, op.REDUCE]],
    ['FROZENSET of 300,000 items', [op.MARK, repeat(op.NONE, n), op.FROZENSET]],
    ['ADDITEMS of 300,000 items', [op.EMPTY_SET, op.MARK, repeat(op.NONE, n), op.ADDITEMS]],
  ])('%s is read', (_, body) => {
    const v = read(body)() as PyValue;
    expect(v).toBeInstanceOf(PySet);
    expect((v as PySet).items.length).toBe(n);
  });
});

describe('nesting: refused at the depth limit, never a JavaScript stack overflow', () => {
  const tooDeep = /nested more than 1000 levels deep/;

  it.each<[string, Part[]]>([
    ['a million nested tuples', [op.NONE, repeat(op.TUPLE1, 1_000_000)]],
    ['a million nested lists', [repeat(op.EMPTY_LIST, 1_000_000), repeat(op.APPEND, 999_999)]],
    [
      'dicts nested 300,000 deep, top-down',
      [repeat([op.EMPTY_DICT, str('k')], 300_000), op.NONE, repeat(op.SETITEM, 300_000)],
    ],
    [
      'frozenset(...) reduced 300,000 deep',
      [
        pyGlobal('builtins', 'frozenset'),
        put(0),
        op.POP,
        repeat([get(0), op.EMPTY_LIST], 300_000),
        op.EMPTY_TUPLE,
        repeat([op.APPEND, op.TUPLE1, op.REDUCE], 300_000),
      ],
    ],
  ])('%s', (_, body) => {
    const ms = refusedIn(read(body), PickleFormatError, tooDeep);
    expect(ms).toBeLessThan(3000);
  });

  it('refuses a ColumnTransformer nested 20,000 deep in the reader, before the converter recurses', () => {
    const n = 20_000;
    const open = (first: boolean): Part => [
      pyGlobal('sklearn.compose._column_transformer', 'ColumnTransformer'),
      op.EMPTY_TUPLE,
      op.NEWOBJ,
      op.EMPTY_DICT,
      op.MARK,
      first ? [str('n_features_in_'), int(2)] : [],
      str('transformers_'),
      op.MARK,
      op.MARK,
      str('t'),
    ];
    const close = [list(int(0)), op.TUPLE, op.LIST, op.SETITEMS, op.BUILD];
    const deep = [open(true), repeat(open(false), n - 1), str('passthrough'), repeat(close, n)];
    const file = pickle(pipeline(deep, linear(TWO)));
    refusedIn(
      () => sklearnToOnnx(readModelFile(file), { name: 'm', source: 'm.pkl' }),
      PickleFormatError,
      tooDeep,
    );
  });
});

describe('sharing: values reached many times over through the memo', () => {
  const bomb = /more than 4 times its \d+ values and array elements, plus 1048576 \(a memo bomb\)/;

  it('refuses the memo bomb: (t, t) nested 200 deep, 2^200 leaves in 200 objects', () => {
    const ms = refusedIn(read([op.EMPTY_LIST, repeat([op.DUP, op.TUPLE2], 200)]), PickleLimitError, bomb);
    expect(ms).toBeLessThan(500);
  });

  it("refuses a forest's worth of references to one array (100,000 times 1,000 numbers)", () => {
    const body = [
      f8(new Array<number>(1000).fill(0)),
      put(0),
      op.POP,
      op.EMPTY_LIST,
      op.MARK,
      repeat(get(0), 100_000),
      op.APPENDS,
    ];
    refusedIn(read(body), PickleLimitError, bomb);
  });

  it('reads what models share: one array named twice, as k-nearest neighbours keep their rows', () => {
    const body = [
      op.EMPTY_LIST,
      f8(new Array<number>(100_000).fill(1)),
      put(0),
      op.APPEND,
      get(0),
      op.APPEND,
    ];
    const v = read(body)() as NdArray[];
    expect(v[0]).toBe(v[1]);
  });
});

describe('work in proportion to the file', () => {
  it("refuses a text integer of more digits than Python's own limit (4300)", () => {
    refusedIn(read([`I${'9'.repeat(10_000)}\n`]), PickleLimitError, /10000 digits .*4300/);
  });

  it('refuses a binary integer (LONG4) of 64 KB, and reads one of 2 KB in linear time', () => {
    const long4 = (n: number): Part => [
      0x8b,
      n & 0xff,
      (n >> 8) & 0xff,
      (n >> 16) & 0xff,
      0,
      repeat(0x7f, n),
    ];
    refusedIn(
      read([long4(65536)]),
      PickleLimitError,
      /an integer of 65536 bytes \(modelgate reads at most 2048\)/,
    );
    const started = performance.now();
    const v = read([op.EMPTY_LIST, repeat([long4(2048), op.APPEND], 1000)])() as bigint[];
    expect(performance.now() - started).toBeLessThan(1000);
    expect(v[0]).toBe(BigInt(`0x${'7f'.repeat(2048)}`));
  });

  it('refuses a malformed text float of 50,000 digits at once (no backtracking)', () => {
    const ms = refusedIn(read([`F${'1'.repeat(50_000)}x\n`]), PickleFormatError, /is not a float/);
    expect(ms).toBeLessThan(500);
  });

  it('refuses a global whose name is longer than any module path', () => {
    refusedIn(
      read([pyGlobal('a'.repeat(10_000), 'b')]),
      PickleFormatError,
      /a global name of 10002 characters/,
    );
  });
});

describe('compressed files: bounded by their own size', () => {
  // 80 MB of pickle that only spins (NONE, POP): within 2 GiB, but 1,000 times its compressed size.
  const spin = () => bytes(0x80, 2, repeat([op.NONE, op.POP], 40_000_000), op.NONE, op.STOP);
  const bound =
    /the file expands to more than 67108864 bytes \(a compressed file may expand to 100 times its size or 64 MiB/;

  it.each<[string, (b: Uint8Array) => Uint8Array]>([
    ['zlib', (b) => deflateSync(b)],
    ['gzip', (b) => gzipSync(b)],
  ])('a %s bomb is refused at 100 times its size (or 64 MiB)', (_, compress) => {
    const file = compress(spin());
    expect(file.length).toBeLessThan(200_000);
    refusedIn(() => readModelFile(file), PickleLimitError, bound);
  });

  it('an xz bomb is refused at 100 times its size (or 64 MiB)', async () => {
    const file = readFileSync(join(FIXTURES, 'bomb-xz.joblib'));
    await expect(loadModelFile(file)).rejects.toThrow(bound);
  });

  it('an xz stream holding another compressed stream is refused (it would expand twice)', async () => {
    await expect(loadModelFile(readFileSync(join(FIXTURES, 'xz-of-gzip.joblib')))).rejects.toThrow(
      /an xz stream holding a gzip stream, not a pickle/,
    );
  });
});

describe('the converter: every width it takes from the file, bounded and checked', () => {
  const convert =
    (...body: Part[]) =>
    () =>
      sklearnToOnnx(readModelFile(pickle(...body)), { name: 'm', source: 'm.pkl' });

  it('refuses n_features_in_ past the bound (100,000), at once', () => {
    const ms = refusedIn(
      convert(linear({ ...TWO, n_features_in_: int(200_000) })),
      ModelImportError,
      /LinearRegression takes 200000 features \(n_features_in_\); modelgate imports models of 1 to 100000/,
    );
    expect(ms).toBeLessThan(500);
  });

  it.each<[string, Part, RegExp]>([
    [
      'a scaler whose n_features_in_ is 1000 but whose mean_ has 4 entries',
      pipeline(
        scaler({ n_features_in_: int(1000), mean_: f8([0, 0, 0, 0]), scale_: f8([1, 1, 1, 1]) }),
        linear({ ...TWO, n_features_in_: int(4), coef_: f8([1, 2, 3, 4]) }),
      ),
      /the StandardScaler's mean_ holds 4 columns, but 1000 reach it/,
    ],
    [
      'a LinearRegression whose n_features_in_ is 1000 but whose coef_ has 2 entries',
      linear({ ...TWO, n_features_in_: int(1000) }),
      /the model's weights take 2 features, but 1000 reach them/,
    ],
    [
      'feature_names_in_ that name 3 features of 2',
      linear({ ...TWO, feature_names_in_: ndarray([3], 'O', list(str('a'), str('b'), str('c'))) }),
      /feature_names_in_ names 3 features; its n_features_in_ says 2/,
    ],
    [
      'a fractional n_features_in_',
      linear({ ...TWO, n_features_in_: [0x47, ...new Uint8Array(new Float64Array([2.5]).buffer).reverse()] }),
      /takes 2.5 features/,
    ],
    [
      'coefficients declaring a shape (2^20, 2, 0) they do not hold',
      logistic({
        n_features_in_: int(2),
        coef_: ndarray([2 ** 20, 2, 0], 'f8', binBytes(new Uint8Array())),
        intercept_: f8([0]),
        classes_: ndarray([2], 'i8', binBytes(new Uint8Array(16))),
      }),
      /weights of shape \(1048576, 2, 0\)/,
    ],
  ])('refuses %s, naming both', (_, model, message) => {
    refusedIn(convert(model), ModelImportError, message);
  });
});

describe('the built CLI on the files that ran for minutes or aborted Node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-hostile-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rssFile = join(dir, 'rss.mjs');
  writeFileSync(
    rssFile,
    "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.MODELGATE_TEST_RSS, String(process.resourceUsage().maxRSS)));\n",
  );

  /** `modelgate import` on the bytes in a child with a 1 GB heap: exit code, stderr, seconds and peak RSS (MB). */
  function importInChild(name: string, file: Uint8Array) {
    const path = join(dir, name);
    writeFileSync(path, file);
    const rss = join(dir, `${name}.rss`);
    const started = performance.now();
    const r = spawnSync(
      process.execPath,
      ['--max-old-space-size=1024', '--import', rssFile, BIN, 'import', path, '--out', join(dir, 'x.onnx')],
      {
        encoding: 'utf8',
        timeout: 20_000,
        killSignal: 'SIGKILL',
        env: { ...process.env, MODELGATE_TEST_RSS: rss },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    let peakMB = Number.POSITIVE_INFINITY;
    try {
      peakMB = Number(readFileSync(rss, 'utf8')) / 1024;
    } catch {
      // no exit handler ran: killed or aborted
    }
    return { code: r.status, stderr: r.stderr, seconds, peakMB };
  }

  it.each<[string, () => Uint8Array, RegExp]>([
    [
      'u0-names.pkl: 2^31 zero-size feature names (aborted Node: heap out of memory)',
      () =>
        pickle(
          pipeline(
            scaler({
              n_features_in_: int(2),
              mean_: f8([0, 0]),
              scale_: f8([1, 1]),
              feature_names_in_: u0([2 ** 31]),
            }),
            linear(TWO),
          ),
        ),
      /gave up reading .*u0-names\.pkl: a numpy array of shape \(2147483648\) has more than 268435456 elements/,
    ],
    [
      'wide.pkl: n_features_in_ = 1e8 (minutes and 7 GB)',
      () => pickle(linear({ ...TWO, n_features_in_: int(100_000_000) })),
      /cannot import .*wide\.pkl: the LinearRegression takes 100000000 features/,
    ],
    [
      'marks.pkl: 10^8 MARKs (46 s and 5 GB)',
      () => bytes(0x80, 2, repeat(op.MARK, 100_000_000), op.STOP),
      /gave up reading .*marks\.pkl: the pickle runs more than 5000000 operations/,
    ],
    [
      'frozenset.pkl: frozenset() of 300,000 items ("invalid option: Maximum call stack size exceeded")',
      () => pickle(pyGlobal('builtins', 'frozenset'), list(repeat(op.NONE, 300_000)), op.TUPLE1, op.REDUCE),
      /cannot import .*frozenset\.pkl: the file is not a scikit-learn estimator/,
    ],
    [
      'slice.pkl: a ColumnTransformer slice with a step of 0 (an endless loop)',
      () =>
        pickle(
          pipeline(
            object('sklearn.compose._column_transformer', 'ColumnTransformer', {
              n_features_in_: int(2),
              transformers_: list(
                tuple(str('t'), str('passthrough'), [
                  pyGlobal('builtins', 'slice'),
                  tuple(int(0), int(2), int(0)),
                  op.REDUCE,
                ]),
              ),
            }),
            linear(TWO),
          ),
        ),
      /cannot import .*slice\.pkl: modelgate does not convert a ColumnTransformer with a slice that does not step forwards/,
    ],
    [
      'svc.pkl: an SVC whose n_support_ counts 10^15 support vectors (an endless loop)',
      () =>
        pickle(
          object('sklearn.svm._classes', 'SVC', {
            n_features_in_: int(2),
            kernel: str('linear'),
            _gamma: int(1),
            classes_: ndarray([2], 'i8', binBytes(new Uint8Array(16))),
            support_vectors_: ndarray([1, 2], 'f8', binBytes(new Uint8Array(16))),
            _n_support: f8([1e15, 0]),
            _dual_coef_: f8([0]),
            _intercept_: f8([0]),
          }),
        ),
      /cannot import .*svc\.pkl: the SVC's intercept_, n_support_ and dual_coef_ do not fit its 2 classes and 1 support vectors/,
    ],
  ])('%s: exit 1 with the message, in seconds, within 300 MB', (name, make, message) => {
    const r = importInChild(name.split(':')[0] as string, make());
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/invalid option|RangeError|Maximum call stack/);
    expect(r.code).toBe(1);
    expect(r.seconds).toBeLessThan(8);
    expect(r.peakMB).toBeLessThan(300);
  });
});
