// Ensembles of estimators modelgate converts: voting, stacking, bagging and AdaBoost. Every estimator
// they hold is converted through the registry's dispatch over the same features (its own Pipeline steps
// first), and combined as scikit-learn combines their answers.
import { attr, type GraphBuilder, tensor } from '../../onnx/builder.js';
import type { ClassLabel } from '../../onnx/card.js';
import { DataType } from '../../onnx/proto.js';
import type { Column } from '../columns.js';
import { ModelImportError, UnsupportedModelError } from '../errors.js';
import {
  affine,
  cast,
  decisionColumns,
  double,
  type Family,
  type Flow,
  gather,
  type Output,
} from '../flow.js';
import { elementsOf } from '../numpy.js';
import { Estimator } from '../state.js';
import { NdArray, NpScalar, PyTuple } from '../values.js';
import { svcDecisionFunction } from './svm.js';

// ---------------------------------------------------------------- estimators held by others

/** The estimators a fitted ensemble holds in `attr` (a list). */
export function heldList(est: Estimator, attr: string): Estimator[] {
  const list = est.raw(attr);
  const items =
    list instanceof NdArray && list.objects ? list.objects : list instanceof PyTuple ? list.items : list;
  if (!Array.isArray(items) || items.length === 0)
    throw new ModelImportError(`the ${est.name} has no fitted ${attr}`);
  return items.map((e, i) => Estimator.of(e, `the ${est.name}'s ${attr}[${i}]`));
}

/** A copy of the flow over some of its columns (all of them when `cols` is not given). */
export function subFlow(f: Flow, cols?: readonly number[]): Flow {
  if (!cols) return { ...f };
  return {
    ...f,
    x: gather(f.b, f.x, cols),
    width: cols.length,
    columns: cols.map((c) => f.columns[c] as Column),
  };
}

/** An estimator held by another, through its own Pipeline steps: its final estimator and the flow there. */
function through(inner: Estimator, f: Flow): { last: Estimator; flow: Flow } {
  const steps = f.dispatch.steps(inner);
  const last = steps[steps.length - 1];
  if (!last) throw new ModelImportError(`the ${inner.name} has no steps`);
  const flow = subFlow(f);
  for (const step of steps.slice(0, -1)) f.dispatch.transform(step, flow);
  return { last, flow };
}

/**
 * What an estimator held by another answers over the flow's features (converted by the registry). The
 * missing values that reach an estimator refusing them are refused here, as its own predict would.
 */
export function heldOutput(inner: Estimator, f: Flow): Output {
  const { last, flow } = through(inner, f);
  const reaching = flow.columns.flatMap((c) => c.nanFrom);
  const out = f.dispatch.final(last, flow);
  if (!out.acceptsMissing) f.rules.refuseMissing(reaching, `the ${last.name}`);
  return out;
}

/** The index [N] (int64) of the class a classifier's output predicts, in its own classes. */
export function predictedIndex(b: GraphBuilder, out: Output): string {
  if (out.kind === 'value') throw new Error('internal: a regressor has no predicted class');
  const scores = out.kind === 'probabilities' ? (out.labelScores ?? out.name) : out.name;
  return b.op('ArgMax', [scores], [attr.int('axis', 1), attr.int('keepdims', 0)]);
}

/** Where each of `inner` classes stands among `outer` (by value), or an error naming the estimator. */
export function classPositions(
  est: Estimator,
  inner: readonly ClassLabel[],
  outer: readonly ClassLabel[],
): number[] {
  return inner.map((c) => {
    const at = outer.findIndex((o) => o === c || (typeof o === 'number' && Number(c) === o));
    if (at < 0)
      throw new ModelImportError(
        `the ${est.name} holds an estimator with a class it does not know (${String(c)})`,
      );
    return at;
  });
}

/** Inner classes that are codes 0..k-1 into the ensemble's classes (fitted on LabelEncoder codes). */
function codePositions(est: Estimator, inner: readonly ClassLabel[], k: number): number[] {
  return classPositions(
    est,
    inner,
    Array.from({ length: k }, (_, i) => i),
  );
}

/** A one-hot [N, k] (double) of an index [N] (int64) mapped through `table` (inner index -> column). */
export function oneHot(b: GraphBuilder, index: string, table: readonly number[], k: number): string {
  const mapped = b.op('Gather', [
    b.constant(tensor.int64(b.fresh('positions'), [table.length], table)),
    index,
  ]);
  const column = b.op('Unsqueeze', [mapped, b.constant(tensor.int64(b.fresh('axes'), [1], [1]))]);
  const every = b.constant(
    tensor.int64(
      b.fresh('every_class'),
      [1, k],
      Array.from({ length: k }, (_, i) => i),
    ),
  );
  return cast(b, b.op('Equal', [column, every]), DataType.DOUBLE);
}

/** Columns [N, k] of probabilities over `table.length` inner classes placed at their outer positions. */
export function placeColumns(b: GraphBuilder, p: string, table: readonly number[], k: number): string {
  if (table.length === k && table.every((t, i) => t === i)) return p;
  const m = new Float64Array(table.length * k);
  table.forEach((t, i) => {
    m[i * k + t] = 1;
  });
  // Every product is a value times 1 plus zeros: exact.
  return b.op('MatMul', [p, double(b, b.fresh('place'), [table.length, k], m)]);
}

const sum = (b: GraphBuilder, terms: readonly string[]) =>
  terms.slice(1).reduce((acc, t) => b.op('Add', [acc, t]), terms[0] as string);
const concat = (b: GraphBuilder, parts: readonly string[]) =>
  parts.length === 1 ? (parts[0] as string) : b.op('Concat', [...parts], [attr.int('axis', 1)]);
const column = (b: GraphBuilder, x: string, at: number) =>
  b.op('Gather', [x, b.constant(tensor.int64(b.fresh('column'), [1], [at]))], [attr.int('axis', 1)]);

/** A regressor's value as a column [N, 1]. */
function valueColumn(b: GraphBuilder, out: Output, est: Estimator): string {
  if (out.kind !== 'value')
    throw new UnsupportedModelError(`a ${est.name} holding a classifier where it takes regressors`);
  return b.op('Reshape', [out.name, b.constant(tensor.int64(b.fresh('shape'), [2], [-1, 1]))]);
}

// ---------------------------------------------------------------- decision functions

/** Linear classifiers whose decision_function is x . coef_ + intercept_. */
const LINEAR_DECISIONS = new Set([
  'LogisticRegression',
  'LogisticRegressionCV',
  'LinearSVC',
  'SGDClassifier',
  'RidgeClassifier',
  'RidgeClassifierCV',
  'Perceptron',
  'PassiveAggressiveClassifier',
]);

/** Classifiers without a decision_function: what needs one takes predict_proba there. */
const WITHOUT_DECISION = new Set([
  'DecisionTreeClassifier',
  'ExtraTreeClassifier',
  'RandomForestClassifier',
  'ExtraTreesClassifier',
  'KNeighborsClassifier',
  'RadiusNeighborsClassifier',
  'MLPClassifier',
  'GaussianNB',
  'MultinomialNB',
  'BernoulliNB',
  'ComplementNB',
  'CategoricalNB',
  'CalibratedClassifierCV',
  'GaussianProcessClassifier',
]);

/**
 * What scikit-learn's _get_response_values(["decision_function", "predict_proba"]) reads from a
 * classifier: the decision function where it has one (linear models: x . coef_ + intercept_, [N, 1] when
 * binary), else the probabilities (the positive class's [N, 1] when binary). `method` says which.
 */
export function response(
  inner: Estimator,
  f: Flow,
  holder: string,
): { name: string; method: 'decision_function' | 'predict_proba'; classes: ClassLabel[] } {
  const { last, flow } = through(inner, f);
  const reaching = flow.columns.flatMap((c) => c.nanFrom);
  if (LINEAR_DECISIONS.has(last.name)) {
    f.rules.refuseMissing(reaching, `the ${last.name}`);
    const intercept =
      last.raw('intercept_') instanceof NdArray
        ? last.matrix('intercept_')
        : { values: Float64Array.of(last.number('intercept_', 0)), shape: [1] };
    return {
      name: affine(flow, last.matrix('coef_'), intercept, true),
      method: 'decision_function',
      classes: last.classes(),
    };
  }
  if (last.name === 'SVC' || last.name === 'NuSVC') {
    f.rules.refuseMissing(reaching, `the ${last.name}`);
    return { name: svcDecisionFunction(last, flow), method: 'decision_function', classes: last.classes() };
  }
  if (!WITHOUT_DECISION.has(last.name))
    throw new UnsupportedModelError(
      `a ${holder} over a ${last.name} (it reads the decision function, which modelgate computes for linear classifiers and SVC; it reads predict_proba of trees, forests, neighbours, MLPs and naive Bayes)`,
    );
  const out = f.dispatch.final(last, flow);
  if (!out.acceptsMissing) f.rules.refuseMissing(reaching, `the ${last.name}`);
  if (out.kind !== 'probabilities')
    throw new UnsupportedModelError(`a ${holder} over a ${last.name} without predict_proba`);
  const name = out.classes.length === 2 ? column(f.b, out.name, 1) : out.name;
  return { name, method: 'predict_proba', classes: out.classes };
}

// ---------------------------------------------------------------- voting

/** The weights of the estimators that are not 'drop', as VotingClassifier._weights_not_none gives them. */
function votingWeights(est: Estimator, count: number): number[] | undefined {
  const weights = est.raw('weights');
  if (weights === null || weights === undefined) return undefined;
  const values =
    weights instanceof NdArray ? elementsOf(weights) : Array.isArray(weights) ? weights : undefined;
  const declared = est.raw('estimators');
  if (!values || !Array.isArray(declared) || values.length !== declared.length)
    throw new ModelImportError(`the ${est.name}'s weights do not match its estimators`);
  const kept = values.filter((_, i) => {
    const entry = declared[i];
    const inner = entry instanceof PyTuple ? entry.items[1] : undefined;
    return inner !== 'drop';
  });
  const out = kept.map((w) => Number(w instanceof NpScalar ? w.value : w));
  if (out.length !== count || out.some((w) => !Number.isFinite(w)))
    throw new ModelImportError(`the ${est.name}'s weights do not match its ${count} fitted estimators`);
  return out;
}

/**
 * MultiOutputRegressor: one single-target regressor per target (estimators_), their values side by
 * side. Its predict passes the rows to each as they are, so each refuses the missing values it refuses.
 */
function multiOutputRegressor(est: Estimator, f: Flow): Output {
  const inner = heldList(est, 'estimators_');
  const flat = f.b.constant(tensor.int64(f.b.fresh('column'), [2], [-1, 1]));
  const columns = inner.map((e, t) => {
    const out = heldOutput(e, f);
    if (out.kind !== 'value' || (out.targets ?? 1) > 1)
      throw new UnsupportedModelError(
        `a MultiOutputRegressor whose estimator for target ${t} (a ${e.name}) is not a single-target regressor`,
      );
    return f.b.op('Reshape', [out.name, flat]);
  });
  if (columns.length === 1) return { kind: 'value', name: columns[0] as string, acceptsMissing: true };
  const name = f.b.op('Concat', columns, [attr.int('axis', 1)]);
  return { kind: 'value', name, targets: columns.length, acceptsMissing: true };
}

/**
 * RegressorChain: the estimator of each link reads the rows and the values the links before it
 * predicted (X then the chain's values so far), and the values are served in the targets' order
 * (order_ gives each link's target). Its predict validates the rows, so missing values are refused.
 */
function regressorChain(est: Estimator, f: Flow): Output {
  const inner = heldList(est, 'estimators_');
  const order = est.raw('order_');
  // An array (order "random" or None), or the list given as `order`.
  const links =
    order instanceof NdArray ? elementsOf(order).map(Number) : Array.isArray(order) ? order.map(Number) : [];
  if (
    links.length !== inner.length ||
    new Set(links).size !== links.length ||
    links.some((t) => !(t >= 0 && t < links.length))
  )
    throw new ModelImportError(
      `the RegressorChain's order_ does not list each of its ${inner.length} targets once`,
    );
  const { b } = f;
  const column = b.constant(tensor.int64(b.fresh('column'), [2], [-1, 1]));
  const chain: string[] = [];
  inner.forEach((e, i) => {
    const flow: Flow =
      i === 0
        ? subFlow(f)
        : {
            ...subFlow(f),
            x: b.op('Concat', [f.x, ...chain], [attr.int('axis', 1)]),
            width: f.width + i,
            columns: [...f.columns, ...chain.map(() => ({ nanFrom: [] }))],
          };
    const out = heldOutput(e, flow);
    if (out.kind !== 'value' || (out.targets ?? 1) > 1)
      throw new UnsupportedModelError(
        `a RegressorChain whose link ${i} (a ${e.name}) is not a single-target regressor`,
      );
    chain.push(b.op('Reshape', [out.name, column]));
  });
  const byTarget = links.map((_, t) => chain[links.indexOf(t)] as string);
  if (byTarget.length === 1) return { kind: 'value', name: byTarget[0] as string };
  return { kind: 'value', name: b.op('Concat', byTarget, [attr.int('axis', 1)]), targets: byTarget.length };
}

/**
 * VotingClassifier: "soft", the weighted average of the probabilities (np.average), the label their
 * argmax; "hard", each estimator's label a vote of its weight (np.bincount), the label the most voted
 * class (the first among equals), and no probabilities (scikit-learn has no predict_proba there). The
 * estimators were fitted on the labels' codes.
 */
function votingClassifier(est: Estimator, f: Flow): Output {
  const classes = est.classes();
  const k = classes.length;
  const inner = heldList(est, 'estimators_');
  const weights = votingWeights(est, inner.length);
  const { b } = f;
  const voting = est.string('voting', 'hard');
  const outs = inner.map((e) => heldOutput(e, f));
  if (voting === 'soft') {
    const terms = outs.map((out, i) => {
      if (out.kind !== 'probabilities')
        throw new UnsupportedModelError(
          `a soft VotingClassifier over a ${inner[i]?.name} without predict_proba`,
        );
      const p = placeColumns(b, out.name, codePositions(est, out.classes, k), k);
      return weights ? b.op('Mul', [p, double(b, b.fresh('weight'), [1], [weights[i] as number])]) : p;
    });
    const total = weights ? weights.reduce((s, w) => s + w, 0) : inner.length;
    const average = b.op('Div', [sum(b, terms), double(b, b.fresh('total'), [1], [total])]);
    return { kind: 'probabilities', name: average, classes, acceptsMissing: true };
  }
  const votes = outs.map((out, i) => {
    const hot = oneHot(
      b,
      predictedIndex(b, out),
      codePositions(est, out.kind === 'value' ? [] : out.classes, k),
      k,
    );
    return weights ? b.op('Mul', [hot, double(b, b.fresh('weight'), [1], [weights[i] as number])]) : hot;
  });
  return { kind: 'scores', name: sum(b, votes), classes, acceptsMissing: true };
}

/** VotingRegressor: the (weighted) average of the regressors' values. */
function votingRegressor(est: Estimator, f: Flow): Output {
  const inner = heldList(est, 'estimators_');
  const weights = votingWeights(est, inner.length);
  const { b } = f;
  const terms = inner.map((e, i) => {
    const v = valueColumn(b, heldOutput(e, f), est);
    return weights ? b.op('Mul', [v, double(b, b.fresh('weight'), [1], [weights[i] as number])]) : v;
  });
  const total = weights ? weights.reduce((s, w) => s + w, 0) : inner.length;
  return {
    kind: 'value',
    name: b.op('Div', [sum(b, terms), double(b, b.fresh('total'), [1], [total])]),
    acceptsMissing: true,
  };
}

// ---------------------------------------------------------------- stacking

/**
 * StackingClassifier and StackingRegressor: each estimator's stack_method_ answer side by side
 * (predict_proba without its first column when binary; decision_function; predict, as the labels'
 * codes), the features after them with passthrough=True, and the final estimator over that.
 */
function stacking(est: Estimator, f: Flow): Output {
  const classifier = est.name === 'StackingClassifier';
  const inner = heldList(est, 'estimators_');
  const methods = est.raw('stack_method_');
  if (!Array.isArray(methods) || methods.length !== inner.length)
    throw new ModelImportError(`the ${est.name} has no stack_method_ for each of its estimators`);
  const { b } = f;
  let classes: ClassLabel[] = [];
  if (classifier) {
    if (Array.isArray(est.raw('_label_encoder')))
      throw new UnsupportedModelError(
        'a multilabel StackingClassifier (not converted yet: docs/importing.md lists the models of several targets that are)',
      );
    classes = est.classes();
  }
  const k = classes.length;
  // Each block of the meta features: an estimator's answer and how many columns it has.
  const blocks = inner.map((e, i): { name: string; width: number } => {
    const method = methods[i];
    if (!classifier) return { name: valueColumn(b, heldOutput(e, f), est), width: 1 };
    if (method === 'predict_proba') {
      const out = heldOutput(e, f);
      if (out.kind !== 'probabilities')
        throw new UnsupportedModelError(
          `a StackingClassifier stacking the probabilities of a ${e.name} without them`,
        );
      const p = placeColumns(b, out.name, codePositions(est, out.classes, k), k);
      return k === 2 ? { name: column(b, p, 1), width: 1 } : { name: p, width: k };
    }
    if (method === 'decision_function') {
      const r = response(e, f, 'StackingClassifier');
      if (r.method !== 'decision_function')
        throw new UnsupportedModelError(`a StackingClassifier stacking the decision function of a ${e.name}`);
      return { name: r.name, width: k === 2 ? 1 : k };
    }
    if (method === 'predict') {
      const out = heldOutput(e, f);
      if (out.kind === 'value')
        throw new UnsupportedModelError(`a StackingClassifier over the regressor ${e.name}`);
      // The estimators were fitted on the labels' codes: predict answers them, as numbers.
      const codes = out.classes.map((c) => Number(c));
      const values = b.op('Gather', [
        double(b, b.fresh('codes'), [codes.length], codes),
        predictedIndex(b, out),
      ]);
      return {
        name: b.op('Unsqueeze', [values, b.constant(tensor.int64(b.fresh('axes'), [1], [1]))]),
        width: 1,
      };
    }
    throw new UnsupportedModelError(`a ${est.name} stacking ${JSON.stringify(method)}`);
  });
  const passthrough = est.number('passthrough', 0) !== 0;
  const stacked = blocks.reduce((s, block) => s + block.width, 0);
  const metaFlow: Flow = {
    ...f,
    x: concat(b, [...blocks.map((block) => block.name), ...(passthrough ? [f.x] : [])]),
    width: stacked + (passthrough ? f.width : 0),
    // The answers are never missing; the features passed through keep their notes.
    columns: [
      ...Array.from({ length: stacked }, (): Column => ({ nanFrom: [] })),
      ...(passthrough ? f.columns : []),
    ],
  };
  const final = est.estimator('final_estimator_');
  const out = heldOutput(final, metaFlow);
  if (!classifier) {
    if (out.kind !== 'value')
      throw new UnsupportedModelError(`a StackingRegressor with the final estimator ${final.name}`);
    return { ...out, acceptsMissing: true };
  }
  if (out.kind === 'value')
    throw new UnsupportedModelError(`a StackingClassifier with the final estimator ${final.name}`);
  const positions = codePositions(est, out.classes, k);
  if (!positions.every((p, i) => p === i) || positions.length !== k)
    throw new UnsupportedModelError(
      `a StackingClassifier whose final ${final.name} knows ${out.classes.length} of its ${k} classes`,
    );
  return { ...out, classes, acceptsMissing: true };
}

// ---------------------------------------------------------------- bagging

/**
 * BaggingClassifier and BaggingRegressor: each estimator over its estimators_features_. The classifier's
 * probabilities are the sum of the estimators' (each placed at the classes it saw), or of their votes
 * where an estimator has no predict_proba, over n_estimators; the label their argmax. The regressor's
 * value is the mean.
 */
function bagging(est: Estimator, f: Flow): Output {
  const classifier = est.name === 'BaggingClassifier';
  const inner = heldList(est, 'estimators_');
  const features = est.raw('estimators_features_');
  if (!Array.isArray(features) || features.length !== inner.length)
    throw new ModelImportError(`the ${est.name} has no estimators_features_ for each of its estimators`);
  const { b } = f;
  const subsets = features.map((cols) => {
    if (!(cols instanceof NdArray))
      throw new ModelImportError(`the ${est.name}'s estimators_features_ are not arrays`);
    const list = elementsOf(cols).map((c) => Number(c));
    if (list.some((c) => !Number.isInteger(c) || c < 0 || c >= f.width))
      throw new ModelImportError(`the ${est.name} picks a feature it does not have`);
    return list;
  });
  const n = est.number('n_estimators');
  const flows = subsets.map((cols) =>
    cols.length === f.width && cols.every((c, i) => c === i) ? subFlow(f) : subFlow(f, cols),
  );
  if (!classifier) {
    const terms = inner.map((e, i) => valueColumn(b, heldOutput(e, flows[i] as Flow), est));
    return {
      kind: 'value',
      name: b.op('Div', [sum(b, terms), double(b, b.fresh('n'), [1], [n])]),
      acceptsMissing: true,
    };
  }
  const classes = est.classes();
  const k = classes.length;
  const terms = inner.map((e, i) => {
    const out = heldOutput(e, flows[i] as Flow);
    if (out.kind === 'value')
      throw new UnsupportedModelError(`a BaggingClassifier over the regressor ${e.name}`);
    const table = codePositions(est, out.classes, k);
    return out.kind === 'probabilities'
      ? placeColumns(b, out.name, table, k)
      : oneHot(b, predictedIndex(b, out), table, k);
  });
  return {
    kind: 'probabilities',
    name: b.op('Div', [sum(b, terms), double(b, b.fresh('n'), [1], [n])]),
    classes,
    acceptsMissing: true,
  };
}

// ---------------------------------------------------------------- AdaBoost

/**
 * AdaBoostClassifier (SAMME, the one algorithm of scikit-learn 1.6+): the decision sums, per estimator,
 * its weight for the class it predicts and -weight / (K - 1) for the others, over the weights' sum;
 * binary, the second column minus the first. predict: binary decision > 0, else its argmax;
 * predict_proba: the softmax of [-d, d] / 2 when binary, of d / (K - 1) else. AdaBoost validates its
 * input: no missing values.
 */
function adaBoostClassifier(est: Estimator, f: Flow): Output {
  const algorithm = est.string('algorithm', 'SAMME');
  if (algorithm === 'SAMME.R')
    throw new UnsupportedModelError(
      'an AdaBoostClassifier with algorithm="SAMME.R" (scikit-learn 1.6 removed it)',
    );
  const classes = est.classes();
  const k = classes.length;
  if (k < 2) throw new UnsupportedModelError('an AdaBoostClassifier fitted on one class');
  const inner = heldList(est, 'estimators_');
  const weights = Array.from(est.matrix('estimator_weights_').values);
  const { b } = f;
  const terms = inner.map((e, i) => {
    const out = heldOutput(e, f);
    if (out.kind === 'value')
      throw new UnsupportedModelError(`an AdaBoostClassifier over the regressor ${e.name}`);
    const hot = oneHot(b, predictedIndex(b, out), classPositions(est, out.classes, classes), k);
    const w = weights[i] as number;
    return b.op('Where', [
      cast(b, hot, DataType.BOOL),
      double(b, b.fresh('weight'), [1], [w]),
      double(b, b.fresh('against'), [1], [(-1 / (k - 1)) * w]),
    ]);
  });
  const total = weights.reduce((s, w) => s + w, 0);
  const pred = b.op('Div', [sum(b, terms), double(b, b.fresh('total'), [1], [total])]);
  if (k === 2) {
    const d = b.op('Sub', [column(b, pred, 1), column(b, pred, 0)]);
    const half = b.op('Mul', [d, double(b, b.fresh('half'), [1], [0.5])]);
    const probabilities = b.op('Softmax', [concat(b, [b.op('Neg', [half]), half])], [attr.int('axis', 1)]);
    return { kind: 'probabilities', name: probabilities, classes, labelScores: decisionColumns(f, d) };
  }
  const scaled = b.op('Div', [pred, double(b, b.fresh('k_less_one'), [1], [k - 1])]);
  return {
    kind: 'probabilities',
    name: b.op('Softmax', [scaled], [attr.int('axis', 1)]),
    classes,
    labelScores: pred,
  };
}

/**
 * AdaBoostRegressor: the weighted median of the estimators' values (_get_median_predict): the values
 * sorted, their estimators' weights summed in that order, the first value where the running sum reaches
 * half the total. Among equal values the sort's order does not change the answer.
 */
function adaBoostRegressor(est: Estimator, f: Flow): Output {
  const inner = heldList(est, 'estimators_');
  const weights = Array.from(est.matrix('estimator_weights_').values).slice(0, inner.length);
  const { b } = f;
  const m = inner.length;
  const values = concat(
    b,
    inner.map((e) => valueColumn(b, heldOutput(e, f), est)),
  );
  const [sorted, order] = b.node(
    'TopK',
    [values, b.constant(tensor.int64(b.fresh('m'), [1], [m]))],
    [attr.int('largest', 0), attr.int('sorted', 1)],
    { outputs: 2 },
  ) as [string, string];
  const cdf = b.op('CumSum', [
    b.op('Gather', [double(b, b.fresh('weights'), [m], weights), order]),
    b.constant(tensor.int64(b.fresh('axis'), [], [1])),
  ]);
  const half = b.op('Mul', [column(b, cdf, m - 1), double(b, b.fresh('half'), [1], [0.5])]);
  const reached = cast(b, b.op('GreaterOrEqual', [cdf, half]), DataType.DOUBLE);
  const at = b.op('ArgMax', [reached], [attr.int('axis', 1), attr.int('keepdims', 1)]);
  return { kind: 'value', name: b.op('GatherElements', [sorted, at], [attr.int('axis', 1)]) };
}

export const family: Family = {
  family: 'ensembles',
  finals: {
    VotingClassifier: votingClassifier,
    VotingRegressor: votingRegressor,
    StackingClassifier: stacking,
    StackingRegressor: stacking,
    BaggingClassifier: bagging,
    BaggingRegressor: bagging,
    AdaBoostClassifier: adaBoostClassifier,
    AdaBoostRegressor: adaBoostRegressor,
    MultiOutputRegressor: multiOutputRegressor,
    RegressorChain: regressorChain,
  },
  parts: {
    Bunch: "a voting or stacking ensemble's named_estimators_ (a dict of the estimators it holds)",
  },
  refused: {
    ...Object.fromEntries(
      ['MultiOutputClassifier', 'ClassifierChain'].map((name) => [
        name,
        'several labels per row, an answer the model card and the API do not have yet',
      ]),
    ),
  },
};
