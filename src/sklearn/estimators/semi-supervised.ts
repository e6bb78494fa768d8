// LabelPropagation and LabelSpreading: predict_proba is the rbf kernel of the rows against the training
// rows (X_) times the fitted label_distributions_, each row over its sum; predict is its argmax. A row
// whose kernel is 0 against every training row (far from all of them, for the kernel's gamma) has no
// distribution: scikit-learn answers NaN there, and modelgate refuses the row.
import { attr, tensor } from '../../onnx/builder.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { double, type Family, type Flow, type Output } from '../flow.js';
import type { Estimator } from '../state.js';
import { kernelAgainst, shapeOf } from './decomposition.js';

function labelPropagation(est: Estimator, f: Flow): Output {
  const kernel = est.raw('kernel');
  if (kernel !== 'rbf')
    throw new UnsupportedModelError(
      `a ${est.name} with the ${typeof kernel === 'string' ? JSON.stringify(kernel) : 'callable'} kernel (modelgate converts rbf; the knn kernel's neighbour search is not reproduced yet)`,
    );
  const fit = est.matrix('X_');
  const [n, d] = shapeOf(est, 'X_', fit);
  if (d !== f.width)
    throw new ModelImportError(`the ${est.name} was fitted on ${d} features, but ${f.width} reach it`);
  const classes = est.classes();
  const k = classes.length;
  const labels = est.matrix('label_distributions_');
  if (labels.values.length !== n * k)
    throw new ModelImportError(
      `the ${est.name}'s label_distributions_ has ${labels.values.length} values, not ${n} rows of ${k} classes`,
    );
  const { b } = f;
  const K = kernelAgainst(f, fit, 'rbf', est.number('gamma', 20), 0, 3);
  const p = b.op('MatMul', [K, double(b, b.fresh('label_distributions'), [n, k], labels.values)]);
  const total = b.op(
    'ReduceSum',
    [p, b.constant(tensor.int64(b.fresh('axes'), [1], [1]))],
    [attr.int('keepdims', 1)],
  );
  f.rules.refusedRows.push({
    rows: b.op('Equal', [total, double(b, b.fresh('zero'), [1], [0])]),
    because: `its rbf kernel against every training row of the ${est.name} is 0, where scikit-learn's probabilities are NaN`,
  });
  return { kind: 'probabilities', name: b.op('Div', [p, total]), classes };
}

export const family: Family = {
  family: 'semi-supervised',
  finals: { LabelPropagation: labelPropagation, LabelSpreading: labelPropagation },
  parts: {
    NearestNeighbors: "a LabelPropagation's or LabelSpreading's knn kernel (its nn_fit)",
  },
};
