// KernelRidge: the kernel of the rows against the training rows (X_fit_) times dual_coef_, as predict
// computes it, for the kernels pairwise_kernels names: linear, rbf, polynomial (poly), sigmoid, cosine;
// gamma None is 1 / n_features, as scikit-learn's kernels take it.
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { double, type Family, type Flow, type Output } from '../flow.js';
import type { Estimator } from '../state.js';
import { kernelAgainst, PAIRWISE_KERNELS, shapeOf } from './decomposition.js';

function kernelRidge(est: Estimator, f: Flow): Output {
  const name = est.raw('kernel');
  const kernel = typeof name === 'string' ? PAIRWISE_KERNELS[name] : undefined;
  if (!kernel)
    throw new UnsupportedModelError(
      `a KernelRidge with the ${typeof name === 'string' ? JSON.stringify(name) : 'callable'} kernel (modelgate converts ${Object.keys(PAIRWISE_KERNELS).join(', ')})`,
    );
  const params = est.raw('kernel_params');
  if (params !== null && params !== undefined)
    throw new UnsupportedModelError('a KernelRidge with kernel_params');
  const fit = est.matrix('X_fit_');
  const [n, d] = shapeOf(est, 'X_fit_', fit);
  if (d !== f.width)
    throw new ModelImportError(`the KernelRidge was fitted on ${d} features, but ${f.width} reach it`);
  const dual = est.matrix('dual_coef_');
  if (dual.values.length !== n)
    throw new UnsupportedModelError(
      `a KernelRidge of ${dual.values.length / n} targets (not converted yet: docs/importing.md lists the models of several targets that are)`,
    );
  const gamma = est.raw('gamma') === null || est.raw('gamma') === undefined ? 1 / d : est.number('gamma');
  const K = kernelAgainst(f, fit, kernel, gamma, est.number('coef0', 1), est.number('degree', 3));
  const value = f.b.op('MatMul', [K, double(f.b, f.b.fresh('dual_coef'), [n, 1], dual.values)]);
  return { kind: 'value', name: value };
}

export const family: Family = {
  family: 'kernel ridge',
  finals: { KernelRidge: kernelRidge },
};
