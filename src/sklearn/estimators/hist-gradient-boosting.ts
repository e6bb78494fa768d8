// HistGradientBoostingClassifier and HistGradientBoostingRegressor: the baseline plus every iteration's
// trees (float64 comparisons); categorical splits as ai.onnx.ml 5 TreeEnsemble nodes (hgb.ts).
import { attr } from '../../onnx/builder.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import { decisionColumns, type Family, type Flow, type Output, twoClasses } from '../flow.js';
import {
  CategoricalEnsemble,
  categoricalLayout,
  categoryValue,
  type PredictorNodes,
  predictorNodes,
} from '../hgb.js';
import { Estimator } from '../state.js';
import { Ensemble } from './trees.js';

/**
 * HistGradientBoosting: the baseline plus every iteration's trees, which compare the features as float64.
 * A model with categorical features takes the ai.onnx.ml 5 TreeEnsemble of hgb.ts; as the file's first
 * step its categorical columns arrive as the card's codes (in the numeric input, in feature order).
 */
function histGradientBoosting(est: Estimator, f: Flow): Output {
  const classifier = est.name === 'HistGradientBoostingClassifier';
  const iterations = est.raw('_predictors');
  if (!Array.isArray(iterations)) throw new ModelImportError(`the ${est.name} has no fitted trees`);
  const baseline = est.matrix('_baseline_prediction').values;
  const k = baseline.length;
  const layout = categoricalLayout(est, est.featureCount() ?? f.width);
  if (layout && layout.source.length !== f.width)
    throw new ModelImportError(
      `the ${est.name} takes ${layout.source.length} features, but ${f.width} reach it`,
    );
  const trees: { nodes: PredictorNodes; target: number }[] = [];
  for (const iteration of iterations) {
    if (!Array.isArray(iteration) || iteration.length !== k)
      throw new ModelImportError(`the ${est.name}'s trees are malformed`);
    iteration.forEach((p, target) => {
      const nodes = predictorNodes(est, Estimator.of(p, `a tree of the ${est.name}`));
      if (!layout && nodes.leftCodes.some((c) => c !== undefined))
        throw new UnsupportedModelError(
          `a ${est.name} with categorical splits and no categorical preprocessor (an older scikit-learn's file, whose trees test the raw values: refit it with scikit-learn 1.6 or later)`,
        );
      trees.push({ nodes, target });
    });
  }
  let raw: string;
  if (layout) {
    const feeds = f.feeds;
    let member = categoryValue(est);
    if (feeds) {
      // The first step: every feature, codes included, is a column of the numeric input in order.
      if (!feeds.numeric || feeds.place.some((p, i) => p.input !== 'numeric' || p.column !== i))
        throw new Error(`internal: the ${est.name}'s features are not all in the numeric input`);
      f.x = feeds.numeric;
      f.feeds = undefined;
      member = (_, code) => code;
    }
    const ens = new CategoricalEnsemble(est, layout, member);
    for (const t of trees) ens.add(t.nodes, t.target);
    raw = ens.apply(f.b, f.x, k, baseline);
  } else {
    const ens = new Ensemble();
    // Each leaf adds to its own class only: k - 1 zeros a leaf would add nothing.
    for (const { nodes, target } of trees)
      ens.add({ ...nodes, perNode: 1 }, (n) => [nodes.values[n] as number], target);
    raw = ens.apply(f, k, baseline, false);
  }
  if (!classifier) {
    const loss = est.string('loss', 'squared_error');
    const exp = loss === 'poisson' || loss === 'gamma';
    return { kind: 'value', name: exp ? f.b.op('Exp', [raw]) : raw, acceptsMissing: true };
  }
  const classes = est.classes();
  // The label: from scikit-learn 1.4 by the raw score (raw > 0 when binary, else its argmax), before
  // that the probabilities' argmax.
  const modern = est.savedBy(1, 4);
  if (k === 1)
    return {
      kind: 'probabilities',
      name: twoClasses(f, f.b.op('Sigmoid', [raw])),
      classes,
      acceptsMissing: true,
      ...(modern ? { labelScores: decisionColumns(f, raw) } : {}),
    };
  return {
    kind: 'probabilities',
    name: f.b.op('Softmax', [raw], [attr.int('axis', 1)]),
    classes,
    acceptsMissing: true,
    ...(modern ? { labelScores: raw } : {}),
  };
}

/** The losses and links of histogram gradient boosting, before scikit-learn 1.1 and after. */
const LOSSES = [
  'LeastSquares',
  'LeastAbsoluteDeviation',
  'BinaryCrossEntropy',
  'CategoricalCrossEntropy',
  'Poisson',
  'HalfBinomialLoss',
  'HalfMultinomialLoss',
  'HalfSquaredError',
  'HalfPoissonLoss',
  'HalfGammaLoss',
  'AbsoluteError',
  'PinballLoss',
  'HuberLoss',
  'CyHalfBinomialLoss',
  'CyHalfMultinomialLoss',
  'CyHalfSquaredError',
  'CyHalfPoissonLoss',
  'CyHalfGammaLoss',
  'CyAbsoluteError',
  'CyPinballLoss',
  'CyHuberLoss',
  'IdentityLink',
  'LogitLink',
  'LogLink',
  'MultinomialLogit',
  'HalfLogitLink',
  'Interval',
];

export const family: Family = {
  family: 'histogram gradient boosting',
  finals: {
    HistGradientBoostingClassifier: histGradientBoosting,
    HistGradientBoostingRegressor: histGradientBoosting,
  },
  parts: {
    ...Object.fromEntries(
      LOSSES.map((loss) => [loss, "a histogram gradient boosting model's loss and its link"]),
    ),
    TreePredictor: "a histogram gradient boosting model's trees",
    _BinMapper: "a histogram gradient boosting model's bins",
  },
};
