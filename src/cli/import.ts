// `modelgate import <file>`: a scikit-learn pickle or joblib file, a LightGBM model (its text, its JSON
// dump, or a pickled Booster or scikit-learn wrapper) or an XGBoost model (its JSON or UBJSON file, or a
// pickled Booster or scikit-learn wrapper) in, an ONNX model with a card out. The format is found from
// the bytes (detect.ts). The file is read as data (src/sklearn, src/lightgbm, src/xgboost): nothing in
// it is run.
import { basename } from 'node:path';
import { servableCard } from '../adapters/model.js';
import { writeModel } from '../adapters/model-file.js';
import { lightgbmToOnnx } from '../lightgbm/convert.js';
import { parseModelJson } from '../lightgbm/json.js';
import { isLightgbmObject, lightgbmFromPickle } from '../lightgbm/pickle.js';
import { parseModelText } from '../lightgbm/text.js';
import { type ClassLabel, type FeatureSpec, type ModelCard, type Task, takesMissing } from '../onnx/card.js';
import { encodeModel, type ModelProto } from '../onnx/proto.js';
import { type LayerPrecision, sklearnToOnnx } from '../sklearn/convert.js';
import {
  ModelImportError,
  PickleFormatError,
  PickleLimitError,
  PickleRefusedError,
  UnsupportedClassError,
  UnsupportedModelError,
} from '../sklearn/errors.js';
import { loadModelFile } from '../sklearn/joblib.js';
import { labelsOf } from '../sklearn/labels.js';
import { readUri } from '../store/uri.js';
import { xgboostToOnnx } from '../xgboost/convert.js';
import { parseXgboostJson, parseXgboostUbjson } from '../xgboost/json.js';
import type { XgbModel } from '../xgboost/model.js';
import { isXgboostObject, xgboostFromPickle } from '../xgboost/pickle.js';
import { detectFormat, FORMAT_NAMES, type ModelFormat } from './detect.js';

export interface ImportCommandOptions {
  out: string;
  name?: string;
  features?: string[];
  precision?: LayerPrecision;
  /** A file holding the LabelEncoder the classifier's targets were encoded with. */
  labels?: string;
  json?: boolean;
  quiet?: boolean;
}

/** What `import --json` prints: what the text says, and the model file written. */
export interface ImportJson {
  source: string;
  /** What the file was, found from its bytes: pickle, joblib, lightgbm-text, lightgbm-json, xgboost-json, xgboost-ubjson. */
  format: ModelFormat;
  out: string;
  bytes: number;
  sha256: string;
  name: string;
  estimator: string | null;
  task: Task;
  classes: ClassLabel[] | null;
  features: string[];
  /** The features a request may leave missing (null); a missing value for any other is a 400. */
  takesMissing: string[];
  /** Each feature's type (card format 2): number, category or boolean. */
  types: Record<string, FeatureSpec['type']>;
  /**
   * Features that take listed values: a category's categories (strings), or the numbers a number
   * feature takes only (a OneHotEncoder that refuses unknown categories).
   */
  categories: Record<string, (number | string)[]>;
  /** How each category feature answers a category it does not know: refused, missing or passed on. */
  unknown: Record<string, 'reject' | 'missing' | 'pass'>;
  seconds: number;
}

/** What went wrong, in the words a user of the command needs. */
function explain(file: string, err: unknown): Error {
  // A model modelgate does not read is not supported; only a global that could be code is refused.
  if (err instanceof UnsupportedClassError || err instanceof UnsupportedModelError)
    return new Error(`cannot import ${file}: modelgate does not convert ${err.message}`, { cause: err });
  if (err instanceof PickleRefusedError) return new Error(`refused ${file}: ${err.message}`, { cause: err });
  if (err instanceof PickleFormatError)
    return new Error(`${file} is not a pickle or joblib file modelgate can read: ${err.message}`, {
      cause: err,
    });
  if (err instanceof PickleLimitError)
    return new Error(`gave up reading ${file}: ${err.message}`, { cause: err });
  if (err instanceof ModelImportError)
    return new Error(`cannot import ${file}: ${err.message}`, { cause: err });
  return err as Error;
}

/** What the model converters take from the command line. */
export interface ConvertOptions {
  name: string;
  source: string;
  features?: string[];
  layers?: LayerPrecision;
  labels?: ClassLabel[];
}

/**
 * The ONNX model and card for a model file of a detected format, as `modelgate import` converts it:
 * a pickle or joblib file holds a scikit-learn estimator, a LightGBM or an XGBoost object; a LightGBM
 * text or dump and an XGBoost JSON or UBJSON file are read as they are.
 */
export async function convertModelFile(
  bytes: Uint8Array,
  format: ModelFormat,
  opts: ConvertOptions,
): Promise<{ model: ModelProto; card: ModelCard }> {
  const lightgbm = {
    name: opts.name,
    source: opts.source,
    features: opts.features,
    ...(opts.labels ? { classes: opts.labels } : {}),
  };
  switch (format) {
    case 'lightgbm-text':
      return lightgbmToOnnx(parseModelText(new TextDecoder('utf-8').decode(bytes)), {
        ...lightgbm,
        format: 'text',
      });
    case 'lightgbm-json':
      return lightgbmToOnnx(parseModelJson(new TextDecoder('utf-8').decode(bytes)), {
        ...lightgbm,
        format: 'json',
      });
    case 'xgboost-json':
    case 'xgboost-ubjson': {
      const model =
        format === 'xgboost-json'
          ? parseXgboostJson(new TextDecoder('utf-8').decode(bytes))
          : parseXgboostUbjson(bytes);
      return xgboostToOnnx(model, {
        ...lightgbm,
        format: format === 'xgboost-json' ? 'json' : 'ubjson',
        ...wrapperIterations(model),
      });
    }
    case 'onnx':
      throw new ModelImportError(
        'the file is an ONNX model already: give it its model card with `modelgate pack <file> --out packed.onnx`',
      );
    default: {
      // A pickle or joblib file; an unknown one is left to the pickle reader, which says what it saw.
      const value = await loadModelFile(bytes);
      if (isLightgbmObject(value)) {
        const found = lightgbmFromPickle(value);
        return lightgbmToOnnx(found.model, {
          ...lightgbm,
          estimator: found.estimator,
          format,
          ...(found.iterations ? { iterations: found.iterations } : {}),
          ...(opts.labels ? {} : found.classes ? { classes: found.classes } : {}),
        });
      }
      if (isXgboostObject(value)) {
        const found = xgboostFromPickle(value);
        return xgboostToOnnx(found.model, {
          ...lightgbm,
          estimator: found.estimator,
          format,
          ...(found.iterations ? { iterations: found.iterations } : {}),
        });
      }
      return sklearnToOnnx(value, {
        name: opts.name,
        features: opts.features,
        source: opts.source,
        layers: opts.layers,
        ...(opts.labels ? { labels: opts.labels } : {}),
      });
    }
  }
}

/**
 * A model file a scikit-learn wrapper saved (its scikit_learn attribute) predicts as the wrapper does:
 * best_iteration + 1 iterations when early stopping set it; a Booster's file uses every tree, as
 * Booster.predict does.
 */
function wrapperIterations(model: XgbModel): { iterations?: number; estimator?: string } {
  if (!model.sklearnType) return {};
  const estimator =
    model.sklearnType === 'classifier'
      ? 'XGBClassifier'
      : model.sklearnType === 'regressor'
        ? 'XGBRegressor'
        : undefined;
  return {
    ...(estimator ? { estimator } : {}),
    ...(model.bestIteration !== undefined ? { iterations: model.bestIteration + 1 } : {}),
  };
}

export async function importCommand(file: string, opts: ImportCommandOptions): Promise<void> {
  const bytes = await readUri(file);
  const started = performance.now();
  const name =
    opts.name ??
    (basename(file).replace(/\.(joblib|pkl|pickle|sav|gz|z|txt|json|ubj|model)$/gi, '') || 'model');
  let labels: ClassLabel[] | undefined;
  if (opts.labels) {
    const labelFile = opts.labels;
    const labelBytes = await readUri(labelFile);
    try {
      labels = labelsOf(await loadModelFile(labelBytes));
    } catch (err) {
      throw explain(labelFile, err);
    }
  }
  const format = detectFormat(bytes);
  let model: Uint8Array;
  let card: ModelCard;
  try {
    const converted = await convertModelFile(bytes, format, {
      name,
      features: opts.features,
      source: basename(file),
      layers: opts.precision,
      ...(labels ? { labels } : {}),
    });
    model = encodeModel(converted.model);
    card = converted.card;
  } catch (err) {
    throw explain(file, err);
  }
  // Loaded as serve and the Lambda handler will load it before anything is written.
  await servableCard(model, file, 'nothing was written');
  const sha256 = await writeModel(opts.out, model);
  const elapsed = (performance.now() - started) / 1000;
  if (opts.json) {
    const json = importJson(card, file, format, opts.out, model.length, sha256, elapsed);
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  if (opts.quiet) return;
  const seconds = elapsed.toFixed(2);
  const lines = [
    `imported ${card.provenance.estimator} from ${file} (${FORMAT_NAMES[format]}) in ${seconds} s`,
    `  task              ${card.task}${card.classes ? ` (classes ${card.classes.slice(0, 10).map(String).join(', ')}${card.classes.length > 10 ? ', ...' : ''})` : ''}`,
    `  features          ${card.features.length} (${card.features
      .slice(0, 6)
      .map((f) => f.name)
      .join(', ')}${card.features.length > 6 ? ', ...' : ''})`,
    `  missing values    ${missingSummary(card)}`,
    ...categorySummary(card),
    `  wrote             ${opts.out} (${model.length} bytes, sha256 ${sha256})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function importJson(
  card: ModelCard,
  source: string,
  format: ModelFormat,
  out: string,
  bytes: number,
  sha256: string,
  seconds: number,
): ImportJson {
  return {
    source,
    format,
    out,
    bytes,
    sha256,
    name: card.name,
    estimator: card.provenance.estimator ?? null,
    task: card.task,
    classes: card.classes ?? null,
    features: card.features.map((f) => f.name),
    takesMissing: card.features.filter((f) => takesMissing(card, f)).map((f) => f.name),
    types: Object.fromEntries(card.features.map((f) => [f.name, f.type ?? 'number'])),
    categories: Object.fromEntries(
      card.features.flatMap((f) => {
        const listed = f.categories ?? f.values;
        return listed ? [[f.name, listed]] : [];
      }),
    ),
    unknown: Object.fromEntries(
      card.features.flatMap((f) => (f.type === 'category' ? [[f.name, f.unknown ?? 'reject']] : [])),
    ),
    seconds: Number(seconds.toFixed(3)),
  };
}

/** Which features may be missing, in one line. */
function missingSummary(card: ModelCard): string {
  const taken = card.features.filter((f) => takesMissing(card, f)).map((f) => f.name);
  if (taken.length === card.features.length) return 'handled by the model';
  if (taken.length === 0) return 'refused (the model has no imputer)';
  return `handled for ${taken.length} of ${card.features.length} features (${taken.slice(0, 6).join(', ')}${taken.length > 6 ? ', ...' : ''}), refused for the others`;
}

/**
 * One line per feature that takes listed values: a category (its categories, and what an unknown one
 * gets), a text feature (any string), or a number that takes listed numbers only (a OneHotEncoder that
 * refuses unknown categories).
 */
function categorySummary(card: ModelCard): string[] {
  const list = (xs: readonly (number | string)[]) =>
    `${xs.slice(0, 8).join(', ')}${xs.length > 8 ? `, ... (${xs.length})` : ''}`;
  const unknown = { reject: 'refused', missing: 'taken as missing', pass: 'passed to the model' };
  return card.features.flatMap((f) => {
    const name = `  ${f.name.padEnd(17)} `;
    if (f.type === 'category')
      return [
        `${name}category: ${list(f.categories ?? [])}; an unknown one is ${unknown[f.unknown ?? 'reject']}`,
      ];
    if (f.type === 'boolean') return [`${name}boolean`];
    if (f.type === 'text') return [`${name}text: any string, read by the model's text vectorizer`];
    return f.values ? [`${name}${f.values.length === 1 ? 'only' : 'one of'} ${list(f.values)}`] : [];
  });
}
