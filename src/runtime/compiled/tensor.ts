// Tensors of the compiled evaluator: ONNX's element types held in JavaScript arrays. FLOAT lives in a
// Float32Array, so every value stored is rounded to float32 as onnxruntime's float kernels round it
// (for + - * / and sqrt, rounding the double result once is exactly the float32 operation); DOUBLE in a
// Float64Array; the integer types in a Float64Array of whole numbers (exact below 2^53, which the
// compiler requires of every integer it reads from the graph); BOOL in a Uint8Array of 0 and 1;
// STRING in an array of strings.
import { DataType, type TensorProto } from '../../onnx/proto.js';
import { CompiledRunError, Unsupported } from './unsupported.js';

export type Data = Float32Array | Float64Array | Uint8Array | string[];

export interface Tensor {
  /** TensorProto.DataType. */
  readonly type: number;
  readonly dims: readonly number[];
  readonly data: Data;
}

/** The element types the evaluator computes with; any other makes a graph fall back to onnxruntime. */
export const SUPPORTED_TYPES = new Set<number>([
  DataType.FLOAT,
  DataType.DOUBLE,
  DataType.INT64,
  DataType.INT32,
  DataType.BOOL,
  DataType.STRING,
]);

/** Attribute tensors may also be uint8 (a TreeEnsemble's modes), read as numbers. */
const ATTRIBUTE_TYPES = new Set<number>([...SUPPORTED_TYPES, DataType.UINT8]);

export const isFloat = (type: number): boolean => type === DataType.FLOAT || type === DataType.DOUBLE;
export const isInteger = (type: number): boolean => type === DataType.INT64 || type === DataType.INT32;

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A zeroed array for `size` elements of `type`. */
export function allocate(type: number, size: number): Data {
  switch (type) {
    case DataType.FLOAT:
      return new Float32Array(size);
    case DataType.BOOL:
      return new Uint8Array(size);
    case DataType.STRING:
      return new Array<string>(size).fill('');
    default:
      return new Float64Array(size);
  }
}

export function tensor(type: number, dims: readonly number[], data: Data): Tensor {
  return { type, dims, data };
}

const MAX_EXACT = 2 ** 53;

/** Whole numbers that are exact as doubles; int64 values beyond 2^53 are not, so the graph is not compiled. */
function exactIntegers(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(Math.abs(v) < MAX_EXACT)) throw new Unsupported(`${what} holds an integer beyond 2^53`);
  }
}

/** An initializer or constant as a Tensor; a type or layout the evaluator does not hold is Unsupported. */
export function fromProto(t: TensorProto, what: string): Tensor {
  const type = t.dataType;
  if (!ATTRIBUTE_TYPES.has(type)) throw new Unsupported(`${what} has element type ${type}`);
  if (t.extra && t.extra.length > 0) throw new Unsupported(`${what} has fields the evaluator does not read`);
  const dims = t.dims.map((d) => {
    if (!(Number.isInteger(d) && d >= 0)) throw new Unsupported(`${what} has dimension ${d}`);
    return d;
  });
  const size = sizeOf(dims);
  const raw = t.rawData;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const width = {
    [DataType.FLOAT]: 4,
    [DataType.DOUBLE]: 8,
    [DataType.INT64]: 8,
    [DataType.INT32]: 4,
    [DataType.BOOL]: 1,
    [DataType.UINT8]: 1,
  }[type];
  if (view && width !== undefined && raw && raw.byteLength !== size * width)
    throw new Unsupported(`${what} holds ${raw.byteLength} bytes for ${size} elements`);
  const data = allocate(type, size);
  const fill = (values: ArrayLike<number> | undefined): void => {
    if (!values || values.length !== size) throw new Unsupported(`${what} does not hold ${size} values`);
    for (let i = 0; i < size; i++) (data as Float64Array)[i] = values[i] as number;
  };
  switch (type) {
    case DataType.FLOAT:
      if (view) for (let i = 0; i < size; i++) (data as Float32Array)[i] = view.getFloat32(i * 4, true);
      else fill(t.floatData);
      break;
    case DataType.DOUBLE:
      if (view) for (let i = 0; i < size; i++) (data as Float64Array)[i] = view.getFloat64(i * 8, true);
      else fill(t.doubleData);
      break;
    case DataType.INT64:
      if (view)
        for (let i = 0; i < size; i++) {
          const v = view.getBigInt64(i * 8, true);
          if (v >= 2n ** 53n || v <= -(2n ** 53n))
            throw new Unsupported(`${what} holds an integer beyond 2^53`);
          (data as Float64Array)[i] = Number(v);
        }
      else {
        fill(t.int64Data);
        exactIntegers(data as Float64Array, what);
      }
      break;
    case DataType.INT32:
      if (view) for (let i = 0; i < size; i++) (data as Float64Array)[i] = view.getInt32(i * 4, true);
      else fill(t.int32Data);
      break;
    case DataType.UINT8:
      if (view) for (let i = 0; i < size; i++) (data as Float64Array)[i] = raw?.[i] as number;
      else fill(t.int32Data);
      break;
    case DataType.BOOL:
      if (view) for (let i = 0; i < size; i++) (data as Uint8Array)[i] = raw?.[i] ? 1 : 0;
      else {
        fill(t.int32Data);
        for (let i = 0; i < size; i++) (data as Uint8Array)[i] = (data as Uint8Array)[i] ? 1 : 0;
      }
      break;
    case DataType.STRING: {
      const strings = t.stringData;
      if (!strings || strings.length !== size) throw new Unsupported(`${what} does not hold ${size} strings`);
      const decoder = new TextDecoder('utf-8', { fatal: true });
      for (let i = 0; i < size; i++) (data as string[])[i] = decoder.decode(strings[i]);
      break;
    }
  }
  return { type, dims, data };
}

/** The broadcast of two shapes (numpy's rule); Unsupported where they do not broadcast. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      throw new CompiledRunError(`shapes [${a}] and [${b}] do not broadcast`);
    out[i] = x === 1 ? y : x;
  }
  return out;
}

/** For each position of `out`, the element strides of `dims` broadcast to it (0 along broadcast axes). */
export function broadcastStrides(dims: readonly number[], out: readonly number[]): number[] {
  const strides: number[] = new Array(out.length).fill(0);
  let stride = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    const axis = out.length - dims.length + i;
    strides[axis] = dims[i] === 1 ? 0 : stride;
    stride *= dims[i] as number;
  }
  return strides;
}

/**
 * Calls `f(k, ia, ib)` for every element k of the broadcast shape `out`, with the matching flat
 * indices into inputs of shapes `a` and `b`.
 */
export function forEachBroadcast(
  a: readonly number[],
  b: readonly number[],
  out: readonly number[],
  f: (k: number, ia: number, ib: number) => void,
): void {
  const size = sizeOf(out);
  const sa = sizeOf(a);
  const sb = sizeOf(b);
  if (sa === size && sb === size) {
    for (let k = 0; k < size; k++) f(k, k, k);
    return;
  }
  if (sb === 1 && sa === size) {
    for (let k = 0; k < size; k++) f(k, k, 0);
    return;
  }
  if (sa === 1 && sb === size) {
    for (let k = 0; k < size; k++) f(k, 0, k);
    return;
  }
  const stA = broadcastStrides(a, out);
  const stB = broadcastStrides(b, out);
  const rank = out.length;
  const index = new Array(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let k = 0; k < size; k++) {
    f(k, ia, ib);
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis] += 1;
      ia += stA[axis] as number;
      ib += stB[axis] as number;
      if (index[axis] < (out[axis] as number)) break;
      ia -= (stA[axis] as number) * (out[axis] as number);
      ib -= (stB[axis] as number) * (out[axis] as number);
      index[axis] = 0;
    }
  }
}
