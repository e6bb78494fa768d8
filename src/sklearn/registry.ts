// The one list of what modelgate converts: every estimator family module (src/sklearn/estimators/)
// declares its classes, and both the converter's dispatch and the pickle allowlist (globals.ts) are
// derived from here. Adding an estimator is one family entry (and its parity cases); a class no family
// declares is neither converted nor rebuilt from a pickle.
import { UnsupportedModelError } from './errors.js';
import { family as calibration } from './estimators/calibration.js';
import { family as cluster } from './estimators/cluster.js';
import { family as compose } from './estimators/compose.js';
import { family as crossDecomposition } from './estimators/cross-decomposition.js';
import { family as decomposition } from './estimators/decomposition.js';
import { family as discriminant } from './estimators/discriminant.js';
import { family as dummy } from './estimators/dummy.js';
import { family as encoders } from './estimators/encoders.js';
import { family as ensembles } from './estimators/ensembles.js';
import { family as gaussianProcess } from './estimators/gaussian-process.js';
import { family as gradientBoosting } from './estimators/gradient-boosting.js';
import { family as histGradientBoosting } from './estimators/hist-gradient-boosting.js';
import { family as impute } from './estimators/impute.js';
import { family as kernelRidge } from './estimators/kernel-ridge.js';
import { family as lightgbm } from './estimators/lightgbm.js';
import { family as linear } from './estimators/linear.js';
import { family as mixture } from './estimators/mixture.js';
import { family as modelSelection } from './estimators/model-selection.js';
import { family as multiclass } from './estimators/multiclass.js';
import { family as naiveBayes } from './estimators/naive-bayes.js';
import { family as neighbors } from './estimators/neighbors.js';
import { family as neural } from './estimators/neural.js';
import { family as outliers } from './estimators/outliers.js';
import { family as preprocessing } from './estimators/preprocessing.js';
import { family as scalers } from './estimators/scalers.js';
import { family as selection } from './estimators/selection.js';
import { family as semiSupervised } from './estimators/semi-supervised.js';
import { family as svm } from './estimators/svm.js';
import { family as target } from './estimators/target.js';
import { family as text } from './estimators/text.js';
import { family as trees } from './estimators/trees.js';
import { family as xgboost } from './estimators/xgboost.js';
import type { Answer, Dispatch, Family, Final, Flow, Output, Transform } from './flow.js';
import type { Estimator } from './state.js';

export const FAMILIES: readonly Family[] = [
  compose,
  impute,
  scalers,
  encoders,
  preprocessing,
  text,
  decomposition,
  selection,
  linear,
  naiveBayes,
  crossDecomposition,
  discriminant,
  neural,
  trees,
  gradientBoosting,
  histGradientBoosting,
  svm,
  kernelRidge,
  gaussianProcess,
  neighbors,
  modelSelection,
  lightgbm,
  xgboost,
  dummy,
  ensembles,
  multiclass,
  calibration,
  target,
  cluster,
  mixture,
  outliers,
  semiSupervised,
];

/** The family that declares each converted class. */
const declared = new Map<string, Family>();

/** One kind of converter over every family; a class declared twice is a programming error. */
function gather<T>(pick: (f: Family) => Record<string, T> | undefined): Map<string, T> {
  const out = new Map<string, T>();
  for (const family of FAMILIES)
    for (const [name, value] of Object.entries(pick(family) ?? {})) {
      const other = declared.get(name);
      // A family may declare one class both as a step and as the final estimator (LinearDiscriminantAnalysis).
      if (other && other !== family)
        throw new Error(`internal: ${name} is declared by both ${other.family} and ${family.family}`);
      declared.set(name, family);
      out.set(name, value);
    }
  return out;
}

const TRANSFORMERS = gather((f) => f.transformers);
const FINALS = gather((f) => f.finals);
const WRAPPERS = gather((f) => f.wrappers);
const OVER_CODES = new Set(FAMILIES.flatMap((f) => f.overCodes ?? []));

/** The classes a Pipeline holds as a whole: its steps are converted one by one. */
const CONTAINERS = ['Pipeline'];

/** Every scikit-learn class modelgate converts, in the families' order (docs/importing.md's table). */
export const CONVERTED_CLASSES: readonly string[] = [
  ...new Set([...CONTAINERS, ...TRANSFORMERS.keys(), ...FINALS.keys(), ...WRAPPERS.keys()]),
];

/** Classes rebuilt from a pickle as parts of a converted estimator's state, with what holds each. */
export const PART_CLASSES: ReadonlyMap<string, string> = new Map(
  FAMILIES.flatMap((f) => Object.entries(f.parts ?? {})).filter(
    ([name]) => !CONVERTED_CLASSES.includes(name),
  ),
);

/** Classes of other libraries (module.name) rebuilt from a pickle, with what each is. */
export const FOREIGN_CLASSES: ReadonlyMap<string, string> = new Map(
  FAMILIES.flatMap((f) => Object.entries(f.foreign ?? {})),
);

/** scikit-learn functions a fitted state may name (never called), with what names each. */
export const REFERENCED_NAMES: ReadonlyMap<string, string> = new Map(
  FAMILIES.flatMap((f) => Object.entries(f.references ?? {})),
);

/** Known scikit-learn classes refused as they are read, each with its one-line reason. */
export const REFUSED_CLASSES: ReadonlyMap<string, string> = new Map(
  FAMILIES.flatMap((f) => Object.entries(f.refused ?? {})),
);

/** The steps of an estimator, outermost first: a Pipeline's flattened, or the one estimator. */
function steps(root: Estimator): Estimator[] {
  const unwrap = WRAPPERS.get(root.name);
  if (unwrap) return steps(unwrap(root));
  return root.name === 'Pipeline' ? root.steps().flatMap((s) => steps(s.estimator)) : [root];
}

/** Why a declared class cannot stand where the file puts it (the classes are listed in docs/importing.md). */
function misplaced(name: string, where: 'step' | 'final'): UnsupportedModelError {
  const part = PART_CLASSES.get(name);
  if (part) return new UnsupportedModelError(`a ${name} on its own (modelgate reads one as ${part})`);
  if (where === 'step')
    return new UnsupportedModelError(
      FINALS.has(name)
        ? `a ${name} before the last step of a Pipeline (it converts as the final estimator only)`
        : `a ${name} step`,
    );
  return new UnsupportedModelError(
    TRANSFORMERS.has(name)
      ? `a ${name} as the model (a transformer: modelgate serves a Pipeline that ends in a classifier or regressor)`
      : `a ${name} as the model`,
  );
}

/** The estimator as the card names it: `Pipeline(StandardScaler, SVC)`, `GridSearchCV(LogisticRegression)`. */
export function describe(root: Estimator): string {
  const unwrap = WRAPPERS.get(root.name);
  if (unwrap) return `${root.name}(${describe(unwrap(root))})`;
  return root.name === 'Pipeline'
    ? `Pipeline(${steps(root)
        .map((s) => s.name)
        .join(', ')})`
    : root.name;
}

/** How a step rewrites the feature matrix, or an error naming it and why it cannot. */
export function transformerFor(step: Estimator): Transform {
  const found = TRANSFORMERS.get(step.name);
  if (!found) throw misplaced(step.name, 'step');
  return found;
}

/** How a final estimator is converted, or an error naming it and why it cannot. */
export function finalFor(est: Estimator): Final {
  const found = FINALS.get(est.name);
  if (!found) throw misplaced(est.name, 'final');
  return found;
}

function transform(step: Estimator, f: Flow): void {
  if (f.codes && !OVER_CODES.has(step.name))
    throw new UnsupportedModelError(
      `a ${step.name} over string columns (modelgate takes a SimpleImputer, then a OneHotEncoder or OrdinalEncoder, there)`,
    );
  if (f.feeds && step.name !== 'ColumnTransformer')
    throw new UnsupportedModelError(
      `a ${step.name} before the ColumnTransformer that encodes the string columns`,
    );
  transformerFor(step)(step, f);
  // Every transformer keeps one entry per column: what decides the card's missing values reads them.
  if (f.columns.length !== f.width)
    throw new Error(
      `internal: the ${step.name} left ${f.columns.length} column notes for ${f.width} columns`,
    );
}

export const dispatch: Dispatch = {
  steps,
  transform,
  final: (est: Estimator, f: Flow): Output => {
    const out = finalFor(est)(est, f);
    if (out.kind === 'clusters' || out.kind === 'outliers')
      throw new UnsupportedModelError(
        `a ${est.name} inside another estimator (a ${out.kind === 'clusters' ? 'clusterer' : 'outlier detector'} converts as the model itself, or as a Pipeline's last step)`,
      );
    return out;
  },
  answer: (est: Estimator, f: Flow): Answer => finalFor(est)(est, f),
  hasFinal: (name: string) => FINALS.has(name),
};
