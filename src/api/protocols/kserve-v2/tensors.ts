// Tensors of the Open Inference Protocol (KServe V2): their datatypes, and an input tensor's elements
// read from JSON `data` (flat or nested) or from the binary tensor extension's bytes, each checked
// against its datatype and shape. The elements come out as the JSON values modelgate's rows are made of
// (a number, a string, a boolean, or null for a missing value), so the one row validator decides the rest.
import { BadRequestError, PayloadTooLargeError } from '../../errors.js';
import type { Limits } from '../../request.js';

export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type Datatype = (typeof DATATYPES)[number];

const DATATYPE_SET: ReadonlySet<string> = new Set(DATATYPES);

/** Bytes per element in the binary extension (BYTES: variable, length-prefixed). */
const ELEMENT_BYTES: Readonly<Record<Exclude<Datatype, 'BYTES'>, number>> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP32: 4,
  FP64: 8,
};

/** The range of an integer datatype, [lowest, past the highest), as JSON numbers may give it. */
const INTEGER_RANGE: Readonly<Partial<Record<Datatype, readonly [number, number]>>> = {
  UINT8: [0, 2 ** 8],
  UINT16: [0, 2 ** 16],
  UINT32: [0, 2 ** 32],
  UINT64: [0, 2 ** 64],
  INT8: [-(2 ** 7), 2 ** 7],
  INT16: [-(2 ** 15), 2 ** 15],
  INT32: [-(2 ** 31), 2 ** 31],
  INT64: [-(2 ** 63), 2 ** 63],
};

/** An element as a row holds it: null is a missing value. */
export type Element = number | string | boolean | null;

export interface InputTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  /** Row-major elements, as many as the shape's product. */
  elements: Element[];
}

/** What an input says before its elements are read. */
export interface InputHead {
  index: number;
  name: string;
  datatype: Datatype;
  shape: number[];
  /** The product of the shape (checked against the limits). */
  size: number;
  /** JSON `data`, when the tensor is not binary. */
  data?: unknown;
  /** The extension's `binary_data_size`, when it is. */
  binarySize?: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON value's type, for messages. */
export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

const bad = (message: string, details?: Record<string, unknown>) =>
  new BadRequestError('invalid_request', message, details);

export function parseDatatype(v: unknown, where: string): Datatype {
  if (typeof v === 'string' && DATATYPE_SET.has(v)) return v as Datatype;
  const spelt = typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeOf(v);
  throw bad(
    `${where}: datatype ${spelt} is not one modelgate takes; use one of ${DATATYPES.join(', ')}${v === 'FP16' || v === 'BF16' ? ' (half precision is not supported)' : ''}`,
    { expected: DATATYPES, got: typeof v === 'string' ? v.slice(0, 40) : typeOf(v) },
  );
}

/**
 * A shape: a list of non-negative integers of rank 1 or 2 (modelgate's inputs are [N, F], [N] or
 * [N, 1]), whose product is within the limits: computed dimension by dimension, so a shape whose
 * product overflows is refused before anything is allocated.
 */
export function parseShape(v: unknown, where: string, limits: Limits): { shape: number[]; size: number } {
  if (!Array.isArray(v))
    throw bad(`${where}: "shape" must be an array of dimensions, got ${typeOf(v)}`, { field: 'shape' });
  if (v.length === 0 || v.length > 2)
    throw bad(
      `${where}: "shape" has ${v.length} dimensions; modelgate's inputs are [rows, features], [rows] or [rows, 1]`,
      { field: 'shape', got: v.length },
    );
  let size = 1;
  for (const d of v) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      throw bad(
        `${where}: every dimension of "shape" must be a non-negative integer, got ${JSON.stringify(d)}`,
        {
          field: 'shape',
        },
      );
    size *= d;
    if (size > limits.maxValues)
      throw new PayloadTooLargeError(
        'too_many_values',
        `${where}: the shape [${v.join(', ')}] holds more than ${limits.maxValues} values, the limit; split the rows into smaller requests`,
        { limit: limits.maxValues, shape: v },
      );
  }
  return { shape: v as number[], size };
}

/** Reads one request input's fields (not its elements): name, datatype, shape, parameters. */
export function parseInputHead(
  v: unknown,
  index: number,
  limits: Limits,
  binary: boolean,
): InputHead & { contentType?: string } {
  if (!isObject(v))
    throw bad(
      `input ${index} must be an object with "name", "shape", "datatype" and "data", got ${typeOf(v)}`,
    );
  const extra = Object.keys(v).filter((k) => !INPUT_KEYS.has(k));
  if (extra.length > 0)
    throw bad(
      `input ${index} has unknown field${extra.length > 1 ? 's' : ''} ${extra
        .slice(0, 8)
        .map((k) => JSON.stringify(k))
        .join(', ')}; an input has ${[...INPUT_KEYS].join(', ')}`,
      { unknown: extra.slice(0, 100) },
    );
  const name = v.name;
  if (typeof name !== 'string' || name === '')
    throw bad(`input ${index}: "name" must be a non-empty string, got ${typeOf(name)}`, { field: 'name' });
  const where = `input ${JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}...` : name)}`;
  const datatype = parseDatatype(v.datatype, where);
  const { shape, size } = parseShape(v.shape, where, limits);
  const parameters = v.parameters ?? {};
  if (!isObject(parameters))
    throw bad(`${where}: "parameters" must be an object, got ${typeOf(parameters)}`, { field: 'parameters' });
  if (parameters.shared_memory_region !== undefined)
    throw bad(
      `${where}: the shared memory extension is not supported; send the tensor in "data" or as binary data`,
      {
        field: 'parameters.shared_memory_region',
      },
    );
  let contentType: string | undefined;
  if (parameters.content_type !== undefined && parameters.content_type !== null) {
    if (typeof parameters.content_type !== 'string')
      throw bad(`${where}: parameters.content_type must be a string, got ${typeOf(parameters.content_type)}`);
    contentType = parameters.content_type;
    if (contentType === 'base64' || contentType === 'datetime')
      throw bad(
        `${where}: content_type "${contentType}" is not supported; send BYTES as text ("str") and numbers as numbers`,
        { field: 'parameters.content_type' },
      );
  }
  const head: InputHead & { contentType?: string } = { index, name, datatype, shape, size, contentType };
  const sizeParam = parameters.binary_data_size;
  const hasData = v.data !== undefined && v.data !== null;
  if (sizeParam !== undefined && sizeParam !== null) {
    if (!binary)
      throw bad(
        `${where} has parameters.binary_data_size, but the request has no Inference-Header-Content-Length header saying where its JSON ends`,
        { field: 'parameters.binary_data_size' },
      );
    if (typeof sizeParam !== 'number' || !Number.isSafeInteger(sizeParam) || sizeParam < 0)
      throw bad(
        `${where}: parameters.binary_data_size must be a non-negative integer, got ${JSON.stringify(sizeParam)}`,
        { field: 'parameters.binary_data_size' },
      );
    if (hasData) throw bad(`${where} has both "data" and parameters.binary_data_size; send one`);
    head.binarySize = sizeParam;
  } else {
    if (!hasData) throw bad(`${where} has no "data" (nor parameters.binary_data_size)`, { field: 'data' });
    head.data = v.data;
  }
  return head;
}

const INPUT_KEYS = new Set(['name', 'shape', 'datatype', 'parameters', 'data']);

/**
 * The elements of JSON `data`, flat or nested as the shape: nested no deeper than the shape's rank, and
 * exactly as many as its product. Walked without recursion.
 */
export function jsonElements(head: InputHead, where: string): Element[] {
  const out: Element[] = [];
  const data = head.data;
  if (!Array.isArray(data)) {
    throw bad(`${where}: "data" must be an array, got ${typeOf(data)}`, { field: 'data' });
  }
  const rank = head.shape.length;
  const stack: { list: unknown[]; at: number; depth: number }[] = [{ list: data, at: 0, depth: 1 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { list: unknown[]; at: number; depth: number };
    if (top.at >= top.list.length) {
      stack.pop();
      continue;
    }
    const v = top.list[top.at++];
    if (Array.isArray(v)) {
      if (top.depth >= rank)
        throw bad(`${where}: "data" is nested deeper than its shape [${head.shape.join(', ')}]`, {
          field: 'data',
        });
      stack.push({ list: v, at: 0, depth: top.depth + 1 });
      continue;
    }
    if (out.length >= head.size) break;
    out.push(element(v, head.datatype, where, out.length));
  }
  if (out.length !== head.size || stack.length > 0)
    throw bad(
      `${where}: "data" holds ${stack.length > 0 ? 'more than ' : ''}${out.length} values, its shape [${head.shape.join(', ')}] ${head.size}`,
      { field: 'data', expected: head.size },
    );
  return out;
}

/** One JSON element of a datatype, as a row holds it (null: missing). */
function element(v: unknown, datatype: Datatype, where: string, at: number): Element {
  if (v === null) return null;
  switch (datatype) {
    case 'BOOL':
      if (typeof v === 'boolean') return v;
      break;
    case 'BYTES':
      if (typeof v === 'string') return v;
      break;
    case 'FP32':
      if (typeof v === 'number') return Math.fround(v);
      break;
    case 'FP64':
      if (typeof v === 'number') return v;
      break;
    default: {
      const [lo, hi] = INTEGER_RANGE[datatype] as readonly [number, number];
      if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v < hi) return v;
      if (typeof v === 'number')
        throw bad(`${where}: value ${at} (${v}) is not an integer within the range of ${datatype}`, {
          field: 'data',
          index: at,
        });
    }
  }
  throw bad(`${where}: value ${at} is ${typeOf(v)}, not a ${datatype} element`, {
    field: 'data',
    index: at,
    expected: datatype,
    got: typeOf(v),
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The elements of a binary tensor: little-endian, row-major; BYTES elements 4-byte length-prefixed. */
export function binaryElements(head: InputHead, bytes: Uint8Array, where: string): Element[] {
  const n = head.size;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (head.datatype === 'BYTES') {
    const out: Element[] = [];
    let at = 0;
    while (at < bytes.length) {
      if (out.length >= n || at + 4 > bytes.length)
        throw bad(
          `${where}: its ${bytes.length} bytes are not ${n} length-prefixed BYTES elements (shape [${head.shape.join(', ')}])`,
          { field: 'parameters.binary_data_size' },
        );
      const length = view.getUint32(at, true);
      at += 4;
      if (length > bytes.length - at)
        throw bad(`${where}: element ${out.length} says it is ${length} bytes, beyond the tensor's end`, {
          index: out.length,
        });
      try {
        out.push(utf8.decode(bytes.subarray(at, at + length)));
      } catch {
        throw bad(`${where}: element ${out.length} is not valid UTF-8 text`, { index: out.length });
      }
      at += length;
    }
    if (out.length !== n)
      throw bad(
        `${where}: its bytes hold ${out.length} BYTES elements, its shape [${head.shape.join(', ')}] ${n}`,
        {
          expected: n,
        },
      );
    return out;
  }
  const width = ELEMENT_BYTES[head.datatype];
  if (bytes.length !== n * width)
    throw bad(
      `${where}: binary_data_size is ${bytes.length} bytes, but ${n} ${head.datatype} values (shape [${head.shape.join(', ')}]) are ${n * width}`,
      { field: 'parameters.binary_data_size', expected: n * width, got: bytes.length },
    );
  const out: Element[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * width;
    switch (head.datatype) {
      case 'BOOL': {
        const b = view.getUint8(o);
        if (b > 1) throw bad(`${where}: BOOL element ${i} is the byte ${b}, not 0 or 1`, { index: i });
        out[i] = b === 1;
        break;
      }
      case 'UINT8':
        out[i] = view.getUint8(o);
        break;
      case 'UINT16':
        out[i] = view.getUint16(o, true);
        break;
      case 'UINT32':
        out[i] = view.getUint32(o, true);
        break;
      case 'UINT64':
        out[i] = Number(view.getBigUint64(o, true));
        break;
      case 'INT8':
        out[i] = view.getInt8(o);
        break;
      case 'INT16':
        out[i] = view.getInt16(o, true);
        break;
      case 'INT32':
        out[i] = view.getInt32(o, true);
        break;
      case 'INT64':
        out[i] = Number(view.getBigInt64(o, true));
        break;
      case 'FP32': {
        const x = view.getFloat32(o, true);
        // NaN is how numpy spells a missing value; the row validator takes it where the card lets the
        // feature be missing, and refuses it otherwise.
        out[i] = Number.isNaN(x) ? null : x;
        break;
      }
      case 'FP64': {
        const x = view.getFloat64(o, true);
        out[i] = Number.isNaN(x) ? null : x;
        break;
      }
    }
  }
  return out;
}

/** The size of an output's binary form: its elements little-endian (BYTES: each length-prefixed UTF-8). */
export function encodeBinary(datatype: Datatype, data: readonly (number | string | boolean)[]): Uint8Array {
  if (datatype === 'BYTES') {
    const parts = data.map((s) => Buffer.from(String(s), 'utf8'));
    const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.writeUInt32LE(p.length, at);
      p.copy(out, at + 4);
      at += 4 + p.length;
    }
    return out;
  }
  const width = ELEMENT_BYTES[datatype];
  const out = new Uint8Array(data.length * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const o = i * width;
    switch (datatype) {
      case 'BOOL':
        view.setUint8(o, v ? 1 : 0);
        break;
      case 'INT64':
        view.setBigInt64(o, BigInt(v as number), true);
        break;
      case 'FP64':
        view.setFloat64(o, v as number, true);
        break;
      case 'FP32':
        view.setFloat32(o, v as number, true);
        break;
      default:
        throw new RangeError(`modelgate does not answer ${datatype} outputs`);
    }
  }
  return out;
}
