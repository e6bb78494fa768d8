// The standard-domain (ai.onnx) operators of the compiled evaluator: elementwise arithmetic and
// comparisons with broadcasting, the activations, shapes and indexing, reductions, MatMul and Gemm.
// Float results are stored in the input's own type, so float32 arithmetic rounds as onnxruntime's does.
import { DataType } from '../../onnx/proto.js';
import type { Kernel, NodeContext } from './node.js';
import {
  allocate,
  broadcastDims,
  broadcastStrides,
  type Data,
  forEachBroadcast,
  isFloat,
  isInteger,
  SUPPORTED_TYPES,
  sizeOf,
  type Tensor,
  tensor,
} from './tensor.js';
import { CompiledRunError, Unsupported } from './unsupported.js';

export type Factory = (ctx: NodeContext) => Kernel;

const nums = (t: Tensor) => t.data as Float64Array | Float32Array;
const f32 = Math.fround;

function need(t: Tensor | undefined, what: string): Tensor {
  if (!t) throw new CompiledRunError(`${what} is missing`);
  return t;
}

/** Normalizes a possibly negative axis against a rank. */
function axisOf(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank))
    throw new CompiledRunError(`${what}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** An index into an axis of n elements, negative ones counted from the end; out of range is an error. */
function indexIn(v: number, n: number, what: string): number {
  const j = v < 0 ? v + n : v;
  if (!(j >= 0 && j < n)) throw new CompiledRunError(`${what}: index ${v} is out of range for ${n}`);
  return j;
}

/** Integers of a constant or computed int64 tensor. */
function intsOf(t: Tensor): number[] {
  if (!isInteger(t.type)) throw new CompiledRunError(`expected an integer tensor, got type ${t.type}`);
  return Array.from(nums(t));
}

// ---- elementwise ---------------------------------------------------------------------------------

type Unary = (x: number) => number;

/** A unary operator over float (and, where `ints`, integer) tensors; the result keeps the type. */
function unary(f: Unary, ints = false): Factory {
  return (ctx) => {
    ctx.checkAllRead();
    return ([x]) => {
      const t = need(x, `${ctx.what}'s input`);
      if (!(isFloat(t.type) || (ints && isInteger(t.type))))
        throw new CompiledRunError(`${ctx.what} takes no type ${t.type}`);
      const src = nums(t);
      const out = allocate(t.type, src.length) as Float64Array;
      for (let i = 0; i < src.length; i++) out[i] = f(src[i] as number);
      return [tensor(t.type, t.dims, out)];
    };
  };
}

/** The logistic function, written so that exp never overflows (onnxruntime's float kernel is MLAS's rational approximation: they agree within the differential test's bound). */
const sigmoid: Unary = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

const UNARY: Record<string, Factory> = {
  Identity: (ctx) => {
    ctx.checkAllRead();
    return ([x]) => [need(x, 'Identity input')];
  },
  Neg: unary((x) => -x, true),
  Abs: unary(Math.abs, true),
  Sqrt: unary(Math.sqrt),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Tanh: unary(Math.tanh),
  Sigmoid: unary(sigmoid),
  Relu: unary((x) => (x > 0 ? x : x === 0 || x < 0 ? 0 : x), true),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Reciprocal: unary((x) => 1 / x),
  Sin: unary(Math.sin),
  Cos: unary(Math.cos),
  Sign: unary((x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x), true),
};

type Binary = (a: number, b: number) => number;

/** The result type of a binary arithmetic operator: both inputs must share a numeric type. */
function sameNumeric(a: Tensor, b: Tensor, what: string): number {
  if (a.type !== b.type) throw new CompiledRunError(`${what}: inputs of types ${a.type} and ${b.type}`);
  if (!(isFloat(a.type) || isInteger(a.type))) throw new CompiledRunError(`${what} takes no type ${a.type}`);
  return a.type;
}

function binaryOf(
  ctx: NodeContext,
  floatOp: Binary,
  intOp: Binary | undefined,
): (a: Tensor, b: Tensor) => Tensor {
  return (a, b) => {
    const type = sameNumeric(a, b, ctx.what);
    const op = isFloat(type) ? floatOp : intOp;
    if (!op) throw new CompiledRunError(`${ctx.what} takes no type ${type}`);
    const dims = broadcastDims(a.dims, b.dims);
    const out = allocate(type, sizeOf(dims)) as Float64Array;
    const x = nums(a);
    const y = nums(b);
    forEachBroadcast(a.dims, b.dims, dims, (k, i, j) => {
      out[k] = op(x[i] as number, y[j] as number);
    });
    if (isInteger(type))
      for (let k = 0; k < out.length; k++)
        if (!Number.isSafeInteger(out[k]))
          throw new CompiledRunError(`${ctx.what}: an integer result beyond 2^53`);
    return tensor(type, dims, out);
  };
}

function binary(floatOp: Binary, intOp?: Binary): Factory {
  return (ctx) => {
    ctx.checkAllRead();
    const f = binaryOf(ctx, floatOp, intOp);
    return ([a, b]) => [f(need(a, ctx.what), need(b, ctx.what))];
  };
}

/** Max and Min take any number of inputs; a NaN anywhere makes the result NaN, as onnxruntime's does. */
function variadic(op: Binary): Factory {
  return (ctx) => {
    ctx.checkAllRead();
    const f = binaryOf(ctx, op, op);
    return (inputs) => {
      let acc = need(inputs[0], ctx.what);
      for (let i = 1; i < inputs.length; i++) acc = f(acc, need(inputs[i], ctx.what));
      return [acc];
    };
  };
}

const nanMax: Binary = (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : a >= b ? a : b);
const nanMin: Binary = (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : a <= b ? a : b);

/** C's truncating integer division; a zero divisor is an error (onnxruntime's is undefined). */
const intDiv: Binary = (a, b) => {
  if (b === 0) throw new CompiledRunError('integer division by zero');
  return Math.trunc(a / b);
};

const POW: Factory = (ctx) => {
  ctx.checkAllRead();
  return ([a, b]) => {
    const x = need(a, ctx.what);
    const y = need(b, ctx.what);
    if (!isFloat(x.type) || !(isFloat(y.type) || isInteger(y.type)))
      throw new CompiledRunError(`${ctx.what} takes types ${x.type} and ${y.type}`);
    const dims = broadcastDims(x.dims, y.dims);
    const out = allocate(x.type, sizeOf(dims)) as Float64Array;
    const xs = nums(x);
    const ys = nums(y);
    const round = x.type === DataType.FLOAT ? f32 : (v: number) => v;
    forEachBroadcast(x.dims, y.dims, dims, (k, i, j) => {
      const base = xs[i] as number;
      const e = ys[j] as number;
      // onnxruntime multiplies for the exponents 2 and 3 (each product rounded in the input's type).
      out[k] = e === 2 ? base * base : e === 3 ? round(base * base) * base : base ** e;
    });
    return [tensor(x.type, dims, out)];
  };
};

const MOD: Factory = (ctx) => {
  const fmod = ctx.int('fmod', 0);
  ctx.checkAllRead();
  const f = binaryOf(
    ctx,
    (a, b) => {
      if (!fmod) throw new CompiledRunError('Mod of floats needs fmod=1');
      return a % b;
    },
    (a, b) => {
      if (b === 0) throw new CompiledRunError('integer modulo by zero');
      if (fmod) return a % b;
      const r = a % b;
      return r !== 0 && r < 0 !== b < 0 ? r + b : r;
    },
  );
  return ([a, b]) => [f(need(a, ctx.what), need(b, ctx.what))];
};

type Compare = (a: number | string, b: number | string) => boolean;

function comparison(op: Compare, strings = false): Factory {
  return (ctx) => {
    ctx.checkAllRead();
    return ([a, b]) => {
      const x = need(a, ctx.what);
      const y = need(b, ctx.what);
      if (x.type !== y.type)
        throw new CompiledRunError(`${ctx.what}: inputs of types ${x.type} and ${y.type}`);
      if (x.type === DataType.STRING && !strings) throw new CompiledRunError(`${ctx.what} takes no strings`);
      const dims = broadcastDims(x.dims, y.dims);
      const out = new Uint8Array(sizeOf(dims));
      const xs = x.data as ArrayLike<number | string>;
      const ys = y.data as ArrayLike<number | string>;
      forEachBroadcast(x.dims, y.dims, dims, (k, i, j) => {
        out[k] = op(xs[i] as number, ys[j] as number) ? 1 : 0;
      });
      return [tensor(DataType.BOOL, dims, out)];
    };
  };
}

function logical(op: (a: number, b: number) => number): Factory {
  return (ctx) => {
    ctx.checkAllRead();
    return ([a, b]) => {
      const x = need(a, ctx.what);
      const y = need(b, ctx.what);
      if (x.type !== DataType.BOOL || y.type !== DataType.BOOL)
        throw new CompiledRunError(`${ctx.what} takes bools`);
      const dims = broadcastDims(x.dims, y.dims);
      const out = new Uint8Array(sizeOf(dims));
      const xs = x.data as Uint8Array;
      const ys = y.data as Uint8Array;
      forEachBroadcast(x.dims, y.dims, dims, (k, i, j) => {
        out[k] = op(xs[i] as number, ys[j] as number);
      });
      return [tensor(DataType.BOOL, dims, out)];
    };
  };
}

const NOT: Factory = (ctx) => {
  ctx.checkAllRead();
  return ([a]) => {
    const x = need(a, ctx.what);
    if (x.type !== DataType.BOOL) throw new CompiledRunError(`${ctx.what} takes bools`);
    const xs = x.data as Uint8Array;
    const out = new Uint8Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = xs[i] ? 0 : 1;
    return [tensor(DataType.BOOL, x.dims, out)];
  };
};

function predicate(test: (x: number) => boolean): Factory {
  return (ctx) => {
    const negative = ctx.int('detect_negative', 1);
    const positive = ctx.int('detect_positive', 1);
    ctx.checkAllRead();
    return ([a]) => {
      const x = need(a, ctx.what);
      if (!isFloat(x.type)) throw new CompiledRunError(`${ctx.what} takes floats`);
      const xs = nums(x);
      const out = new Uint8Array(xs.length);
      for (let i = 0; i < xs.length; i++) {
        const v = xs[i] as number;
        out[i] = test(v) && (v > 0 ? positive : v < 0 ? negative : 1) ? 1 : 0;
      }
      return [tensor(DataType.BOOL, x.dims, out)];
    };
  };
}

/** Where(condition, x, y), all three broadcast together. */
const WHERE: Factory = (ctx) => {
  ctx.checkAllRead();
  return ([c, a, b]) => {
    const cond = need(c, ctx.what);
    const x = need(a, ctx.what);
    const y = need(b, ctx.what);
    if (cond.type !== DataType.BOOL || x.type !== y.type)
      throw new CompiledRunError(`${ctx.what}: input types`);
    const dims = broadcastDims(broadcastDims(cond.dims, x.dims), y.dims);
    const size = sizeOf(dims);
    const out = allocate(x.type, size) as (number | string)[];
    const sc = broadcastStrides(cond.dims, dims);
    const sx = broadcastStrides(x.dims, dims);
    const sy = broadcastStrides(y.dims, dims);
    const cs = cond.data as Uint8Array;
    const xs = x.data as ArrayLike<number | string>;
    const ys = y.data as ArrayLike<number | string>;
    const index = new Array(dims.length).fill(0);
    for (let k = 0; k < size; k++) {
      let ic = 0;
      let ix = 0;
      let iy = 0;
      for (let d = 0; d < dims.length; d++) {
        ic += index[d] * (sc[d] as number);
        ix += index[d] * (sx[d] as number);
        iy += index[d] * (sy[d] as number);
      }
      out[k] = cs[ic] ? (xs[ix] as number) : (ys[iy] as number);
      for (let d = dims.length - 1; d >= 0; d--) {
        if (++index[d] < (dims[d] as number)) break;
        index[d] = 0;
      }
    }
    return [tensor(x.type, dims, out as Data)];
  };
};

// ---- casts and constants -------------------------------------------------------------------------

const INT_RANGE: Record<number, [number, number]> = {
  [DataType.INT32]: [-(2 ** 31), 2 ** 31 - 1],
  [DataType.INT64]: [-(2 ** 63), 2 ** 63],
};

const CAST: Factory = (ctx) => {
  const to = ctx.int('to');
  ctx.int('saturate');
  ctx.checkAllRead();
  if (to === undefined || !SUPPORTED_TYPES.has(to) || to === DataType.STRING)
    throw new Unsupported(`${ctx.what}: a cast to type ${to}`);
  return ([a]) => {
    const x = need(a, ctx.what);
    if (x.type === to) return [x];
    if (x.type === DataType.STRING) throw new CompiledRunError(`${ctx.what}: a cast from strings`);
    const src = x.data as ArrayLike<number>;
    const out = allocate(to, src.length) as Float64Array;
    if (to === DataType.BOOL) for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
    else if (isInteger(to)) {
      const [lo, hi] = INT_RANGE[to] as [number, number];
      for (let i = 0; i < src.length; i++) {
        const v = Math.trunc(src[i] as number);
        // C++'s conversion of NaN or an out-of-range float is undefined; such a row is not answered.
        if (!(v >= lo && v <= hi) || !Number.isSafeInteger(v))
          throw new CompiledRunError(`${ctx.what}: ${src[i]} does not convert to an integer`);
        out[i] = v;
      }
    } else for (let i = 0; i < src.length; i++) out[i] = src[i] as number;
    return [tensor(to, x.dims, out)];
  };
};

// ---- shapes --------------------------------------------------------------------------------------

const reshaped = (t: Tensor, dims: readonly number[]): Tensor => tensor(t.type, dims, t.data);

const RESHAPE: Factory = (ctx) => {
  const allowzero = ctx.int('allowzero', 0);
  ctx.checkAllRead();
  return ([a, s]) => {
    const x = need(a, ctx.what);
    const spec = intsOf(need(s, `${ctx.what}'s shape`));
    const dims = spec.map((d, i) => (d === 0 && !allowzero ? (x.dims[i] as number) : d));
    const known = dims.reduce((n, d) => (d === -1 ? n : n * d), 1);
    const unknown = dims.indexOf(-1);
    if (unknown >= 0) dims[unknown] = known === 0 ? 0 : x.data.length / known;
    if (sizeOf(dims) !== x.data.length || dims.some((d) => !Number.isInteger(d) || d < 0))
      throw new CompiledRunError(`${ctx.what}: [${x.dims}] does not reshape to [${spec}]`);
    return [reshaped(x, dims)];
  };
};

function axesFrom(ctx: NodeContext, inputIndex: number, attrFromOpset: number): number[] | undefined {
  if (ctx.opset < attrFromOpset) return ctx.ints('axes');
  return ctx.has(inputIndex) ? intsOf(ctx.needConstant(inputIndex, 'axes')) : undefined;
}

const UNSQUEEZE: Factory = (ctx) => {
  const axes = axesFrom(ctx, 1, 13);
  ctx.checkAllRead();
  if (!axes) throw new Unsupported(`${ctx.what} without axes`);
  return ([a]) => {
    const x = need(a, ctx.what);
    const rank = x.dims.length + axes.length;
    const at = new Set(axes.map((v) => axisOf(v, rank, ctx.what)));
    const dims: number[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) dims.push(at.has(i) ? 1 : (x.dims[j++] as number));
    return [reshaped(x, dims)];
  };
};

const SQUEEZE: Factory = (ctx) => {
  const axes = axesFrom(ctx, 1, 13);
  ctx.checkAllRead();
  return ([a]) => {
    const x = need(a, ctx.what);
    const at = new Set(
      (axes ?? x.dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((v) => axisOf(v, x.dims.length, ctx.what)),
    );
    for (const i of at) if (x.dims[i] !== 1) throw new CompiledRunError(`${ctx.what}: axis ${i} is not 1`);
    return [
      reshaped(
        x,
        x.dims.filter((_, i) => !at.has(i)),
      ),
    ];
  };
};

const FLATTEN: Factory = (ctx) => {
  const axis = ctx.int('axis', 1);
  ctx.checkAllRead();
  return ([a]) => {
    const x = need(a, ctx.what);
    const at = axis < 0 ? axis + x.dims.length : axis;
    const outer = sizeOf(x.dims.slice(0, at));
    return [reshaped(x, [outer, sizeOf(x.dims.slice(at))])];
  };
};

const SHAPE: Factory = (ctx) => {
  const start = ctx.int('start', 0);
  const end = ctx.int('end');
  ctx.checkAllRead();
  return ([a]) => {
    const x = need(a, ctx.what);
    const r = x.dims.length;
    const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
    const dims = x.dims.slice(clamp(start), end === undefined ? r : clamp(end));
    return [tensor(DataType.INT64, [dims.length], Float64Array.from(dims))];
  };
};

/** Row-major strides of a shape. */
function stridesOf(dims: readonly number[]): number[] {
  const s = new Array(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * (dims[i + 1] as number);
  return s;
}

/** Copies the elements of `x` at every index of `dims` through `source(index)` (a flat index into x). */
function gatherInto(x: Tensor, dims: readonly number[], source: (index: number[]) => number): Data {
  const size = sizeOf(dims);
  const out = allocate(x.type, size) as (number | string)[];
  const xs = x.data as ArrayLike<number | string>;
  const index = new Array(dims.length).fill(0);
  for (let k = 0; k < size; k++) {
    out[k] = xs[source(index)] as number;
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++index[d] < (dims[d] as number)) break;
      index[d] = 0;
    }
  }
  return out as Data;
}

const EXPAND: Factory = (ctx) => {
  ctx.checkAllRead();
  return ([a, s]) => {
    const x = need(a, ctx.what);
    const dims = broadcastDims(x.dims, intsOf(need(s, ctx.what)));
    const st = broadcastStrides(x.dims, dims);
    return [
      tensor(
        x.type,
        dims,
        gatherInto(x, dims, (index) => index.reduce((n, v, d) => n + v * (st[d] as number), 0)),
      ),
    ];
  };
};

const TRANSPOSE: Factory = (ctx) => {
  const perm = ctx.ints('perm');
  ctx.checkAllRead();
  return ([a]) => {
    const x = need(a, ctx.what);
    const p = perm ?? x.dims.map((_, i) => x.dims.length - 1 - i);
    const st = stridesOf(x.dims);
    const dims = p.map((i) => x.dims[i] as number);
    return [
      tensor(
        x.type,
        dims,
        gatherInto(x, dims, (index) => index.reduce((n, v, d) => n + v * (st[p[d] as number] as number), 0)),
      ),
    ];
  };
};

const CONCAT: Factory = (ctx) => {
  const axis = ctx.int('axis');
  ctx.checkAllRead();
  if (axis === undefined) throw new Unsupported(`${ctx.what} without an axis`);
  return (inputs) => {
    const parts = inputs.map((t) => need(t, ctx.what));
    const first = parts[0] as Tensor;
    const rank = first.dims.length;
    const at = axisOf(axis, rank, ctx.what);
    for (const p of parts)
      if (
        p.type !== first.type ||
        p.dims.length !== rank ||
        p.dims.some((d, i) => i !== at && d !== first.dims[i])
      )
        throw new CompiledRunError(`${ctx.what}: inputs that do not concatenate`);
    const outer = sizeOf(first.dims.slice(0, at));
    const inner = sizeOf(first.dims.slice(at + 1));
    const total = parts.reduce((n, p) => n + (p.dims[at] as number), 0);
    const dims = first.dims.slice();
    dims[at] = total;
    const out = allocate(first.type, outer * total * inner) as (number | string)[];
    let k = 0;
    for (let o = 0; o < outer; o++)
      for (const p of parts) {
        const n = (p.dims[at] as number) * inner;
        const src = p.data as ArrayLike<number | string>;
        for (let i = 0; i < n; i++) out[k++] = src[o * n + i] as number;
      }
    return [tensor(first.type, dims, out as Data)];
  };
};

const GATHER: Factory = (ctx) => {
  const axis = ctx.int('axis', 0);
  ctx.checkAllRead();
  return ([a, i]) => {
    const x = need(a, ctx.what);
    const idx = need(i, ctx.what);
    const at = axisOf(axis, x.dims.length, ctx.what);
    const n = x.dims[at] as number;
    const indices = intsOf(idx).map((v) => indexIn(v, n, ctx.what));
    const outer = sizeOf(x.dims.slice(0, at));
    const inner = sizeOf(x.dims.slice(at + 1));
    const dims = [...x.dims.slice(0, at), ...idx.dims, ...x.dims.slice(at + 1)];
    const out = allocate(x.type, outer * indices.length * inner) as (number | string)[];
    const src = x.data as ArrayLike<number | string>;
    let k = 0;
    for (let o = 0; o < outer; o++)
      for (const j of indices)
        for (let e = 0; e < inner; e++) out[k++] = src[(o * n + j) * inner + e] as number;
    return [tensor(x.type, dims, out as Data)];
  };
};

const GATHER_ELEMENTS: Factory = (ctx) => {
  const axis = ctx.int('axis', 0);
  ctx.checkAllRead();
  return ([a, i]) => {
    const x = need(a, ctx.what);
    const idx = need(i, ctx.what);
    const at = axisOf(axis, x.dims.length, ctx.what);
    if (idx.dims.length !== x.dims.length) throw new CompiledRunError(`${ctx.what}: ranks differ`);
    const st = stridesOf(x.dims);
    const n = x.dims[at] as number;
    const ix = nums(idx);
    let k = 0;
    const data = gatherInto(x, idx.dims, (index) => {
      const j = indexIn(ix[k++] as number, n, ctx.what);
      return index.reduce((s, iv, d) => s + (d === at ? j : iv) * (st[d] as number), 0);
    });
    return [tensor(x.type, idx.dims, data)];
  };
};

const SLICE: Factory = (ctx) => {
  if (ctx.opset < 10) throw new Unsupported(`${ctx.what} of opset ${ctx.opset}`);
  ctx.checkAllRead();
  return ([a, s, e, ax, st]) => {
    const x = need(a, ctx.what);
    const starts = intsOf(need(s, ctx.what));
    const ends = intsOf(need(e, ctx.what));
    const axes = ax ? intsOf(ax) : starts.map((_, i) => i);
    const steps = st ? intsOf(st) : starts.map(() => 1);
    const rank = x.dims.length;
    const begin = x.dims.map(() => 0);
    const step = x.dims.map(() => 1);
    const dims = x.dims.slice();
    axes.forEach((axis, i) => {
      const d = axisOf(axis, rank, ctx.what);
      const n = x.dims[d] as number;
      const k = steps[i] as number;
      if (k === 0) throw new CompiledRunError(`${ctx.what}: a step of 0`);
      const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v < 0 ? v + n : v));
      const b = k > 0 ? clamp(starts[i] as number, 0, n) : clamp(starts[i] as number, -1, n - 1);
      const en = k > 0 ? clamp(ends[i] as number, 0, n) : clamp(ends[i] as number, -1, n - 1);
      begin[d] = b;
      step[d] = k;
      dims[d] = Math.max(0, Math.ceil((en - b) / k));
    });
    const strides = stridesOf(x.dims);
    const data = gatherInto(x, dims, (index) =>
      index.reduce(
        (sum, v, d) => sum + ((begin[d] as number) + v * (step[d] as number)) * (strides[d] as number),
        0,
      ),
    );
    return [tensor(x.type, dims, data)];
  };
};

// ---- reductions and arg-extremes -----------------------------------------------------------------

/** Reduces `x` over `axes` (all when empty) with fold(acc, value), from `init`, then `finish`. */
function reduce(
  x: Tensor,
  axes: readonly number[],
  keepdims: boolean,
  init: number,
  fold: (acc: number, v: number) => number,
  finish: (acc: number, n: number) => number,
  what: string,
): Tensor {
  const rank = x.dims.length;
  const at = new Set((axes.length ? axes : x.dims.map((_, i) => i)).map((a) => axisOf(a, rank, what)));
  const outDims = x.dims.map((d, i) => (at.has(i) ? 1 : d));
  const size = sizeOf(outDims);
  const acc = new Float64Array(size).fill(init);
  const accType = x.type;
  const round = accType === DataType.FLOAT ? f32 : (v: number) => v;
  const st = broadcastStrides(outDims, x.dims);
  const xs = nums(x);
  const index = new Array(rank).fill(0);
  for (let k = 0; k < xs.length; k++) {
    let o = 0;
    for (let d = 0; d < rank; d++) o += index[d] * (st[d] as number);
    acc[o] = round(fold(acc[o] as number, xs[k] as number));
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < (x.dims[d] as number)) break;
      index[d] = 0;
    }
  }
  const n = xs.length / Math.max(1, size);
  const out = allocate(x.type, size) as Float64Array;
  for (let i = 0; i < size; i++) out[i] = finish(acc[i] as number, n);
  return tensor(x.type, keepdims ? outDims : x.dims.filter((_, i) => !at.has(i)), out);
}

function reduction(
  init: number,
  fold: (acc: number, v: number) => number,
  finish: (acc: number, n: number) => number = (a) => a,
  axesInputFrom = 18,
): Factory {
  return (ctx) => {
    const keepdims = ctx.int('keepdims', 1) === 1;
    const noop = ctx.int('noop_with_empty_axes', 0);
    const axes = axesFrom(ctx, 1, axesInputFrom) ?? [];
    ctx.checkAllRead();
    return ([a]) => {
      const x = need(a, ctx.what);
      if (!(isFloat(x.type) || isInteger(x.type)))
        throw new CompiledRunError(`${ctx.what} takes no type ${x.type}`);
      if (axes.length === 0 && noop) return [x];
      return [reduce(x, axes, keepdims, init, fold, finish, ctx.what)];
    };
  };
}

function argExtreme(
  better: (a: number, b: number) => boolean,
  orEqual: (a: number, b: number) => boolean,
): Factory {
  return (ctx) => {
    const axis = ctx.int('axis', 0);
    const keepdims = ctx.int('keepdims', 1) === 1;
    const last = ctx.int('select_last_index', 0) === 1;
    ctx.checkAllRead();
    return ([a]) => {
      const x = need(a, ctx.what);
      if (!(isFloat(x.type) || isInteger(x.type)))
        throw new CompiledRunError(`${ctx.what} takes no type ${x.type}`);
      const at = axisOf(axis, x.dims.length, ctx.what);
      const n = x.dims[at] as number;
      if (n === 0) throw new CompiledRunError(`${ctx.what} over an empty axis`);
      const outer = sizeOf(x.dims.slice(0, at));
      const inner = sizeOf(x.dims.slice(at + 1));
      const xs = nums(x);
      const out = new Float64Array(outer * inner);
      const wins = last ? orEqual : better;
      for (let o = 0; o < outer; o++)
        for (let e = 0; e < inner; e++) {
          let best = 0;
          let bv = xs[o * n * inner + e] as number;
          for (let j = 1; j < n; j++) {
            const v = xs[(o * n + j) * inner + e] as number;
            if (wins(v, bv)) {
              best = j;
              bv = v;
            }
          }
          out[o * inner + e] = best;
        }
      const dims = keepdims ? x.dims.map((d, i) => (i === at ? 1 : d)) : x.dims.filter((_, i) => i !== at);
      return [tensor(DataType.INT64, dims, out)];
    };
  };
}

/** Softmax (and LogSoftmax) over `axis`: max subtracted, exponentials summed in the input's type. */
function softmax(log: boolean): Factory {
  return (ctx) => {
    const axis = ctx.int('axis', ctx.opset >= 13 ? -1 : 1);
    ctx.checkAllRead();
    return ([a]) => {
      const x = need(a, ctx.what);
      if (!isFloat(x.type)) throw new CompiledRunError(`${ctx.what} takes floats`);
      const rank = x.dims.length;
      const at = axisOf(axis, rank, ctx.what);
      if (ctx.opset < 13 && at !== rank - 1) throw new CompiledRunError(`${ctx.what}: a flattening softmax`);
      const round = x.type === DataType.FLOAT ? f32 : (v: number) => v;
      const n = x.dims[at] as number;
      const outer = sizeOf(x.dims.slice(0, at));
      const inner = sizeOf(x.dims.slice(at + 1));
      const xs = nums(x);
      const out = allocate(x.type, xs.length) as Float64Array;
      const e = new Float64Array(n);
      for (let o = 0; o < outer; o++)
        for (let q = 0; q < inner; q++) {
          const base = o * n * inner + q;
          let max = Number.NEGATIVE_INFINITY;
          for (let j = 0; j < n; j++) {
            const v = xs[base + j * inner] as number;
            if (v > max || Number.isNaN(v)) max = v;
          }
          let sum = 0;
          for (let j = 0; j < n; j++) {
            const d = round((xs[base + j * inner] as number) - max);
            const ev = round(Math.exp(d));
            e[j] = log ? d : ev;
            sum = round(sum + ev);
          }
          const logSum = round(Math.log(sum));
          for (let j = 0; j < n; j++)
            out[base + j * inner] = log ? (e[j] as number) - logSum : (e[j] as number) / sum;
        }
      return [tensor(x.type, x.dims, out)];
    };
  };
}

// ---- linear algebra ------------------------------------------------------------------------------

/** A [m, k] x [k, n] product, the sum in double and rounded once to the type (float32 here is exact to within its last bit of onnxruntime's blocked sum). */
function matmul2(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  out: Float64Array | Float32Array,
  ta = false,
  tb = false,
): void {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (a[ta ? p * m + i : i * k + p] as number) * (b[tb ? j * k + p : p * n + j] as number);
      out[i * n + j] = s;
    }
}

/**
 * The longest dot product compiled. A long sum's last digits depend on its order, and onnxruntime's
 * BLAS sums in blocks: a kernel method's 90-term sum of large coefficients of both signs (a Gaussian
 * process, kernel ridge) came out 1e-6 apart. Weights of an MLP or a linear model are well within this.
 */
const MAX_DOT = 64;

/** The product's weights must be a constant (the graph's own matrix) with at most MAX_DOT rows summed. */
function checkWeights(ctx: NodeContext, transposed: boolean): void {
  const w = ctx.constant(1);
  if (!w || w.dims.length > 2)
    throw new Unsupported(`${ctx.what}: its second operand is not a constant matrix`);
  const k = w.dims.length === 1 ? (w.dims[0] as number) : ((transposed ? w.dims[1] : w.dims[0]) as number);
  if (k > MAX_DOT) throw new Unsupported(`${ctx.what}: a dot product of ${k} terms (over ${MAX_DOT})`);
}

const MATMUL: Factory = (ctx) => {
  ctx.checkAllRead();
  checkWeights(ctx, false);
  return ([a, b]) => {
    const x = need(a, ctx.what);
    const y = need(b, ctx.what);
    if (x.type !== y.type || !isFloat(x.type)) throw new CompiledRunError(`${ctx.what}: input types`);
    const xd = x.dims.length === 1 ? [1, x.dims[0] as number] : x.dims;
    const yd = y.dims.length === 1 ? [y.dims[0] as number, 1] : y.dims;
    if (xd.length !== 2 || yd.length !== 2)
      throw new CompiledRunError(`${ctx.what}: only 1-D and 2-D products`);
    const [m, k] = xd as [number, number];
    const [k2, n] = yd as [number, number];
    if (k !== k2) throw new CompiledRunError(`${ctx.what}: [${x.dims}] x [${y.dims}]`);
    const out = allocate(x.type, m * n) as Float64Array;
    matmul2(nums(x), nums(y), m, k, n, out);
    const dims = [...(x.dims.length === 1 ? [] : [m]), ...(y.dims.length === 1 ? [] : [n])];
    return [tensor(x.type, dims, out)];
  };
};

const GEMM: Factory = (ctx) => {
  const alpha = ctx.float('alpha', 1);
  const beta = ctx.float('beta', 1);
  const transA = ctx.int('transA', 0) === 1;
  const transB = ctx.int('transB', 0) === 1;
  ctx.checkAllRead();
  checkWeights(ctx, transB);
  return ([a, b, c]) => {
    const x = need(a, ctx.what);
    const y = need(b, ctx.what);
    if (x.type !== y.type || !isFloat(x.type) || x.dims.length !== 2 || y.dims.length !== 2)
      throw new CompiledRunError(`${ctx.what}: inputs`);
    const m = (transA ? x.dims[1] : x.dims[0]) as number;
    const k = (transA ? x.dims[0] : x.dims[1]) as number;
    const n = (transB ? y.dims[0] : y.dims[1]) as number;
    if (k !== (transB ? y.dims[1] : y.dims[0])) throw new CompiledRunError(`${ctx.what}: shapes`);
    const prod = new Float64Array(m * n);
    matmul2(nums(x), nums(y), m, k, n, prod, transA, transB);
    const out = allocate(x.type, m * n) as Float64Array;
    const round = x.type === DataType.FLOAT ? f32 : (v: number) => v;
    if (c) {
      const cs = nums(c);
      forEachBroadcast([m, n], c.dims, [m, n], (q, i, j) => {
        out[q] = round(alpha * round(prod[i] as number)) + round(beta * (cs[j] as number));
      });
    } else for (let q = 0; q < m * n; q++) out[q] = alpha * round(prod[q] as number);
    return [tensor(x.type, [m, n], out)];
  };
};

const CLIP: Factory = (ctx) => {
  if (ctx.opset < 11) throw new Unsupported(`${ctx.what} of opset ${ctx.opset}`);
  ctx.checkAllRead();
  return ([a, lo, hi]) => {
    const x = need(a, ctx.what);
    const min = lo ? (nums(lo)[0] as number) : Number.NEGATIVE_INFINITY;
    const max = hi ? (nums(hi)[0] as number) : Number.POSITIVE_INFINITY;
    const xs = nums(x);
    const out = allocate(x.type, xs.length) as Float64Array;
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i] as number;
      out[i] = v < min ? min : v > max ? max : v;
    }
    return [tensor(x.type, x.dims, out)];
  };
};

export const STANDARD_OPS: Record<string, Factory> = {
  ...UNARY,
  Add: binary(
    (a, b) => a + b,
    (a, b) => a + b,
  ),
  Sub: binary(
    (a, b) => a - b,
    (a, b) => a - b,
  ),
  Mul: binary(
    (a, b) => a * b,
    (a, b) => a * b,
  ),
  Div: binary((a, b) => a / b, intDiv),
  Pow: POW,
  Mod: MOD,
  Max: variadic(nanMax),
  Min: variadic(nanMin),
  Equal: comparison((a, b) => a === b, true),
  Greater: comparison((a, b) => a > b),
  Less: comparison((a, b) => a < b),
  GreaterOrEqual: comparison((a, b) => a >= b),
  LessOrEqual: comparison((a, b) => a <= b),
  And: logical((a, b) => a & b),
  Or: logical((a, b) => a | b),
  Xor: logical((a, b) => a ^ b),
  Not: NOT,
  IsNaN: predicate(Number.isNaN),
  IsInf: predicate((v) => v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY),
  Where: WHERE,
  Cast: CAST,
  Reshape: RESHAPE,
  Unsqueeze: UNSQUEEZE,
  Squeeze: SQUEEZE,
  Flatten: FLATTEN,
  Shape: SHAPE,
  Expand: EXPAND,
  Transpose: TRANSPOSE,
  Concat: CONCAT,
  Gather: GATHER,
  GatherElements: GATHER_ELEMENTS,
  Slice: SLICE,
  ReduceSum: reduction(0, (a, v) => a + v, undefined, 13),
  ReduceMean: reduction(
    0,
    (a, v) => a + v,
    (a, n) => a / n,
  ),
  ReduceMax: reduction(Number.NEGATIVE_INFINITY, nanMax),
  ReduceMin: reduction(Number.POSITIVE_INFINITY, nanMin),
  ReduceProd: reduction(1, (a, v) => a * v),
  ReduceSumSquare: reduction(0, (a, v) => a + v * v),
  ArgMax: argExtreme(
    (a, b) => a > b,
    (a, b) => a >= b,
  ),
  ArgMin: argExtreme(
    (a, b) => a < b,
    (a, b) => a <= b,
  ),
  Softmax: softmax(false),
  LogSoftmax: softmax(true),
  MatMul: MATMUL,
  Gemm: GEMM,
  Clip: CLIP,
};
