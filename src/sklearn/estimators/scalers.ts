// Scalers: one fitted value per column combined with each row (StandardScaler, MinMaxScaler, MaxAbsScaler,
// RobustScaler), in double precision as scikit-learn computes them.
import { throughStep } from '../columns.js';
import { ModelImportError } from '../errors.js';
import { double, type Family, type Flow } from '../flow.js';
import type { Estimator } from '../state.js';
import { PyTuple } from '../values.js';

const ELEMENTWISE: Record<string, (y: number, v: number) => number> = {
  Sub: (y, v) => y - v,
  Div: (y, v) => y / v,
  Mul: (y, v) => y * v,
  Add: (y, v) => y + v,
};

/**
 * The rows combined with one fitted value per column (a scaler's mean_, scale_, min_, center_): x op v.
 * Missing values pass through (scikit-learn's scalers keep NaN); the step is monotone where it adds or
 * subtracts a finite number, or multiplies or divides by a positive one.
 */
function perColumn(f: Flow, op: string, est: Estimator, attr: string): void {
  const values = est.matrix(attr).values;
  if (values.length !== f.width)
    throw new ModelImportError(
      `the ${est.name}'s ${attr} holds ${values.length} columns, but ${f.width} reach it`,
    );
  const name = f.b.fresh(attr.replace(/_$/, ''));
  f.x = f.b.op(op, [f.x, double(f.b, name, [1, f.width], values)]);
  const apply = ELEMENTWISE[op] as (y: number, v: number) => number;
  f.columns = f.columns.map((col, i) => {
    const v = values[i] as number;
    const monotone = Number.isFinite(v) && (op === 'Sub' || op === 'Add' || v > 0);
    return throughStep(col, (y) => apply(y, v), `a ${est.name}`, monotone);
  });
}

/** Every column clipped to [lo, hi] (Max then Min: onnxruntime's keep NaN, as numpy's clip does). */
function clipColumns(f: Flow, est: Estimator, lo: number, hi: number): void {
  f.x = f.b.op('Max', [f.x, double(f.b, f.b.fresh('low'), [1], [lo])]);
  f.x = f.b.op('Min', [f.x, double(f.b, f.b.fresh('high'), [1], [hi])]);
  const clip = (y: number) => (Number.isNaN(y) ? y : Math.min(Math.max(y, lo), hi));
  f.columns = f.columns.map((col) => throughStep(col, clip, `a ${est.name}`, true));
}

/**
 * StandardScaler: x - mean_ unless with_mean=False, then / scale_ unless with_std=False. mean_ is fitted
 * whenever the variance is (so with_mean=False still stores one): the flags decide, not the attributes.
 */
function standardScaler(est: Estimator, f: Flow): void {
  if (est.raw('with_mean') !== false && est.has('mean_')) perColumn(f, 'Sub', est, 'mean_');
  if (est.raw('with_std') !== false && est.has('scale_')) perColumn(f, 'Div', est, 'scale_');
}

function minMaxScaler(est: Estimator, f: Flow): void {
  perColumn(f, 'Mul', est, 'scale_');
  perColumn(f, 'Add', est, 'min_');
  if (est.raw('clip') === true) {
    const range = est.raw('feature_range');
    const [lo, hi] = range instanceof PyTuple ? range.items : Array.isArray(range) ? range : [];
    if (!Number.isFinite(Number(lo)) || !Number.isFinite(Number(hi)))
      throw new ModelImportError("the MinMaxScaler's feature_range is not two numbers");
    clipColumns(f, est, Number(lo), Number(hi));
  }
}

/** MaxAbsScaler: / scale_, then (scikit-learn 1.8's clip=True) clipped to [-1, 1]. */
function maxAbsScaler(est: Estimator, f: Flow): void {
  perColumn(f, 'Div', est, 'scale_');
  if (est.raw('clip') === true) clipColumns(f, est, -1, 1);
}

/** RobustScaler: - center_ unless with_centering=False, / scale_ unless with_scaling=False (each then None). */
function robustScaler(est: Estimator, f: Flow): void {
  if (est.raw('with_centering') !== false && est.has('center_')) perColumn(f, 'Sub', est, 'center_');
  if (est.raw('with_scaling') !== false && est.has('scale_')) perColumn(f, 'Div', est, 'scale_');
}

export const family: Family = {
  family: 'scalers',
  transformers: {
    StandardScaler: standardScaler,
    MinMaxScaler: minMaxScaler,
    MaxAbsScaler: maxAbsScaler,
    RobustScaler: robustScaler,
  },
};
