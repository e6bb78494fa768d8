// SimpleImputer: NaN replaced by each column's fitted statistic (over string columns' codes: text.ts),
// with add_indicator=True its MissingIndicator's columns after them.
import { attr, tensor } from '../../onnx/builder.js';
import { type Column, throughImputer } from '../columns.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { double, type Family, type Flow } from '../flow.js';
import type { Estimator } from '../state.js';
import { imputeCodes } from '../text.js';
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

export const family: Family = {
  family: 'imputers',
  transformers: { SimpleImputer: simpleImputer },
  overCodes: ['SimpleImputer'],
};
