// XGBoost's JSON model file (save_model("model.json")) and its UBJSON one (save_model("model.ubj"), the
// default since 2.1), read as data into the model of model.ts.
import { ModelImportError } from '../sklearn/errors.js';
import type { Doc } from './doc.js';
import { readModel, type XgbModel } from './model.js';
import { parseUbjson } from './ubjson.js';

/** The model of an XGBoost JSON file. */
export function parseXgboostJson(text: string): XgbModel {
  let doc: Doc;
  try {
    doc = JSON.parse(text) as Doc;
  } catch (err) {
    // A SyntaxError says where; a RangeError is nesting deeper than the parser's stack.
    throw new ModelImportError(`the XGBoost JSON model is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return readModel(doc, 'json');
}

/** The model of an XGBoost UBJSON file. */
export function parseXgboostUbjson(bytes: Uint8Array): XgbModel {
  return readModel(parseUbjson(bytes), 'ubjson');
}
