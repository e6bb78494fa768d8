// The document an XGBoost model file holds, as its JSON text or its UBJSON parses: plain values, with
// UBJSON's typed arrays kept as typed arrays (a JSON file's arrays are plain arrays of numbers).

export type DocArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | readonly Doc[];

export type DocObject = { [key: string]: Doc };

export type Doc = null | boolean | number | string | DocArray | DocObject;

export function isDocObject(v: Doc | undefined): v is DocObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export function isDocArray(v: Doc | undefined): v is DocArray {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}
