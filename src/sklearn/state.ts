// Reading a rebuilt scikit-learn estimator's fitted attributes, with errors that name the estimator and
// the attribute when the file does not hold what a fitted estimator of that kind holds.
import { ModelImportError, UnsupportedModelError } from './errors.js';
import { asFloat64, elementsOf } from './numpy.js';
import { NdArray, NpScalar, PyObject, PyTuple, type PyValue } from './values.js';

/** A numeric matrix or vector: values in C order and the shape. */
export interface Matrix {
  values: Float64Array;
  shape: number[];
}

export class Estimator {
  constructor(readonly obj: PyObject) {}

  get name(): string {
    return this.obj.cls.name;
  }

  static of(value: PyValue, what: string): Estimator {
    if (!(value instanceof PyObject)) throw new ModelImportError(`${what} is not a scikit-learn estimator`);
    return new Estimator(value);
  }

  has(attr: string): boolean {
    const v = this.obj.dict?.get(attr);
    return v !== undefined && v !== null;
  }

  raw(attr: string): PyValue | undefined {
    return this.obj.dict?.get(attr);
  }

  private missing(attr: string, what: string): never {
    throw new ModelImportError(
      `the ${this.name} has no ${what} ${attr}: it was not fitted, or was saved by a scikit-learn modelgate does not read`,
    );
  }

  matrix(attr: string): Matrix {
    const v = this.raw(attr);
    if (!(v instanceof NdArray)) this.missing(attr, 'array');
    return { values: asFloat64(v), shape: v.shape };
  }

  /** A list of arrays (MLP's coefs_, intercepts_). */
  matrices(attr: string): Matrix[] {
    const v = this.raw(attr);
    if (!Array.isArray(v) || !v.every((x) => x instanceof NdArray)) this.missing(attr, 'list of arrays');
    return (v as NdArray[]).map((a) => ({ values: asFloat64(a), shape: a.shape }));
  }

  number(attr: string, fallback?: number): number {
    const v = this.raw(attr);
    const n = v instanceof NpScalar ? v.value : v;
    if (typeof n === 'number') return n;
    if (typeof n === 'bigint') return Number(n);
    if (typeof n === 'boolean') return n ? 1 : 0;
    if (fallback !== undefined && (v === undefined || v === null)) return fallback;
    this.missing(attr, 'number');
  }

  string(attr: string, fallback?: string): string {
    const v = this.raw(attr);
    if (typeof v === 'string') return v;
    if (fallback !== undefined && (v === undefined || v === null)) return fallback;
    this.missing(attr, 'setting');
  }

  estimator(attr: string): Estimator {
    const v = this.raw(attr);
    if (!(v instanceof PyObject)) this.missing(attr, 'estimator');
    return new Estimator(v);
  }

  /** The class labels in classes_: numbers, strings or booleans. */
  classes(): (number | string | boolean)[] {
    const v = this.raw('classes_');
    if (!(v instanceof NdArray)) this.missing('classes_', 'array');
    return elementsOf(v).map((c) => {
      if (typeof c === 'bigint') return Number(c);
      if (c instanceof NpScalar)
        return typeof c.value === 'bigint' ? Number(c.value) : (c.value as number | string | boolean);
      if (typeof c === 'number' || typeof c === 'string' || typeof c === 'boolean') return c;
      throw new ModelImportError(
        `the ${this.name}'s classes_ holds a value that is not a number, string or boolean`,
      );
    });
  }

  /** The scikit-learn that saved it, [major, minor], from the _sklearn_version every estimator's state holds. */
  version(): [number, number] | undefined {
    const v = this.raw('_sklearn_version');
    const m = typeof v === 'string' ? /^(\d+)\.(\d+)/.exec(v) : null;
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  }

  /** Saved by scikit-learn major.minor or later (an unknown version counts as older). */
  savedBy(major: number, minor: number): boolean {
    const v = this.version();
    return v !== undefined && (v[0] > major || (v[0] === major && v[1] >= minor));
  }

  /** feature_names_in_ when it was fitted on a DataFrame with string column names. */
  featureNames(depth = 0): string[] | undefined {
    const v = this.raw('feature_names_in_');
    if (!(v instanceof NdArray)) return depth < 8 ? this.delegate()?.featureNames(depth + 1) : undefined;
    const names = elementsOf(v);
    return names.every((n) => typeof n === 'string') ? (names as string[]) : undefined;
  }

  /** n_features_in_ (or the older n_features_), when present. */
  featureCount(depth = 0): number | undefined {
    for (const a of ['n_features_in_', 'n_features_']) if (this.has(a)) return this.number(a);
    // IsotonicRegression reads one feature (a vector or one column) and keeps no count of it.
    if (this.name === 'IsotonicRegression') return 1;
    // A text vectorizer reads one column of documents and keeps no count of it.
    if (
      this.name === 'CountVectorizer' ||
      this.name === 'TfidfVectorizer' ||
      this.name === 'HashingVectorizer'
    )
      return 1;
    return depth < 8 ? this.delegate()?.featureCount(depth + 1) : undefined;
  }

  /**
   * The estimator whose n_features_in_ and feature_names_in_ this one's answer for it (properties, so
   * not in the state): a Pipeline's first step, a FeatureUnion's first transformer, a SelectFromModel's
   * fitted estimator, the first estimator a meta-estimator holds (voting, stacking, one-vs-rest, ...).
   */
  private delegate(): Estimator | undefined {
    if (this.name === 'Pipeline') return this.steps()[0]?.estimator;
    if (this.name === 'SelectFromModel')
      return this.has('estimator_') ? this.estimator('estimator_') : undefined;
    if (this.name === 'FeatureUnion') {
      const list = this.raw('transformer_list');
      const first = Array.isArray(list) ? list[0] : undefined;
      const t = first instanceof PyTuple ? first.items[1] : undefined;
      return t instanceof PyObject ? new Estimator(t) : undefined;
    }
    for (const a of ['estimators_', 'calibrated_classifiers_', 'regressor_', 'estimator']) {
      const v = this.raw(a);
      const first = Array.isArray(v) ? v[0] : v instanceof NdArray ? v.objects?.[0] : v;
      if (first instanceof PyObject) return new Estimator(first);
    }
    return undefined;
  }

  /** Pipeline.steps: (name, estimator) pairs; 'passthrough' and None steps are left out. */
  steps(): { name: string; estimator: Estimator }[] {
    const v = this.raw('steps');
    if (!Array.isArray(v)) this.missing('steps', 'list');
    return v.flatMap((step) => {
      const [name, est] = step instanceof PyTuple ? step.items : Array.isArray(step) ? step : [];
      if (typeof name !== 'string') throw new UnsupportedModelError('a Pipeline step without a name');
      if (est === null || est === 'passthrough') return [];
      return [{ name, estimator: Estimator.of(est ?? null, `the Pipeline step ${JSON.stringify(name)}`) }];
    });
  }
}
