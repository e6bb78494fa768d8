// The ai.onnx.ml operators of the compiled evaluator that modelgate's own graphs use in front of and
// behind their estimators: Imputer, Scaler, LabelEncoder (opset 2's lists), and the tree ensembles.
import { DataType } from '../../onnx/proto.js';
import type { Kernel } from './node.js';
import type { Factory } from './ops.js';
import { allocate, isFloat, type Tensor, tensor } from './tensor.js';
import { TREE_ENSEMBLE, TREE_ENSEMBLE_REGRESSOR } from './trees.js';
import { CompiledRunError, Unsupported } from './unsupported.js';

const f32 = Math.fround;

/** Imputer over float rows: the replaced value (NaN by default) becomes each column's imputed value. */
const IMPUTER: Factory = (ctx): Kernel => {
  const values = ctx.floats('imputed_value_floats');
  const replaced = ctx.float('replaced_value_float', 0);
  if (ctx.ints('imputed_value_int64s')?.length || ctx.int('replaced_value_int64') !== undefined)
    throw new Unsupported(`${ctx.what} over integers`);
  if (!values || values.length === 0) throw new Unsupported(`${ctx.what} without imputed values`);
  const fill = Float32Array.from(values);
  const replacedNaN = Number.isNaN(replaced);
  const target = f32(replaced);
  return ([x]) => {
    if (!x || x.type !== DataType.FLOAT) throw new CompiledRunError(`${ctx.what} takes float rows`);
    const width = x.dims.length === 2 ? (x.dims[1] as number) : x.data.length;
    if (fill.length !== 1 && fill.length !== width)
      throw new CompiledRunError(`${ctx.what}: ${fill.length} imputed values for ${width} columns`);
    const xs = x.data as Float32Array;
    const out = new Float32Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i] as number;
      out[i] = (replacedNaN ? Number.isNaN(v) : v === target)
        ? (fill[fill.length === 1 ? 0 : i % width] as number)
        : v;
    }
    return [tensor(DataType.FLOAT, x.dims, out)];
  };
};

/** Scaler: (x - offset) * scale per column, answered in float32. */
const SCALER: Factory = (ctx): Kernel => {
  const offset = Float32Array.from(ctx.floats('offset') ?? []);
  const scale = Float32Array.from(ctx.floats('scale') ?? []);
  return ([x]) => {
    if (!x || !(isFloat(x.type) || x.type === DataType.INT64 || x.type === DataType.INT32))
      throw new CompiledRunError(`${ctx.what} takes numbers`);
    const width = x.dims.length === 2 ? (x.dims[1] as number) : x.data.length;
    const fits = (n: number) => n === 1 || n === width;
    if (!fits(offset.length) || !fits(scale.length))
      throw new CompiledRunError(
        `${ctx.what}: ${offset.length} offsets and ${scale.length} scales for ${width} columns`,
      );
    const xs = x.data as Float64Array;
    const out = new Float32Array(xs.length);
    const single = x.type === DataType.FLOAT;
    for (let i = 0; i < xs.length; i++) {
      const c = i % width;
      const o = offset[offset.length === 1 ? 0 : c] as number;
      const s = scale[scale.length === 1 ? 0 : c] as number;
      const d = (xs[i] as number) - o;
      out[i] = (single ? f32(d) : d) * s;
    }
    return [tensor(DataType.FLOAT, x.dims, out)];
  };
};

/** LabelEncoder with opset 2's key and value lists: strings to floats or integers, and back. */
const LABEL_ENCODER: Factory = (ctx): Kernel => {
  if (ctx.opset > 3) throw new Unsupported(`${ctx.what} of opset ${ctx.opset}`);
  const keyStrings = ctx.strings('keys_strings');
  const keyInts = ctx.ints('keys_int64s');
  const keyFloats = ctx.floats('keys_floats');
  const valueStrings = ctx.strings('values_strings');
  const valueInts = ctx.ints('values_int64s');
  const valueFloats = ctx.floats('values_floats');
  const defaultString = ctx.string('default_string', '_Unused');
  const defaultInt = ctx.int('default_int64', -1);
  const defaultFloat = ctx.float('default_float', -0);
  if (ctx.opset < 2) throw new Unsupported(`${ctx.what} of opset 1`);
  const keys = keyStrings ?? keyInts ?? keyFloats;
  const values = valueStrings ?? valueInts ?? valueFloats;
  if (!keys || !values || keys.length !== values.length)
    throw new Unsupported(`${ctx.what}: keys and values`);
  if (keyFloats?.some(Number.isNaN)) throw new Unsupported(`${ctx.what}: a NaN key`);
  const keyType = keyStrings ? DataType.STRING : keyInts ? DataType.INT64 : DataType.FLOAT;
  const valueType = valueStrings ? DataType.STRING : valueInts ? DataType.INT64 : DataType.FLOAT;
  const map = new Map<string | number, string | number>();
  keys.forEach((k, i) => {
    const key = keyType === DataType.FLOAT ? f32(k as number) : k;
    if (!map.has(key)) map.set(key, values[i] as string | number);
  });
  const fallback =
    valueType === DataType.STRING ? defaultString : valueType === DataType.INT64 ? defaultInt : defaultFloat;
  return ([x]) => {
    if (!x || x.type !== keyType) throw new CompiledRunError(`${ctx.what} takes type ${keyType}`);
    const xs = x.data as ArrayLike<string | number>;
    const out = allocate(valueType, xs.length) as (string | number)[];
    for (let i = 0; i < xs.length; i++) out[i] = map.get(xs[i] as string | number) ?? fallback;
    return [tensor(valueType, x.dims, out as Tensor['data'])];
  };
};

export const ML_OPS: Record<string, Factory> = {
  Imputer: IMPUTER,
  Scaler: SCALER,
  LabelEncoder: LABEL_ENCODER,
  TreeEnsembleRegressor: TREE_ENSEMBLE_REGRESSOR,
  TreeEnsemble: TREE_ENSEMBLE,
};
