// Discriminant analysis. LinearDiscriminantAnalysis: a linear decision function (coef_, intercept_), the
// label by it as LinearClassifierMixin.predict takes it, the probabilities as its predict_proba gives them
// (binary: the sigmoid of the decision; 3+ classes: the softmax), whichever solver fitted it; as a Pipeline
// step, its transform. QuadraticDiscriminantAnalysis: each class's log posterior from its rotation and
// scalings, the label by their argmax, the probabilities their softmax.
import { attr, tensor } from '../../onnx/builder.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { affine, decisionLabels, double, type Family, type Flow, type Output, twoClasses } from '../flow.js';
import type { Estimator, Matrix } from '../state.js';

function linearDiscriminant(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const scores = affine(f, est.matrix('coef_'), est.matrix('intercept_'), true);
  const binary = classes.length === 2;
  const labelScores = decisionLabels(f, scores, binary);
  const name = binary
    ? twoClasses(f, f.b.op('Sigmoid', [scores]))
    : f.b.op('Softmax', [scores], [attr.int('axis', 1)]);
  return { kind: 'probabilities', name, classes, labelScores };
}

/** The first `count` columns of a [rows, cols] matrix. */
function leftColumns(m: Matrix, count: number): Matrix {
  const [rows, cols] = m.shape as [number, number];
  const values = new Float64Array(rows * count);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < count; j++) values[i * count + j] = m.values[i * cols + j] as number;
  return { values, shape: [rows, count] };
}

/**
 * LinearDiscriminantAnalysis.transform: (X - xbar_) · scalings_ (svd) or X · scalings_ (eigen), its first
 * _max_components columns; scikit-learn has no transform for the lsqr solver.
 */
function linearDiscriminantTransform(est: Estimator, f: Flow): void {
  const solver = est.string('solver', 'svd');
  if (solver !== 'svd' && solver !== 'eigen')
    throw new UnsupportedModelError(
      `a ${est.name} with solver=${JSON.stringify(solver)} as a step (scikit-learn's transform refuses it)`,
    );
  const scalings = est.matrix('scalings_');
  if (scalings.shape.length !== 2) throw new ModelImportError(`the ${est.name}'s scalings_ is not a matrix`);
  const available = scalings.shape[1] as number;
  const count = Math.min(est.number('_max_components', available), available);
  let x = f.x;
  if (solver === 'svd') {
    const mean = est.matrix('xbar_');
    x = f.b.op('Sub', [x, double(f.b, f.b.fresh('xbar'), [mean.values.length], mean.values)]);
  }
  const nanFrom = [...new Set(f.columns.flatMap((c) => c.nanFrom))];
  f.x = affine({ ...f, x }, leftColumns(scalings, count), undefined, false);
  f.width = count;
  f.columns = Array.from({ length: count }, () => ({ nanFrom }));
}

/**
 * QuadraticDiscriminantAnalysis: for class i, -½ (|(x - μ_i) · R_i S_i^-½|² + Σ log S_i) + log prior_i,
 * as _decision_function computes it; R_i is [d, r_i] (r_i the class's rank), so each class is its own
 * product.
 */
function quadraticDiscriminant(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const k = classes.length;
  const means = est.matrix('means_');
  const rotations = est.matrices('rotations_');
  const scalings = est.matrices('scalings_');
  const priors = est.matrix('priors_').values;
  const d = f.width;
  if (means.values.length !== k * d || rotations.length !== k || scalings.length !== k || priors.length !== k)
    throw new ModelImportError(
      `the ${est.name}'s means_, rotations_, scalings_ and priors_ do not hold ${k} classes of ${d} features`,
    );
  const { b } = f;
  const axes = b.constant(tensor.int64(b.fresh('axes'), [1], [1]));
  const columns: string[] = [];
  const offset = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const r = rotations[i] as Matrix;
    const s = (scalings[i] as Matrix).values;
    const rank = s.length;
    if (r.shape.length !== 2 || r.shape[0] !== d || r.shape[1] !== rank)
      throw new ModelImportError(
        `the ${est.name}'s rotation of class ${i} of shape (${r.shape.join(', ')}) does not match its ${rank} scalings`,
      );
    const w = new Float64Array(d * rank);
    for (let a = 0; a < d; a++)
      for (let c = 0; c < rank; c++)
        w[a * rank + c] = (r.values[a * rank + c] as number) * (s[c] as number) ** -0.5;
    let logs = 0;
    for (const v of s) logs += Math.log(v);
    offset[i] = logs;
    const centred = b.op('Sub', [
      f.x,
      double(b, b.fresh('mean'), [d], means.values.subarray(i * d, (i + 1) * d)),
    ]);
    const x2 = b.op('MatMul', [centred, double(b, b.fresh('rotation'), [d, rank], w)]);
    columns.push(b.op('ReduceSum', [b.op('Mul', [x2, x2]), axes], [attr.int('keepdims', 1)]));
  }
  const norm2 = k === 1 ? (columns[0] as string) : b.op('Concat', columns, [attr.int('axis', 1)]);
  const scores = b.op('Add', [
    b.op('Mul', [
      b.op('Add', [norm2, double(b, b.fresh('logdet'), [k], offset)]),
      double(b, b.fresh('half'), [1], [-0.5]),
    ]),
    double(b, b.fresh('logprior'), [k], Array.from(priors, Math.log)),
  ]);
  return {
    kind: 'probabilities',
    name: b.op('Softmax', [scores], [attr.int('axis', 1)]),
    classes,
    labelScores: scores,
  };
}

export const family: Family = {
  family: 'discriminant analysis',
  transformers: { LinearDiscriminantAnalysis: linearDiscriminantTransform },
  finals: {
    LinearDiscriminantAnalysis: linearDiscriminant,
    QuadraticDiscriminantAnalysis: quadraticDiscriminant,
  },
  // A covariance_estimator is fitted once in fit; predict reads only what fit derived from it.
  parts: Object.fromEntries(
    ['EmpiricalCovariance', 'ShrunkCovariance', 'LedoitWolf', 'OAS'].map((name) => [
      name,
      "a discriminant analysis's covariance_estimator",
    ]),
  ),
};
