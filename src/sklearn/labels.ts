// A classifier trained on LabelEncoder-ed targets (y = LabelEncoder().fit_transform(labels)) knows only
// the codes 0..k-1 as its classes; the labels live in the encoder, which people save beside the model
// (its own file, given to `modelgate import --labels`) or with it (joblib.dump({"model": m,
// "label_encoder": le}) or a (model, encoder) tuple). The imported model answers the labels: class
// code c is the encoder's classes_[c], as LabelEncoder.inverse_transform gives it.
import type { ClassLabel } from '../onnx/card.js';
import { ModelImportError } from './errors.js';
import { elementsOf } from './numpy.js';
import { NdArray, NpScalar, PyDict, PyObject, PyTuple, type PyValue } from './values.js';

/** What a file holds: the model, and the labels of its classes where an encoder came with it. */
export interface Bundle {
  model: PyValue;
  labels?: ClassLabel[];
}

/** The entries of a dict, tuple or list, each with the name an error gives it. */
function entries(value: PyValue): [string, PyValue][] | undefined {
  if (value instanceof PyDict)
    return [...value.map].map(([k, v]) => [typeof k === 'string' ? JSON.stringify(k) : String(k), v]);
  const items = value instanceof PyTuple ? value.items : Array.isArray(value) ? value : undefined;
  return items?.map((v, i) => [`[${i}]`, v]);
}

const isEncoder = (v: PyValue) => v instanceof PyObject && v.cls.name === 'LabelEncoder';

/**
 * The model a file holds: the estimator itself, or the one estimator of a dict, tuple or list beside at
 * most one LabelEncoder (other entries, such as notes or feature lists, are left alone).
 */
export function unbundle(value: PyValue): Bundle {
  const items = entries(value);
  if (!items) return { model: value };
  const models = items.filter(([, v]) => v instanceof PyObject && !isEncoder(v));
  const encoders = items.filter(([, v]) => isEncoder(v));
  const what = value instanceof PyDict ? 'a dict' : value instanceof PyTuple ? 'a tuple' : 'a list';
  if (models.length !== 1)
    throw new ModelImportError(
      models.length === 0
        ? `the file holds ${what} with no estimator in it`
        : `the file holds ${what} of ${models.length} estimators (${models.map(([k, v]) => `${k}: ${(v as PyObject).cls.name}`).join(', ')}); modelgate imports one: save it alone, or with its LabelEncoder`,
    );
  if (encoders.length > 1)
    throw new ModelImportError(
      `the file holds ${what} of ${encoders.length} LabelEncoders (${encoders.map(([k]) => k).join(', ')}); modelgate takes one, the target's`,
    );
  const [encoder] = encoders;
  return {
    model: (models[0] as [string, PyValue])[1],
    ...(encoder ? { labels: encoderLabels(encoder[1]) } : {}),
  };
}

function label(v: PyValue | bigint): ClassLabel {
  const x = v instanceof NpScalar ? v.value : v;
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return x;
  throw new ModelImportError('the labels hold a value that is not a string, number or boolean');
}

/** A LabelEncoder's classes_, in code order. */
function encoderLabels(encoder: PyValue): ClassLabel[] {
  const classes = (encoder as PyObject).dict?.get('classes_');
  if (!(classes instanceof NdArray))
    throw new ModelImportError('the LabelEncoder has no classes_: it was not fitted');
  return elementsOf(classes).map((v) => label(v as PyValue));
}

/**
 * The labels a `--labels` file gives: a LabelEncoder (alone, or the one in a dict, tuple or list), or
 * its classes_ saved as an array or list.
 */
export function labelsOf(value: PyValue): ClassLabel[] {
  if (isEncoder(value)) return encoderLabels(value);
  if (value instanceof NdArray) return elementsOf(value).map((v) => label(v as PyValue));
  const items = entries(value);
  const encoders = items?.filter(([, v]) => isEncoder(v)) ?? [];
  if (encoders.length === 1) return encoderLabels((encoders[0] as [string, PyValue])[1]);
  if (items && encoders.length === 0 && items.length > 0 && !(value instanceof PyDict))
    return items.map(([, v]) => label(v));
  throw new ModelImportError(
    encoders.length > 1
      ? `the labels file holds ${encoders.length} LabelEncoders; give the file of the target's`
      : "the labels file holds no LabelEncoder (nor an array of labels): save the encoder fitted on the target, joblib.dump(encoder, 'labels.joblib')",
  );
}

/**
 * The model's classes as labels: its classes_ must be the encoder's codes 0..k-1, each class c answering
 * labels[c]. Anything else is another encoder's, or a model not trained on its codes.
 */
export function relabel(
  estimator: string,
  classes: readonly ClassLabel[],
  labels: readonly ClassLabel[],
): ClassLabel[] {
  const codes = classes.every((c, i) => c === i);
  if (!codes || classes.length !== labels.length)
    throw new ModelImportError(
      `the labels do not fit the ${estimator}: its classes_ is ${JSON.stringify(classes.slice(0, 10))}${classes.length > 10 ? ' ...' : ''} and the encoder has ${labels.length} labels (${JSON.stringify(labels.slice(0, 10))}${labels.length > 10 ? ' ...' : ''}); a model trained on LabelEncoder().fit_transform(y) has the classes 0 to ${labels.length - 1}`,
    );
  if (new Set(labels.map((l) => `${typeof l}:${String(l)}`)).size !== labels.length)
    throw new ModelImportError('the labels hold the same label twice');
  return [...labels];
}

/**
 * A boosting model's classes: the labels given (a wrapper's classes_, or --labels), or 0..k-1; none for a
 * regressor, to which labels given are an error.
 */
export function boosterClasses(
  library: string,
  objective: string,
  count: number,
  given: readonly ClassLabel[] | undefined,
): ClassLabel[] {
  if (count === 0) {
    if (given)
      throw new ModelImportError(
        `labels are for a classifier's classes, and the ${library} ${objective} model is a regressor`,
      );
    return [];
  }
  const classes = given ? [...given] : Array.from({ length: count }, (_, i) => i);
  if (classes.length !== count)
    throw new ModelImportError(
      `the ${library} model has ${count} classes, but ${classes.length} class labels are given`,
    );
  return classes;
}
