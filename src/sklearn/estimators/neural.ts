// Multi-layer perceptrons: each layer a MatMul and an Add (float32 or double, the user's choice), then
// its activation.
import { attr } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import { UnsupportedModelError } from '../errors.js';
import { affine, cast, double, type Family, type Flow, float, type Output, twoClasses } from '../flow.js';
import type { Estimator } from '../state.js';

const ACTIVATIONS: Record<string, string | null> = {
  relu: 'Relu',
  tanh: 'Tanh',
  logistic: 'Sigmoid',
  identity: null,
};

function mlp(est: Estimator, f: Flow): Output {
  const coefs = est.matrices('coefs_');
  const intercepts = est.matrices('intercepts_');
  const hidden = est.string('activation', 'relu');
  if (!(hidden in ACTIVATIONS))
    throw new UnsupportedModelError(`an ${est.name} with activation ${JSON.stringify(hidden)}`);
  const single = f.layers === 'float32';
  if (single) f.x = cast(f.b, f.x, DataType.FLOAT);
  coefs.forEach((w, i) => {
    f.x = affine(f, w, intercepts[i], false, single ? float : double);
    f.width = w.shape[1] as number;
    const op = i < coefs.length - 1 ? ACTIVATIONS[hidden] : null;
    if (op) f.x = f.b.op(op, [f.x]);
  });
  // The output activation in double, as everything after the layers.
  if (single) f.x = cast(f.b, f.x, DataType.DOUBLE);
  const out = est.string('out_activation_', 'identity');
  if (est.name === 'MLPRegressor') {
    if (f.width !== 1)
      throw new UnsupportedModelError(
        `an MLPRegressor with ${f.width} targets (not converted yet: docs/importing.md lists the models of several targets that are)`,
      );
    return { kind: 'value', name: f.x };
  }
  const classes = est.classes();
  if (out === 'softmax')
    return { kind: 'probabilities', name: f.b.op('Softmax', [f.x], [attr.int('axis', 1)]), classes };
  if (out === 'logistic' && f.width === 1 && classes.length === 2)
    return { kind: 'probabilities', name: twoClasses(f, f.b.op('Sigmoid', [f.x])), classes };
  throw new UnsupportedModelError(
    `an MLPClassifier with output ${out} over ${classes.length} classes (multi-label is not served)`,
  );
}

export const family: Family = {
  family: 'neural networks',
  finals: { MLPClassifier: mlp, MLPRegressor: mlp },
  parts: {
    AdamOptimizer: "an MLP's optimizer, kept for warm starts",
    SGDOptimizer: "an MLP's optimizer, kept for warm starts",
    LabelBinarizer: "an MLPClassifier's targets",
  },
};
