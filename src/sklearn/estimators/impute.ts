// SimpleImputer (NaN replaced by each column's fitted statistic; over string columns' codes: text.ts)
// and KNNImputer (by its nearest training rows'), with add_indicator=True their MissingIndicator's
// columns after them.
import { attr, tensor } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { type Column, throughImputer } from '../columns.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { cast, double, type Family, type Flow, gather } from '../flow.js';
import { elementsOf } from '../numpy.js';
import { Estimator } from '../state.js';
import { imputeCodes } from '../text.js';
import { NdArray, NpScalar, PyObject, PyTuple } from '../values.js';
import { indicatorColumns } from './preprocessing.js';

function simpleImputer(est: Estimator, f: Flow): void {
  if (f.codes) {
    if (est.has('indicator_'))
      throw new UnsupportedModelError('a SimpleImputer with add_indicator=True over string columns');
    imputeCodes(est, f);
    return;
  }
  const missing = est.raw('missing_values');
  if (!(typeof missing === 'number' && Number.isNaN(missing)))
    throw new UnsupportedModelError(
      'a SimpleImputer whose missing_values is not NaN (modelgate imputes NaN only)',
    );
  // add_indicator=True: the MissingIndicator's columns, of the values before imputing, after the rest.
  const indicator = est.has('indicator_') ? indicatorColumns(est.estimator('indicator_'), f) : undefined;
  const stats = est.matrix('statistics_').values;
  if (stats.length !== f.width)
    throw new ModelImportError(
      `the SimpleImputer was fitted on ${stats.length} features, ${f.width} reach it`,
    );
  const isMissing = f.b.op('IsNaN', [f.x]);
  f.x = f.b.op('Where', [isMissing, double(f.b, f.b.fresh('statistics'), [1, stats.length], stats), f.x]);
  f.columns = f.columns.map((col, i) => throughImputer(col, stats[i] as number));
  // Columns that were empty when fitted have no statistic and are dropped, as scikit-learn does.
  const kept = [...stats.keys()].filter((i) => !Number.isNaN(stats[i] as number));
  if (kept.length < stats.length && !est.raw('keep_empty_features')) {
    f.x = f.b.op(
      'Gather',
      [f.x, f.b.constant(tensor.int64(f.b.fresh('kept'), [kept.length], kept))],
      [attr.int('axis', 1)],
    );
    f.width = kept.length;
    f.columns = kept.map((i) => f.columns[i] as Column);
  }
  if (indicator && indicator.columns.length > 0) {
    f.x = f.b.op('Concat', [f.x, indicator.x], [attr.int('axis', 1)]);
    f.width += indicator.columns.length;
    f.columns = [...f.columns, ...indicator.columns];
  }
}

/**
 * KNNImputer: each missing value the mean of that column over the row's k nearest training rows that
 * have it (uniform, or weighted by 1 / distance with an exact match taking all the weight), by the
 * nan_euclidean distance: the squared differences over the coordinates both rows have, scaled by
 * all / present coordinates. A row sharing no coordinate with any donor gets the column's mean.
 * The distances are scikit-learn's algebra (x² · present - 2 x · y + present · y², as MatMuls).
 */
function knnImputer(est: Estimator, f: Flow): void {
  const missing = est.raw('missing_values');
  if (!(typeof missing === 'number' && Number.isNaN(missing)))
    throw new UnsupportedModelError(
      'a KNNImputer whose missing_values is not NaN (modelgate imputes NaN only)',
    );
  if (est.string('metric', 'nan_euclidean') !== 'nan_euclidean')
    throw new UnsupportedModelError(
      'a KNNImputer with a metric of its own (modelgate computes nan_euclidean)',
    );
  const weights = est.string('weights', 'uniform');
  if (weights !== 'uniform' && weights !== 'distance')
    throw new UnsupportedModelError(`a KNNImputer with weights=${JSON.stringify(weights)}`);
  const fit = est.matrix('_fit_X');
  const [m, d] = fit.shape as [number, number];
  if (fit.shape.length !== 2 || d !== f.width)
    throw new ModelImportError(`the KNNImputer was fitted on ${fit.shape[1]} features, ${f.width} reach it`);
  const k = est.number('n_neighbors', 5);
  const indicator = est.has('indicator_') ? indicatorColumns(est.estimator('indicator_'), f) : undefined;
  const b = f.b;
  const at = (r: number, c: number) => fit.values[r * d + c] as number;
  const present = (r: number, c: number) => !Number.isNaN(at(r, c));
  // [d, m] matrices of the training rows: values with NaN as 0, their squares, and 1 where present.
  const yT = new Float64Array(d * m);
  const yyT = new Float64Array(d * m);
  const pT = new Float64Array(d * m);
  for (let r = 0; r < m; r++)
    for (let c = 0; c < d; c++) {
      const v = present(r, c) ? at(r, c) : 0;
      yT[c * m + r] = v;
      yyT[c * m + r] = v * v;
      pT[c * m + r] = present(r, c) ? 1 : 0;
    }
  const zero = double(b, b.fresh('zero'), [1], [0]);
  const isMissing = b.op('IsNaN', [f.x]);
  const x0 = b.op('Where', [isMissing, zero, f.x]);
  const px = cast(b, b.op('Not', [isMissing]), DataType.DOUBLE);
  const constant = (name: string, values: Float64Array) => double(b, b.fresh(name), [d, m], values);
  let squared = b.op('Add', [
    b.op('Sub', [
      b.op('MatMul', [b.op('Mul', [x0, x0]), constant('present', pT)]),
      b.op('Mul', [double(b, b.fresh('two'), [1], [2]), b.op('MatMul', [x0, constant('fit', yT)])]),
    ]),
    b.op('MatMul', [px, constant('fit_squared', yyT)]),
  ]);
  squared = b.op('Max', [squared, zero]);
  const count = b.op('MatMul', [px, constant('present', pT)]);
  const none = b.op('Equal', [count, zero]);
  const scaled = b.op('Mul', [
    b.op('Div', [squared, b.op('Max', [count, double(b, b.fresh('one'), [1], [1])])]),
    double(b, b.fresh('width'), [1], [d]),
  ]);
  const distance = b.op('Sqrt', [scaled]);
  const valid = Array.from({ length: d }, (_, c) =>
    Array.from({ length: m }, (_, r) => r).some((r) => present(r, c)),
  );
  const columns: string[] = [];
  const notes: Column[] = [];
  const keepEmpty = est.raw('keep_empty_features') === true;
  for (let c = 0; c < d; c++) {
    const column = gather(b, f.x, [c]);
    if (!valid[c]) {
      if (keepEmpty) {
        columns.push(b.op('Mul', [b.op('Where', [b.op('IsNaN', [column]), zero, column]), zero]));
        notes.push({ nanFrom: [] });
      }
      continue;
    }
    const donors = Array.from({ length: m }, (_, r) => r).filter((r) => present(r, c));
    const values = donors.map((r) => at(r, c));
    const n = Math.min(k, donors.length);
    const dd = gather(b, distance, donors);
    const noShared = gather(b, none, donors);
    // NaN distances (no coordinate shared) sort last, as numpy's argpartition puts them.
    const big = double(b, b.fresh('inf'), [1], [Number.POSITIVE_INFINITY]);
    const ranked = b.op('Where', [noShared, big, dd]);
    const [nearest, index] = b.node(
      'TopK',
      [ranked, b.constant(tensor.int64(b.fresh('k'), [1], [n]))],
      [attr.int('largest', 0), attr.int('sorted', 1)],
      { outputs: 2 },
    ) as [string, string];
    const neighbour = b.op(
      'Gather',
      [double(b, b.fresh('donors'), [values.length], values), index],
      [attr.int('axis', 0)],
    );
    const unreachable = b.op('IsInf', [nearest]);
    let w: string;
    if (weights === 'uniform') w = b.op('Where', [unreachable, zero, double(b, b.fresh('one'), [1], [1])]);
    else {
      // 1 / distance; where a donor is at distance 0 the row's weights are 1 there and 0 elsewhere.
      const exact = b.op('Equal', [nearest, zero]);
      const anyExact = b.op(
        'ReduceMax',
        [cast(b, exact, DataType.DOUBLE)],
        [attr.ints('axes', [1]), attr.int('keepdims', 1)],
      );
      const inverse = b.op('Where', [unreachable, zero, b.op('Reciprocal', [nearest])]);
      w = b.op('Where', [b.op('Greater', [anyExact, zero]), cast(b, exact, DataType.DOUBLE), inverse]);
    }
    const axes = b.constant(tensor.int64(b.fresh('axes'), [1], [1]));
    const mean = b.op('Div', [
      b.op('ReduceSum', [b.op('Mul', [w, neighbour]), axes], [attr.int('keepdims', 1)]),
      b.op('ReduceSum', [w, axes], [attr.int('keepdims', 1)]),
    ]);
    // A row that shares no coordinate with any donor: the column's mean over the training rows.
    let sum = 0;
    for (const v of values) sum += v;
    const allFar = b.op(
      'ReduceMin',
      [cast(b, unreachable, DataType.DOUBLE)],
      [attr.ints('axes', [1]), attr.int('keepdims', 1)],
    );
    const filled = b.op('Where', [
      b.op('Greater', [allFar, zero]),
      double(b, b.fresh('mean'), [1], [sum / values.length]),
      mean,
    ]);
    columns.push(b.op('Where', [b.op('IsNaN', [column]), filled, column]));
    // A filled value depends on the row's other features: no longer one feature's image.
    notes.push({ nanFrom: [] });
  }
  if (indicator && indicator.columns.length > 0) {
    columns.push(indicator.x);
    notes.push(...indicator.columns);
  }
  if (columns.length === 0) throw new UnsupportedModelError('a KNNImputer that keeps no column');
  f.x = columns.length === 1 ? (columns[0] as string) : b.op('Concat', columns, [attr.int('axis', 1)]);
  f.columns = notes;
  f.width = notes.length;
}

/** A fitted estimator's answers [N, 1] over the flow's columns: through the dispatch, or BayesianRidge's own. */
function predictions(est: Estimator, f: Flow): string {
  if (est.name === 'BayesianRidge' && !f.dispatch.hasFinal('BayesianRidge')) {
    // BayesianRidge.predict without return_std: X . coef_ + intercept_.
    const coef = est.matrix('coef_').values;
    if (coef.length !== f.width)
      throw new ModelImportError(`the BayesianRidge takes ${coef.length} features, ${f.width} reach it`);
    return f.b.op('Add', [
      f.b.op('MatMul', [f.x, double(f.b, f.b.fresh('coef'), [f.width, 1], coef)]),
      double(f.b, f.b.fresh('intercept'), [1], [est.number('intercept_')]),
    ]);
  }
  const out = f.dispatch.final(est, f);
  if (out.kind !== 'value')
    throw new UnsupportedModelError(`an IterativeImputer over ${est.name}, which is not a regressor`);
  return f.b.op('Reshape', [out.name, f.b.constant(tensor.int64(f.b.fresh('column'), [2], [-1, 1]))]);
}

/**
 * IterativeImputer (sample_posterior=False): its initial SimpleImputer, then every fitted round in
 * imputation_sequence_: the feature's estimator predicts it from its neighbour features, clipped to
 * [min_value, max_value], written where the feature was missing. Empty training columns are dropped
 * (or kept as their initial fill), add_indicator appends the MissingIndicator's columns.
 */
function iterativeImputer(est: Estimator, f: Flow): void {
  if (est.raw('sample_posterior') === true)
    throw new UnsupportedModelError(
      'an IterativeImputer with sample_posterior=True (it draws each imputed value at random)',
    );
  const missing = est.raw('missing_values');
  if (!(typeof missing === 'number' && Number.isNaN(missing)))
    throw new UnsupportedModelError(
      'an IterativeImputer whose missing_values is not NaN (modelgate imputes NaN only)',
    );
  const indicator = est.has('indicator_') ? indicatorColumns(est.estimator('indicator_'), f) : undefined;
  const b = f.b;
  const input = f.x;
  const initial: Flow = { ...f, columns: [...f.columns] };
  simpleImputer(est.estimator('initial_imputer_'), initial);
  // The columns of the initial fill that the rounds work on: the empty ones dropped unless kept.
  const empty = est.raw('_is_empty_feature');
  const isEmpty = empty instanceof NdArray ? elementsOf(empty).map(Boolean) : new Array(f.width).fill(false);
  const valid = [...isEmpty.keys()].filter((i) => !isEmpty[i]);
  const kept = est.raw('keep_empty_features') === true ? [...isEmpty.keys()] : valid;
  if (initial.width !== kept.length)
    throw new ModelImportError(
      "the IterativeImputer's initial imputer does not keep the columns it works on",
    );
  let xt = initial.x;
  const d = kept.length;
  // Missing where the input was, on the columns kept; never on an empty column kept (it stays filled).
  let mask = b.op('IsNaN', [gather(b, input, kept)]);
  const notEmpty = kept.map((i) => (isEmpty[i] ? 0 : 1));
  mask = b.op('And', [mask, cast(b, double(b, b.fresh('not_empty'), [1, d], notEmpty), DataType.BOOL)]);
  const low = est.matrix('_min_value').values;
  const high = est.matrix('_max_value').values;
  const rounds = est.raw('imputation_sequence_');
  if (!Array.isArray(rounds)) throw new ModelImportError('the IterativeImputer has no imputation_sequence_');
  if (est.number('n_iter_', 0) > 0 && !isEmpty.every(Boolean))
    for (const triplet of rounds) {
      const items =
        triplet instanceof PyObject ? triplet.args : triplet instanceof PyTuple ? triplet.items : [];
      const fields = items.length === 1 && items[0] instanceof PyTuple ? items[0].items : items;
      const [feat, neighbours, model] = fields;
      const at = Number(feat instanceof NpScalar ? feat.value : feat);
      const from =
        neighbours instanceof NdArray
          ? elementsOf(neighbours).map((v) => Number(v instanceof NpScalar ? v.value : v))
          : [];
      if (
        !Number.isInteger(at) ||
        at < 0 ||
        at >= d ||
        from.length === 0 ||
        from.some((i) => !(i >= 0 && i < d))
      )
        throw new ModelImportError(
          "the IterativeImputer's imputation_sequence_ names features it does not have",
        );
      const sub: Flow = {
        ...f,
        x: gather(b, xt, from),
        width: from.length,
        columns: from.map(() => ({ nanFrom: [] })),
      };
      let y = predictions(Estimator.of(model ?? null, "the IterativeImputer's estimator"), sub);
      y = b.op('Min', [
        b.op('Max', [y, double(b, b.fresh('min_value'), [1], [low[at] ?? -Infinity])]),
        double(b, b.fresh('max_value'), [1], [high[at] ?? Infinity]),
      ]);
      const one = Array.from({ length: d }, (_, i) => (i === at ? 1 : 0));
      const here = b.op('And', [mask, cast(b, double(b, b.fresh('feature'), [1, d], one), DataType.BOOL)]);
      xt = b.op('Where', [here, y, xt]);
    }
  const notes: Column[] = kept.map(() => ({ nanFrom: [] }));
  f.x = xt;
  f.width = d;
  f.columns = notes;
  if (indicator && indicator.columns.length > 0) {
    f.x = b.op('Concat', [f.x, indicator.x], [attr.int('axis', 1)]);
    f.width += indicator.columns.length;
    f.columns = [...f.columns, ...indicator.columns];
  }
}

export const family: Family = {
  family: 'imputers',
  transformers: { SimpleImputer: simpleImputer, KNNImputer: knnImputer, IterativeImputer: iterativeImputer },
  parts: {
    _ImputerTriplet: "an IterativeImputer's fitted step (a feature, its neighbours, their estimator)",
    BayesianRidge: "an IterativeImputer's default estimator (its predictions, X . coef_ + intercept_)",
  },
  overCodes: ['SimpleImputer'],
};
