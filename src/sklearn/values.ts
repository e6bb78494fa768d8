// What a pickle rebuilds into: Python's values as plain data. Nothing here has behaviour from the file.

/** A Python tuple (kept apart from lists: the meaning of a reduce's arguments depends on it). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A Python dict; keys are compared as JavaScript values (strings and numbers in scikit-learn's state). */
export class PyDict {
  readonly map = new Map<unknown, PyValue>();
  get(key: string): PyValue | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
}

/** A Python set or frozenset. */
export class PySet {
  readonly items: PyValue[] = [];
  constructor(readonly frozen: boolean) {}
}

/** A global the allowlist names (a class or a known function), not yet called. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of an allowlisted class: its class, the arguments it was made with, and its state. */
export class PyObject {
  state: PyValue = null;
  /** Items and entries added to it as a list or dict subclass (rare in scikit-learn). */
  readonly listItems: PyValue[] = [];
  constructor(
    readonly cls: PyGlobal,
    readonly args: PyValue[],
  ) {}
  /** The state as a dict (scikit-learn estimators keep their attributes there). */
  get dict(): PyDict | undefined {
    if (this.state instanceof PyDict) return this.state;
    // (dict, slots) state, as __getstate__ gives for classes with __slots__.
    if (this.state instanceof PyTuple && this.state.items[0] instanceof PyDict) return this.state.items[0];
    return undefined;
  }
}

/** A numpy dtype: a scalar kind and size, or a structured record of named fields. */
export interface DType {
  /** numpy's kind: f float, i signed, u unsigned, b bool, c complex, U unicode, S bytes, O object, V void (records). */
  kind: string;
  /** Bytes per element. */
  itemsize: number;
  littleEndian: boolean;
  /** Structured dtypes: the fields in order with their offsets. */
  fields?: { name: string; dtype: DType; offset: number }[];
  /** Structured dtypes: how many levels of records the fields hold (1 for fields of plain dtypes). */
  nesting?: number;
  /** numpy's descr string (`<f8`, `|b1`, `|V64`), for messages. */
  str: string;
}

/**
 * A numpy array: its dtype and shape, and its elements in C order. Mutable only while the pickle is
 * read: ndarray's reduce makes an empty one that the following BUILD fills.
 */
export class NdArray {
  constructor(
    public dtype: DType,
    public shape: number[],
    /** Numeric kinds: the raw bytes in C order, little-endian. Object arrays: null. */
    public bytes: Uint8Array | null,
    /** Object arrays: the values in C order. */
    public objects: PyValue[] | null = null,
  ) {}
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

/** A numpy dtype as a pickle value: made by its reduce, completed by its BUILD. */
export class DTypeValue {
  constructor(
    public dtype: DType,
    readonly descr: string,
  ) {}
}

/** A numpy scalar (numpy.float64(1.5) and friends): its dtype and value. */
export class NpScalar {
  constructor(
    readonly dtype: DType,
    readonly value: number | bigint | boolean | string,
  ) {}
}

/** A Python slice(start, stop, step). */
export class PySlice {
  constructor(readonly args: PyValue[]) {}
}

/** Another state numpy or Python pickles that modelgate keeps but never uses (a RandomState). */
export class Opaque {
  constructor(readonly what: string) {}
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PySet
  | PyGlobal
  | PyObject
  | NdArray
  | DTypeValue
  | NpScalar
  | Opaque
  | PySlice;

/** A Python or numpy integer as a number (a safe integer), or undefined for anything else. */
export function pyInteger(v: PyValue | undefined): number | undefined {
  const n = v instanceof NpScalar ? v.value : v;
  if (typeof n === 'bigint') return Number(n);
  if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
  return undefined;
}
