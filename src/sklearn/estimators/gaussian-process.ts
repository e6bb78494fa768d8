// GaussianProcessRegressor: its predictive mean, as predict gives it without return_std: the fitted
// kernel (kernel_) of the rows against X_train_ times alpha_, then undone normalize_y
// (* _y_train_std + _y_train_mean). The kernel is rebuilt from its tree of kernel objects: Sum,
// Product, Exponentiation over ConstantKernel, WhiteKernel (0 between distinct rows), RBF and Matern
// (scalar or per-feature length scales; nu 0.5, 1.5, 2.5, inf), RationalQuadratic, DotProduct.
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { double, type Family, type Flow, type Output, overRows } from '../flow.js';
import { againstPoints } from '../points.js';
import type { Estimator, Matrix } from '../state.js';
import { NdArray, NpScalar } from '../values.js';

const KERNELS = [
  'Sum',
  'Product',
  'Exponentiation',
  'ConstantKernel',
  'WhiteKernel',
  'RBF',
  'Matern',
  'RationalQuadratic',
  'DotProduct',
];

/** A kernel hyperparameter: a number, or one per feature (length scales). */
function values(k: Estimator, name: string, d: number): Float64Array {
  const v = k.raw(name);
  if (v instanceof NdArray) {
    const a = k.matrix(name).values;
    if (a.length !== 1 && a.length !== d)
      throw new ModelImportError(`the ${k.name}'s ${name} has ${a.length} values for ${d} features`);
    return a.length === 1 ? new Float64Array(d).fill(a[0] as number) : a;
  }
  const n = v instanceof NpScalar ? Number(v.value) : typeof v === 'number' ? v : Number.NaN;
  if (!Number.isFinite(n)) throw new ModelImportError(`the ${k.name}'s ${name} is not a number`);
  return new Float64Array(d).fill(n);
}

/** The kernel of the rows against the training rows [N, n] (or a scalar that broadcasts to it). */
function kernel(k: Estimator, f: Flow, train: Matrix, depth: number): string {
  if (depth > 32) throw new UnsupportedModelError('a Gaussian process kernel nested more than 32 deep');
  const { b } = f;
  const [n, d] = train.shape as [number, number];
  const scalar = (name: string, v: number) => double(b, b.fresh(name), [1], [v]);
  // Squared Euclidean distances between the rows and the training rows, each feature over its scale.
  const scaledDistances = (scale: Float64Array) => {
    const x = b.op('Div', [f.x, double(b, b.fresh('length_scale'), [1, d], scale)]);
    const points = Float64Array.from(train.values, (v, i) => v / (scale[i % d] as number));
    return againstPoints(b, x, { values: points, shape: [n, d] }, 'train').squaredDistances();
  };
  switch (k.name) {
    case 'Sum':
    case 'Product': {
      const a = kernel(k.estimator('k1'), f, train, depth + 1);
      const c = kernel(k.estimator('k2'), f, train, depth + 1);
      return b.op(k.name === 'Sum' ? 'Add' : 'Mul', [a, c]);
    }
    case 'Exponentiation':
      return b.op('Pow', [
        kernel(k.estimator('kernel'), f, train, depth + 1),
        scalar('exponent', k.number('exponent')),
      ]);
    case 'ConstantKernel':
      return scalar('constant', values(k, 'constant_value', 1)[0] as number);
    case 'WhiteKernel':
      // k(X, Y) for distinct X and Y: the noise is on the training rows' diagonal only.
      return scalar('white', 0);
    case 'RBF':
      return b.op('Exp', [
        b.op('Mul', [scaledDistances(values(k, 'length_scale', d)), scalar('half', -0.5)]),
      ]);
    case 'Matern': {
      const nu = k.number('nu', 1.5);
      const squared = scaledDistances(values(k, 'length_scale', d));
      if (nu === Number.POSITIVE_INFINITY) return b.op('Exp', [b.op('Mul', [squared, scalar('half', -0.5)])]);
      const dist = b.op('Sqrt', [squared]);
      if (nu === 0.5) return b.op('Exp', [b.op('Neg', [dist])]);
      if (nu === 1.5) {
        const t = b.op('Mul', [dist, scalar('sqrt3', Math.sqrt(3))]);
        return b.op('Mul', [b.op('Add', [t, scalar('one', 1)]), b.op('Exp', [b.op('Neg', [t])])]);
      }
      if (nu === 2.5) {
        const t = b.op('Mul', [dist, scalar('sqrt5', Math.sqrt(5))]);
        const poly = b.op('Add', [
          b.op('Add', [t, scalar('one', 1)]),
          b.op('Div', [b.op('Mul', [t, t]), scalar('three', 3)]),
        ]);
        return b.op('Mul', [poly, b.op('Exp', [b.op('Neg', [t])])]);
      }
      throw new UnsupportedModelError(
        `a Matern kernel with nu=${nu} (modelgate converts 0.5, 1.5, 2.5 and inf, whose forms are closed)`,
      );
    }
    case 'RationalQuadratic': {
      const alpha = k.number('alpha');
      const l = values(k, 'length_scale', 1)[0] as number;
      const squared = againstPoints(b, f.x, train, 'train').squaredDistances();
      const base = b.op('Add', [
        scalar('one', 1),
        b.op('Div', [squared, scalar('two_alpha_l2', 2 * alpha * l * l)]),
      ]);
      return b.op('Pow', [base, scalar('neg_alpha', -alpha)]);
    }
    case 'DotProduct': {
      const sigma = values(k, 'sigma_0', 1)[0] as number;
      return b.op('Add', [againstPoints(b, f.x, train, 'train').dot, scalar('sigma2', sigma * sigma)]);
    }
    default:
      throw new UnsupportedModelError(
        `a Gaussian process with the ${k.name} kernel (modelgate converts ${KERNELS.join(', ')})`,
      );
  }
}

function gaussianProcessRegressor(est: Estimator, f: Flow): Output {
  if (!est.has('kernel_') || !est.has('alpha_'))
    throw new ModelImportError('the GaussianProcessRegressor was not fitted');
  const train = est.matrix('X_train_');
  const [n, d] = train.shape.length === 2 ? (train.shape as [number, number]) : [0, 0];
  if (d !== f.width)
    throw new ModelImportError(
      `the GaussianProcessRegressor was fitted on ${d} features, but ${f.width} reach it`,
    );
  const alpha = est.matrix('alpha_');
  if (alpha.values.length !== n)
    throw new UnsupportedModelError(
      `a GaussianProcessRegressor of ${alpha.values.length / Math.max(n, 1)} targets (not converted yet: docs/importing.md lists the models of several targets that are)`,
    );
  const { b } = f;
  // A kernel of constants only is one number for every pair: spread over [N, n].
  const K = overRows(f, kernel(est.estimator('kernel_'), f, train, 0), n);
  let y = b.op('MatMul', [K, double(b, b.fresh('alpha'), [n, 1], alpha.values)]);
  const std = values(est, '_y_train_std', 1)[0] as number;
  const mean = values(est, '_y_train_mean', 1)[0] as number;
  y = b.op('Add', [
    b.op('Mul', [y, double(b, b.fresh('y_std'), [1], [std])]),
    double(b, b.fresh('y_mean'), [1], [mean]),
  ]);
  return { kind: 'value', name: y };
}

export const family: Family = {
  family: 'Gaussian processes',
  finals: { GaussianProcessRegressor: gaussianProcessRegressor },
  parts: Object.fromEntries(KERNELS.map((k) => [k, "a Gaussian process's fitted kernel"])),
};
