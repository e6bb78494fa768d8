// A rebuilt scikit-learn estimator as one ONNX graph with a model card. The graph computes in double
// precision, as scikit-learn does, from a float64 input of the features in fitted order:
// transformers (a Pipeline's steps) rewrite the feature matrix, and the final estimator turns it into
// class probabilities (and the label, their argmax) or a value.
import { GraphBuilder, tensor } from '../onnx/builder.js';
import { CARD_FORMAT, type ClassLabel, MAX_FEATURES, type ModelCard, type Task } from '../onnx/card.js';
import { classifierHead, clusterHead, labelHead, outlierHead, valueHead } from '../onnx/heads.js';
import { modelWithCard, provenance } from '../onnx/produce.js';
import { DataType, type ModelProto } from '../onnx/proto.js';
import { VERSION } from '../version.js';
import { InputRules, inputColumns } from './columns.js';
import { ModelImportError, UnsupportedModelError } from './errors.js';
import { fed, selectedColumns } from './estimators/compose.js';
import {
  type Answer,
  type Feeds,
  type Flow,
  INPUT_NAME,
  type LayerPrecision,
  TEXT_INPUT_NAME,
} from './flow.js';
import { categoricalInputs } from './hgb.js';
import { relabel, unbundle } from './labels.js';
import { describe, dispatch, finalFor, transformerFor } from './registry.js';
import { Estimator } from './state.js';
import { findTextFeatures, type NumberCodes, type TextFeature } from './text.js';
import type { PyValue } from './values.js';

export { INPUT_NAME, type LayerPrecision, TEXT_INPUT_NAME } from './flow.js';

// ---------------------------------------------------------------- the model

export interface ImportOptions {
  /** The model's name in its card. */
  name: string;
  /** Feature names when the estimator was not fitted on a DataFrame. */
  features?: string[];
  /** Where the file came from, for the card. */
  source: string;
  /** Neural-network layers' arithmetic (default float32). */
  layers?: LayerPrecision;
  /** The labels of a classifier trained on LabelEncoder codes (the encoder's classes_, `--labels`). */
  labels?: ClassLabel[];
}

/**
 * The card's features and missing values as scikit-learn's predict decides them: a feature may be
 * missing unless its NaN reaches a step that raises on it (an estimator that takes no NaN, an encoder
 * refusing unknown categories); the card says 'impute' when every feature may be, else 'reject' with
 * the features that may be marked one by one. An encoder that refuses unknown categories lists the
 * numbers its feature takes.
 */
function featuresAndMissing(
  names: readonly string[],
  rules: InputRules,
  text: ReadonlyMap<number, TextFeature>,
): Pick<ModelCard, 'features' | 'missing'> {
  // A string input has no missing value; a code's NaN is refused where any NaN of it is (an unknown
  // category an OrdinalEncoder makes NaN, too: the two are not told apart past the encoder).
  const takes = names.map(
    (_, i) => rules.missingRefusedBy[i] === undefined && text.get(i)?.feed !== 'strings',
  );
  const missing = takes.every(Boolean) ? 'impute' : 'reject';
  return {
    missing,
    features: names.map((name, i) => {
      const values = rules.values[i];
      const t = text.get(i);
      const refuses = rules.textRefusals[i];
      const typed = t?.free
        ? { type: 'text' as const, ...(refuses ? { refuses } : {}) }
        : t
          ? {
              type: 'category' as const,
              categories: t.categories,
              unknown:
                t.refusesUnknown || (t.unknownIsNan && rules.missingRefusedBy[i] !== undefined)
                  ? ('reject' as const)
                  : ('pass' as const),
            }
          : {
              type: 'number' as const,
              ...(values ? { values: withinMin(values, rules.mins[i], name) } : {}),
              ...(rules.mins[i] && !values ? { min: rules.mins[i] } : {}),
            };
      return {
        name,
        ...typed,
        ...(missing === 'reject' && takes[i] ? { missing: 'impute' as const } : {}),
      };
    }),
  };
}

/** The numbers an encoder takes that a step before it does not refuse (a Box-Cox: the positive ones). */
function withinMin(values: number[], min: InputRules['mins'][number], name: string): number[] {
  if (!min) return values;
  const kept = values.filter((v) => v >= min.value);
  if (kept.length === 0)
    throw new UnsupportedModelError(
      `the feature "${name}" takes none of its encoder's categories: ${min.because}`,
    );
  return kept;
}

/**
 * The graph inputs of a model with string columns: the numeric features and the string columns fed as
 * codes in one float64 input, the string columns fed as text in a string input, each in feature order.
 */
function typedInputs(
  b: GraphBuilder,
  names: readonly string[],
  text: ReadonlyMap<number, TextFeature>,
  numbers: ReadonlyMap<number, NumberCodes>,
): { feeds: Feeds; inputs: NonNullable<ModelCard['io']['inputs']> } {
  const numeric: string[] = [];
  const strings: string[] = [];
  const place = names.map((name, i) => {
    const list = text.get(i)?.feed === 'strings' ? strings : numeric;
    list.push(name);
    return { input: list === strings ? ('strings' as const) : ('numeric' as const), column: list.length - 1 };
  });
  const inputs: NonNullable<ModelCard['io']['inputs']> = [];
  if (numeric.length > 0) inputs.push({ name: INPUT_NAME, type: 'float64', features: numeric });
  if (strings.length > 0) inputs.push({ name: TEXT_INPUT_NAME, type: 'string', features: strings });
  return {
    feeds: {
      numeric: numeric.length > 0 ? b.input(INPUT_NAME, DataType.DOUBLE, ['N', numeric.length]) : undefined,
      strings:
        strings.length > 0 ? b.input(TEXT_INPUT_NAME, DataType.STRING, ['N', strings.length]) : undefined,
      place,
      text,
      numbers,
    },
    inputs,
  };
}

/** The ONNX model (with its card) for a scikit-learn estimator read from a pickle or joblib file. */
export function sklearnToOnnx(
  value: PyValue,
  options: ImportOptions,
): { model: ModelProto; card: ModelCard } {
  // The model, and its labels where a LabelEncoder was saved with it (a dict or tuple of both).
  const bundle = unbundle(value);
  if (bundle.labels && options.labels)
    throw new ModelImportError('the file holds a LabelEncoder beside the model already: leave out --labels');
  const labels = options.labels ?? bundle.labels;
  const root = Estimator.of(bundle.model, 'the file');
  const steps = dispatch.steps(root);
  const last = steps[steps.length - 1];
  if (!last) throw new ModelImportError('the Pipeline has no steps');
  // Every step is known before anything is built.
  for (const step of steps.slice(0, -1)) transformerFor(step);
  const final = finalFor(last);

  const first = steps[0] as Estimator;
  const width = first.featureCount() ?? options.features?.length;
  if (width === undefined)
    throw new ModelImportError('the file does not say how many features the model takes: give --features');
  // Everything below is built in proportion to the width: bounded before any of it.
  // Every width the converter builds from is this or an array's own length, so no file makes it work
  // past both (MAX_FEATURES is what a model card may list).
  if (!Number.isInteger(width) || width < 1 || width > MAX_FEATURES)
    throw new ModelImportError(
      `the ${first.name} takes ${width} features (${first.featureCount() === undefined ? '--features' : 'n_features_in_'}); modelgate imports models of 1 to ${MAX_FEATURES} features`,
    );
  // A wrapper fitted on a DataFrame may fit what it holds on an array (self-training does): its names.
  const fitted = first.featureNames() ?? root.featureNames();
  if (fitted && fitted.length !== width)
    throw new ModelImportError(
      `the ${first.name}'s feature_names_in_ names ${fitted.length} features; its n_features_in_ says ${width}`,
    );
  if (options.features && options.features.length !== width)
    throw new ModelImportError(
      `--features names ${options.features.length} features; the model takes ${width}`,
    );
  const names = fitted ?? options.features ?? Array.from({ length: width }, (_, i) => `x${i}`);

  const b = new GraphBuilder(options.name);
  // A HistGradientBoosting model's own categorical columns, or the string columns of the encoders.
  const hgb = first.name.startsWith('HistGradientBoosting');
  const { text, numbers } = hgb
    ? { text: categoricalInputs(first, names), numbers: new Map<number, NumberCodes>() }
    : findTextFeatures(steps.slice(0, -1), width, (spec) => selectedColumns(spec, width, fitted));
  const typed = text.size > 0 ? typedInputs(b, names, text, numbers) : undefined;
  const f: Flow = {
    b,
    x: typed ? '' : b.input(INPUT_NAME, DataType.DOUBLE, ['N', width]),
    width,
    layers: options.layers ?? 'float32',
    // A string fed as text is never missing.
    columns: inputColumns(width).map((c, i) => (text.get(i)?.feed === 'strings' ? { ...c, nanFrom: [] } : c)),
    rules: new InputRules(names),
    dispatch,
    ...(typed ? { feeds: typed.feeds } : {}),
  };
  if (typed && !hgb && first.name !== 'ColumnTransformer') {
    // An encoder over every column at the top: the steps start from the columns as codes.
    fed(
      typed.feeds,
      names.map((_, i) => i),
      f,
    );
    f.feeds = undefined;
  }
  for (const step of steps.slice(0, -1)) dispatch.transform(step, f);
  // The input features whose missing values reach the final estimator (no imputer or encoder took them).
  const reaching = f.columns.flatMap((c) => c.nanFrom);
  const out = final(last, f);
  if (labels) {
    if (out.kind !== 'probabilities' && out.kind !== 'scores')
      throw new ModelImportError(
        `labels are for a classifier's classes, and the ${last.name} is ${KIND_NAMES[out.kind]}`,
      );
    out.classes = relabel(last.name, out.classes, labels);
  }
  if (!out.acceptsMissing) f.rules.refuseMissing(reaching, `the ${last.name}`);

  const fedBy: ModelCard['io'] = typed
    ? { inputs: typed.inputs }
    : { input: INPUT_NAME, inputType: 'float64' };
  const classes = out.kind === 'probabilities' || out.kind === 'scores' ? out.classes : undefined;
  const io: ModelCard['io'] = { ...fedBy, ...head(b, out), ...refusedRows(b, f.rules) };
  const described = describe(root);
  const version = root.raw('_sklearn_version');
  const card: ModelCard = {
    format: CARD_FORMAT,
    name: options.name,
    task: TASK_OF[out.kind],
    ...featuresAndMissing(names, f.rules, text),
    ...(classes ? { classes } : {}),
    ...(out.kind === 'clusters' ? { clusters: out.count } : {}),
    ...(out.kind === 'value' && (out.targets ?? 1) > 1
      ? { targets: Array.from({ length: out.targets as number }, (_, t) => `y${t}`) }
      : {}),
    io,
    provenance: provenance('sklearn', {
      estimator: described,
      params: { file: options.source, ...(typeof version === 'string' ? { sklearnVersion: version } : {}) },
    }),
  };
  return { model: modelWithCard(b, card, `${described} imported by modelgate ${VERSION}`), card };
}

/** The `refused` output: true for a row any step cannot vouch for its answer to, and why. */
function refusedRows(b: GraphBuilder, rules: InputRules): Partial<ModelCard['io']> {
  const all = rules.refusedRows;
  if (all.length === 0) return {};
  const flat = b.constant(tensor.int64('refused_shape', [1], [-1]));
  const rows = all.map((r) => b.op('Reshape', [r.rows, flat]));
  const any = rows.reduce((a, r) => b.op('Or', [a, r]));
  b.op('Identity', [any], [], undefined, 'refused');
  b.output('refused', DataType.BOOL, ['N']);
  return { refused: 'refused', refusedBecause: [...new Set(all.map((r) => r.because))].join('; ') };
}

const TASK_OF: Record<Answer['kind'], Task> = {
  probabilities: 'classification',
  scores: 'classification',
  value: 'regression',
  clusters: 'clustering',
  outliers: 'outlier-detection',
};

const KIND_NAMES: Record<Answer['kind'], string> = {
  probabilities: 'a classifier',
  scores: 'a classifier',
  value: 'a regressor',
  clusters: 'a clusterer',
  outliers: 'an outlier detector',
};

/** The graph's outputs for what the final estimator gives, and the card's io entries naming them. */
function head(b: GraphBuilder, out: Answer): Partial<ModelCard['io']> {
  switch (out.kind) {
    case 'probabilities':
      return classifierHead(b, out.name, out.classes, 'float64', out.labelScores);
    case 'scores':
      return labelHead(b, out.name, out.classes);
    case 'value':
      return valueHead(b, out.name, 'float64', out.targets);
    case 'clusters':
      return clusterHead(b, out, 'float64');
    case 'outliers':
      return outlierHead(b, out.label, out.score, 'float64');
  }
}
