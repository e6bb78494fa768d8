// A small pickle writer for the tests' hostile files: opcodes spelt out as bytes, so that a test can
// declare what no honest pickler writes (a shape of 2^32, a million MARKs, a slice step of 0) in a
// few hundred bytes. Numbers are single bytes, strings are latin-1 bytes.

export type Part = number | string | Uint8Array | readonly Part[];

function size(p: Part): number {
  if (typeof p === 'number') return 1;
  if (typeof p === 'string') return p.length;
  if (p instanceof Uint8Array) return p.length;
  let n = 0;
  for (const x of p) n += size(x);
  return n;
}

function write(p: Part, out: Uint8Array, at: number): number {
  if (typeof p === 'number') {
    out[at] = p;
    return at + 1;
  }
  if (typeof p === 'string') {
    for (let i = 0; i < p.length; i++) out[at + i] = p.charCodeAt(i) & 0xff;
    return at + p.length;
  }
  if (p instanceof Uint8Array) {
    out.set(p, at);
    return at + p.length;
  }
  let pos = at;
  for (const x of p) pos = write(x, out, pos);
  return pos;
}

/** The parts as one byte string. */
export function bytes(...parts: Part[]): Uint8Array {
  const out = new Uint8Array(size(parts));
  write(parts, out, 0);
  return out;
}

/** `part` n times over, without building n parts. */
export function repeat(part: Part, n: number): Uint8Array {
  const one = bytes(part);
  const out = new Uint8Array(one.length * n);
  if (out.length === 0) return out;
  out.set(one);
  for (let filled = one.length; filled < out.length; filled *= 2)
    out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  return out;
}

const le = (n: number, width: number): number[] =>
  Array.from({ length: width }, (_, i) => Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));

export const op = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  NONE: 0x4e,
  TRUE: 0x88,
  FALSE: 0x89,
  EMPTY_TUPLE: 0x29,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  TUPLE: 0x74,
  EMPTY_LIST: 0x5d,
  LIST: 0x6c,
  APPEND: 0x61,
  APPENDS: 0x65,
  EMPTY_DICT: 0x7d,
  SETITEM: 0x73,
  SETITEMS: 0x75,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  REDUCE: 0x52,
  NEWOBJ: 0x81,
  BUILD: 0x62,
  MEMOIZE: 0x94,
} as const;

export const put = (i: number): Part => [0x72, le(i, 4)];
export const get = (i: number): Part => [0x6a, le(i, 4)];
export const pyGlobal = (module: string, name: string): Part => `c${module}\n${name}\n`;

export function int(n: number | bigint): Part {
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 256) return [0x4b, n];
  if (typeof n === 'number' && Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31)
    return [0x4a, le(n >>> 0, 4)];
  let v = BigInt(n);
  const out: number[] = [];
  do {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  } while (v !== 0n && v !== -1n);
  if ((out[out.length - 1] as number) & 0x80) out.push(BigInt(n) < 0n ? 0xff : 0);
  return [0x8a, out.length, out];
}

export function str(s: string): Part {
  const b = Buffer.from(s, 'utf8');
  return b.length < 256 ? [0x8c, b.length, b] : [0x58, le(b.length, 4), b];
}

export function binBytes(b: Uint8Array): Part {
  return b.length < 256 ? [0x43, b.length, b] : [0x42, le(b.length, 4), b];
}

export const tuple = (...items: Part[]): Part => [op.MARK, ...items, op.TUPLE];
export const list = (...items: Part[]): Part => [op.MARK, ...items, op.LIST];

/** numpy.dtype(descr) with its BUILD state (version 3, byte order, no fields, elsize). */
export function dtype(descr: string, order = '|', elsize = -1): Part {
  return [
    pyGlobal('numpy', 'dtype'),
    str(descr),
    op.FALSE,
    op.TRUE,
    op.TUPLE3,
    op.REDUCE,
    tuple(int(3), str(order), op.NONE, op.NONE, op.NONE, int(elsize), int(-1), int(0)),
    op.BUILD,
  ];
}

/** An ndarray as numpy reduces it: _reconstruct(ndarray, (0,), b'b') then BUILD (1, shape, dtype, fortran, data). */
export function ndarray(
  shape: readonly number[],
  descr: string,
  data: Part,
  options: { order?: string; fortran?: boolean; dtype?: Part } = {},
): Part {
  return [
    pyGlobal('numpy.core.multiarray', '_reconstruct'),
    pyGlobal('numpy', 'ndarray'),
    int(0),
    op.TUPLE1,
    binBytes(Uint8Array.of(0x62)),
    op.TUPLE3,
    op.REDUCE,
    tuple(
      int(1),
      [op.MARK, shape.map((d) => int(d)), op.TUPLE],
      options.dtype ?? dtype(descr, options.order ?? '<'),
      options.fortran ? op.TRUE : op.FALSE,
      data,
    ),
    op.BUILD,
  ];
}

/** A float64 vector. */
export function f8(values: readonly number[]): Part {
  const data = new Uint8Array(new Float64Array(values).buffer);
  return ndarray([values.length], 'f8', binBytes(data));
}

/** An instance of `module.cls` with the given attributes, as cls.__new__ and BUILD make it. */
export function object(module: string, cls: string, state: Record<string, Part>): Part {
  return [
    pyGlobal(module, cls),
    op.EMPTY_TUPLE,
    op.NEWOBJ,
    op.EMPTY_DICT,
    op.MARK,
    Object.entries(state).map(([k, v]) => [str(k), v]),
    op.SETITEMS,
    op.BUILD,
  ];
}

export const pipeline = (...steps: Part[]): Part =>
  object('sklearn.pipeline', 'Pipeline', {
    steps: list(...steps.map((s, i) => tuple(str(`step${i}`), s))),
  });

/** A whole protocol 2 pickle of `body`. */
export const pickle = (...body: Part[]): Uint8Array => bytes(0x80, 2, body, op.STOP);

/**
 * A joblib NumpyArrayWrapper declaring an array of `shape` and `dtype` (object arrays follow it as a
 * pickle of their own; others as raw bytes).
 */
export function joblibWrapper(shape: readonly number[], descr: Part = dtype('O')): Part {
  return [
    pyGlobal('joblib.numpy_pickle', 'NumpyArrayWrapper'),
    op.EMPTY_TUPLE,
    op.NEWOBJ,
    op.EMPTY_DICT,
    op.MARK,
    str('subclass'),
    pyGlobal('numpy', 'ndarray'),
    str('shape'),
    tuple(...shape.map((d) => int(d))),
    str('order'),
    str('C'),
    str('dtype'),
    descr,
    str('allow_mmap'),
    op.FALSE,
    op.SETITEMS,
    op.BUILD,
  ];
}
