// numpy's pickled forms, rebuilt as data: dtypes (scalar and structured, either byte order), arrays
// (ndarray's own reduce, protocol 5's _frombuffer, joblib's inline wrapper) and scalars. Arrays are
// kept as little-endian bytes in C order; readers below turn them into JavaScript numbers.
import { PickleFormatError, PickleLimitError } from './errors.js';
import { type DType, DTypeValue, NdArray, NpScalar, PyDict, PyTuple, type PyValue } from './values.js';

/**
 * The most elements one array may declare (object arrays too, and arrays of zero-size elements, which
 * hold no bytes to check the count against): 2^28, 2 GiB as float64, the most a file may expand to.
 */
export const MAX_ARRAY_ELEMENTS = 2 ** 28;
/** numpy's own limit on dimensions (NPY_MAXDIMS in numpy 2). */
export const MAX_ARRAY_DIMS = 64;
/** The most elements an array may give as JavaScript values (elementsOf); larger ones are read as numbers only. */
export const MAX_VALUE_ELEMENTS = 2 ** 24;
/** How deep structured records may nest in one another (scikit-learn's are one level). */
export const MAX_RECORD_NESTING = 32;

const SIZES: Record<string, number> = { b: 1, i: 0, u: 0, f: 0, c: 0, O: 8, U: 0, S: 0, V: 0, M: 8, m: 8 };

/** A dtype from numpy's descr string: `<f8`, `|u1`, `i8`, `b1`, `U5`, `V64`, `O`. */
export function dtypeFromDescr(descr: string, endian = '='): DType {
  const m = /^([<>|=]?)([biufcOUSVMm])(\d*)$/.exec(descr) ?? /^([<>|=]?)(\?)()$/.exec(descr);
  if (!m) throw new PickleFormatError(`unknown numpy dtype ${JSON.stringify(descr)}`);
  const order = m[1] || endian;
  const kind = m[2] === '?' ? 'b' : (m[2] as string);
  let itemsize = m[3] ? Number(m[3]) : (SIZES[kind] ?? 0);
  if (kind === 'U') itemsize *= 4;
  if (kind === 'b') itemsize = 1;
  if (kind === 'O') itemsize = 8;
  if (!Number.isInteger(itemsize) || itemsize < 0 || itemsize > 1 << 24)
    throw new PickleFormatError(`numpy dtype ${JSON.stringify(descr)} has an impossible size`);
  return {
    kind,
    itemsize,
    littleEndian: order !== '>',
    str: `${order === '>' ? '>' : itemsize > 1 ? '<' : '|'}${kind}${itemsize}`,
  };
}

/**
 * The dtype a pickled `numpy.dtype(descr, align, copy)` stands for once its BUILD gives the state
 * (version, byte order, subarray, names, fields, elsize, alignment, flags[, metadata]).
 */
export function dtypeFromState(descr: string, stateValue: PyValue): DType {
  const state = stateValue instanceof PyTuple ? stateValue.items : [];
  const endian = typeof state[1] === 'string' ? state[1] : '=';
  const base = dtypeFromDescr(descr, endian);
  const elsize = state[5];
  if (
    (base.kind === 'U' || base.kind === 'S' || base.kind === 'V') &&
    typeof elsize === 'number' &&
    elsize > 0
  )
    base.itemsize = elsize;
  const names = state[3];
  const fields = state[4];
  if (names instanceof PyTuple && fields instanceof PyDict) {
    let nesting = 0;
    base.fields = names.items.map((name) => {
      const entry = fields.map.get(name);
      const [fieldType, offset] = entry instanceof PyTuple ? entry.items : [];
      if (typeof name !== 'string' || !(fieldType instanceof DTypeValue) || typeof offset !== 'number')
        throw new PickleFormatError(
          `a structured numpy dtype with a malformed field ${JSON.stringify(name)}`,
        );
      if (offset < 0 || offset + fieldType.dtype.itemsize > base.itemsize)
        throw new PickleFormatError(`the field ${JSON.stringify(name)} lies outside its record`);
      nesting = Math.max(nesting, (fieldType.dtype.nesting ?? 0) + 1);
      return { name, dtype: fieldType.dtype, offset };
    });
    // Readers below recurse over the fields and byte-swap each: both bounded by the record itself.
    if (nesting > MAX_RECORD_NESTING)
      throw new PickleFormatError(`numpy records nested more than ${MAX_RECORD_NESTING} deep`);
    const sorted = [...base.fields].filter((f) => f.dtype.itemsize > 0).sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1] as (typeof sorted)[number];
      if ((sorted[i] as typeof prev).offset < prev.offset + prev.dtype.itemsize)
        throw new PickleFormatError(
          `a structured numpy dtype whose fields ${JSON.stringify(prev.name)} and ${JSON.stringify((sorted[i] as typeof prev).name)} overlap`,
        );
    }
    base.nesting = nesting;
    base.str = `|V${base.itemsize}`;
  } else if (base.kind === 'V') {
    throw new PickleFormatError('a void numpy dtype without fields');
  }
  return base;
}

function swapInPlace(
  bytes: Uint8Array,
  itemsize: number,
  offset: number,
  stride: number,
  count: number,
): void {
  for (let e = 0; e < count; e++) {
    const start = offset + e * stride;
    for (let i = 0, j = itemsize - 1; i < j; i++, j--) {
      const t = bytes[start + i] as number;
      bytes[start + i] = bytes[start + j] as number;
      bytes[start + j] = t;
    }
  }
}

/** Bytes of `count` elements of `dtype` in little-endian order (a copy when any byte is swapped). */
export function toLittleEndian(bytes: Uint8Array, dtype: DType, count: number): Uint8Array {
  const needsSwap = (d: DType): boolean =>
    d.fields
      ? d.fields.some((f) => needsSwap(f.dtype))
      : !d.littleEndian && d.itemsize > 1 && d.kind !== 'S' && d.kind !== 'V';
  if (!needsSwap(dtype)) return bytes;
  const out = bytes.slice();
  const swap = (d: DType, offset: number) => {
    if (d.fields) for (const f of d.fields) swap(f.dtype, offset + f.offset);
    else if (needsSwap(d)) {
      const unit = d.kind === 'c' ? d.itemsize / 2 : d.kind === 'U' ? 4 : d.itemsize;
      for (let part = 0; part < d.itemsize / unit; part++)
        swapInPlace(out, unit, offset + part * unit, dtype.itemsize, count);
    }
  };
  swap(dtype, 0);
  const mark = (d: DType): DType => ({
    ...d,
    littleEndian: true,
    fields: d.fields?.map((f) => ({ ...f, dtype: mark(f.dtype) })),
  });
  Object.assign(dtype, mark(dtype));
  return out;
}

/** For each element in Fortran order (first index fastest), its position in C order. */
function cPositions(shape: number[], count: number): Uint32Array {
  const n = shape.length;
  const out = new Uint32Array(count);
  const index = new Array<number>(n).fill(0);
  for (let f = 0; f < count; f++) {
    let c = 0;
    for (let d = 0; d < n; d++) c = c * (shape[d] as number) + (index[d] as number);
    out[f] = c;
    for (let d = 0; d < n; d++) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (shape[d] as number)) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Bytes in Fortran order rearranged to C order. */
function fortranToC(bytes: Uint8Array, shape: number[], itemsize: number): Uint8Array {
  if (shape.length < 2) return bytes;
  const count = bytes.length / itemsize;
  const positions = cPositions(shape, count);
  const out = new Uint8Array(bytes.length);
  for (let f = 0; f < count; f++) {
    const from = f * itemsize;
    const to = (positions[f] as number) * itemsize;
    for (let k = 0; k < itemsize; k++) out[to + k] = bytes[from + k] as number;
  }
  return out;
}

/**
 * The product of a shape, checked before anything is allocated for it: at most MAX_ARRAY_DIMS
 * dimensions, and neither the count nor any one dimension (an empty array's others included) past
 * MAX_ARRAY_ELEMENTS.
 */
export function elementCount(shape: readonly number[]): number {
  if (shape.length > MAX_ARRAY_DIMS)
    throw new PickleFormatError(
      `a numpy array of ${shape.length} dimensions (numpy allows at most ${MAX_ARRAY_DIMS})`,
    );
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new PickleFormatError(`a numpy array with shape (${shape.join(', ')})`);
    count *= d;
    if (count > MAX_ARRAY_ELEMENTS || d > MAX_ARRAY_ELEMENTS)
      throw new PickleLimitError(
        `a numpy array of shape (${shape.join(', ')}) has more than ${MAX_ARRAY_ELEMENTS} elements`,
      );
  }
  return count;
}

/** An array from its dtype, shape, order and data (raw bytes, or the values of an object array). */
export function arrayFrom(dtype: DType, shape: number[], fortran: boolean, data: PyValue): NdArray {
  const count = elementCount(shape);
  if (dtype.kind === 'O') {
    if (!Array.isArray(data)) throw new PickleFormatError('an object array without its list of values');
    if (data.length !== count)
      throw new PickleFormatError(`an object array of ${count} elements holds ${data.length} values`);
    return new NdArray(dtype, shape, null, fortran && shape.length > 1 ? reorderObjects(data, shape) : data);
  }
  if (!(data instanceof Uint8Array))
    throw new PickleFormatError(`a numpy ${dtype.str} array without its bytes`);
  if (data.length !== count * dtype.itemsize)
    throw new PickleFormatError(
      `a numpy ${dtype.str} array of shape (${shape.join(', ')}) needs ${count * dtype.itemsize} bytes, has ${data.length}`,
    );
  let bytes = toLittleEndian(data, dtype, count);
  if (fortran) bytes = fortranToC(bytes, shape, dtype.itemsize);
  return new NdArray(dtype, shape, bytes);
}

function reorderObjects(values: PyValue[], shape: number[]): PyValue[] {
  const positions = cPositions(shape, values.length);
  const out = new Array<PyValue>(values.length);
  for (let f = 0; f < values.length; f++) out[positions[f] as number] = values[f] as PyValue;
  return out;
}

/** A numpy scalar from its dtype and the bytes of its value. */
export function scalarFrom(dtype: DType, data: PyValue): NpScalar | PyValue {
  if (dtype.kind === 'O') return data;
  if (!(data instanceof Uint8Array) || data.length !== dtype.itemsize)
    throw new PickleFormatError(`a numpy ${dtype.str} scalar without its ${dtype.itemsize} bytes`);
  const arr = new NdArray(dtype, [], toLittleEndian(data, dtype, 1));
  const v = elementsOf(arr)[0];
  return new NpScalar(dtype, v as number | bigint | boolean | string);
}

/** One element's value from the little-endian bytes at `at`. */
function elementAt(
  view: DataView,
  bytes: Uint8Array,
  at: number,
  dtype: DType,
): number | bigint | boolean | string {
  const size = dtype.itemsize;
  switch (dtype.kind) {
    case 'f':
      return size === 8
        ? view.getFloat64(at, true)
        : size === 4
          ? view.getFloat32(at, true)
          : halfToFloat(view.getUint16(at, true));
    case 'i':
      return size === 8
        ? view.getBigInt64(at, true)
        : size === 4
          ? view.getInt32(at, true)
          : size === 2
            ? view.getInt16(at, true)
            : view.getInt8(at);
    case 'u':
      return size === 8
        ? view.getBigUint64(at, true)
        : size === 4
          ? view.getUint32(at, true)
          : size === 2
            ? view.getUint16(at, true)
            : view.getUint8(at);
    case 'b':
      return view.getUint8(at) !== 0;
    case 'U': {
      let s = '';
      for (let k = 0; k < size; k += 4) {
        const cp = view.getUint32(at + k, true);
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    case 'S': {
      let end = at + size;
      while (end > at && bytes[end - 1] === 0) end--;
      return LATIN1.decode(bytes.subarray(at, end));
    }
    default:
      throw new PickleFormatError(`numpy ${dtype.str} elements cannot be read as values`);
  }
}

const LATIN1 = new TextDecoder('latin1');

/**
 * The elements of a numeric, boolean or string array as JavaScript values, in C order; at most
 * MAX_VALUE_ELEMENTS of them (a JavaScript array of more takes seconds and gigabytes: an array of
 * zero-size strings costs nothing in the file and a value each here).
 */
export function elementsOf(arr: NdArray): (number | bigint | boolean | string | PyValue)[] {
  if (arr.objects) return arr.objects;
  const n = arr.size;
  if (n > MAX_VALUE_ELEMENTS)
    throw new PickleLimitError(
      `a numpy array of ${n} elements is too large to read as values (at most ${MAX_VALUE_ELEMENTS})`,
    );
  const { dtype } = arr;
  const bytes = arr.bytes as Uint8Array;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number | bigint | boolean | string>(n);
  for (let i = 0; i < n; i++) out[i] = elementAt(view, bytes, i * dtype.itemsize, dtype);
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** A numeric or boolean array as float64 values (int64 beyond 2^53 loses precision, as numpy's astype does). */
export function asFloat64(arr: NdArray): Float64Array {
  if (arr.dtype.kind === 'f' && arr.dtype.itemsize === 8 && arr.bytes && arr.bytes.byteOffset % 8 === 0)
    return new Float64Array(arr.bytes.buffer, arr.bytes.byteOffset, arr.size).slice();
  const toNumber = (v: unknown): number => {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw new PickleFormatError(`a numpy ${arr.dtype.str} array is not numeric`);
  };
  if (arr.objects) return Float64Array.from(arr.objects, toNumber);
  // Element by element, without the JavaScript values elementsOf would make of them all at once.
  const bytes = arr.bytes as Uint8Array;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(arr.size);
  const { kind, itemsize } = arr.dtype;
  if ((kind === 'i' || kind === 'u') && itemsize === 8) {
    // A tree's node indices and features are int64: read as two 32-bit halves rather than as a BigInt
    // each. hi * 2^32 is exact and the one addition rounds as Number(bigint) does.
    const signed = kind === 'i';
    for (let i = 0; i < out.length; i++) {
      const high = signed ? view.getInt32(i * 8 + 4, true) : view.getUint32(i * 8 + 4, true);
      out[i] = high * 2 ** 32 + view.getUint32(i * 8, true);
    }
    return out;
  }
  for (let i = 0; i < out.length; i++)
    out[i] = toNumber(elementAt(view, bytes, i * arr.dtype.itemsize, arr.dtype));
  return out;
}

/** One field of a structured array, as an array of its own. */
export function field(arr: NdArray, name: string): NdArray | undefined {
  const f = arr.dtype.fields?.find((x) => x.name === name);
  if (!f || !arr.bytes) return undefined;
  const n = arr.size;
  const size = f.dtype.itemsize;
  const stride = arr.dtype.itemsize;
  const from = arr.bytes;
  const out = new Uint8Array(n * size);
  // Byte by byte: a subarray per element costs more than the copy (a forest has 10^5 nodes and more).
  for (let i = 0, to = 0; i < n; i++) {
    const at = i * stride + f.offset;
    for (let k = 0; k < size; k++) out[to++] = from[at + k] as number;
  }
  return new NdArray(f.dtype, arr.shape, out);
}

/**
 * One numeric field of a structured array as float64, read in place (no copy of the field first): what
 * a tree's node records give, 10^5 and more of them in a forest. Undefined when there is no such field.
 */
export function fieldAsFloat64(arr: NdArray, name: string): Float64Array | undefined {
  const f = arr.dtype.fields?.find((x) => x.name === name);
  if (!f || !arr.bytes) return undefined;
  const { kind, itemsize } = f.dtype;
  const view = new DataView(arr.bytes.buffer, arr.bytes.byteOffset, arr.bytes.byteLength);
  const stride = arr.dtype.itemsize;
  const out = new Float64Array(arr.size);
  if (kind === 'f' && itemsize === 8) {
    for (let i = 0, at = f.offset; i < out.length; i++, at += stride) out[i] = view.getFloat64(at, true);
  } else if (kind === 'i' && itemsize === 8) {
    // As asFloat64: two 32-bit halves, rounded once as Number(BigInt) rounds.
    for (let i = 0, at = f.offset; i < out.length; i++, at += stride)
      out[i] = view.getInt32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
  } else if ((kind === 'u' || kind === 'b') && itemsize === 1) {
    for (let i = 0, at = f.offset; i < out.length; i++, at += stride) out[i] = view.getUint8(at);
  } else return asFloat64(field(arr, name) as NdArray);
  return out;
}
