// Rows as users send them (arrays in feature order, or objects keyed by feature name) into the flat
// float matrix the model's input takes. Every problem is reported with the row index and the feature.
import { type ModelCard, takesMissing } from '../onnx/card.js';
import { InvalidRowError } from './errors.js';

export type RowValue = number | null;
export type Row = readonly RowValue[] | Readonly<Record<string, RowValue>>;

/** Describes a JSON value's type for an error message. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isFinite(v) ? 'a number' : 'a non-finite number';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

function listNames(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, ... (${names.length} in all)` : shown;
}

/** The most allowed values an error's details carry (the /metadata schema lists them all). */
export const MAX_ALLOWED_IN_DETAILS = 1000;

export class RowEncoder {
  private readonly names: string[];
  private readonly index: Map<string, number>;
  /** Per feature: whether it may be missing. */
  private readonly allowMissing: boolean[];
  /** Whether any feature may be missing (the message for one that may not says which kind of model this is). */
  private readonly anyMissing: boolean;
  /** Per feature: the numbers its card lists as the ones it takes, in the card's order. */
  private readonly valueSets: (ReadonlySet<number> | undefined)[];
  /** The features that list their numbers; undefined when none does. */
  private readonly allowed: { index: number; name: string; set: ReadonlySet<number> }[] | undefined;

  constructor(card: ModelCard) {
    this.names = card.features.map((f) => f.name);
    this.index = new Map(this.names.map((n, i) => [n, i]));
    this.allowMissing = card.features.map((f) => takesMissing(card, f));
    this.anyMissing = this.allowMissing.includes(true);
    this.valueSets = card.features.map((f) => (f.values ? new Set(f.values) : undefined));
    // Built once per model. A model without lists keeps `allowed` undefined: its rows pay one comparison
    // per row, and the per-value path is what it was before lists existed.
    const allowed = this.valueSets.flatMap((set, index) =>
      set ? [{ index, name: this.names[index] as string, set }] : [],
    );
    this.allowed = allowed.length > 0 ? allowed : undefined;
  }

  get width(): number {
    return this.names.length;
  }

  /** Whether the model has a feature of this name (built once per model, not per request). */
  has(name: string): boolean {
    return this.index.has(name);
  }

  /** Encodes rows into a row-major matrix; null and absent features become NaN (missing). */
  encode(rows: readonly unknown[], into?: Float32Array | Float64Array): Float32Array | Float64Array {
    const width = this.names.length;
    const out = into ?? new Float32Array(rows.length * width);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (Array.isArray(row)) this.encodeArray(row, r, out, r * width);
      else if (typeof row === 'object' && row !== null)
        this.encodeObject(row as Record<string, unknown>, r, out, r * width);
      else {
        throw new InvalidRowError(
          'invalid_row',
          `row ${r} must be an array of ${width} numbers or an object keyed by feature name, got ${jsonType(row)}`,
          { row: r, expected: 'array or object', got: jsonType(row) },
        );
      }
    }
    return out;
  }

  private encodeArray(
    row: readonly unknown[],
    r: number,
    out: Float32Array | Float64Array,
    base: number,
  ): void {
    const width = this.names.length;
    if (row.length !== width) {
      throw new InvalidRowError(
        'invalid_row',
        `row ${r} has ${row.length} values, the model expects ${width} (${listNames(this.names)})`,
        { row: r, expected: `${width} values`, got: `${row.length} values` },
      );
    }
    for (let i = 0; i < width; i++) out[base + i] = this.value(row[i], r, i);
    if (this.allowed !== undefined)
      for (const a of this.allowed) this.checkAllowed(row[a.index], r, a.index, a.set);
  }

  private encodeObject(
    row: Record<string, unknown>,
    r: number,
    out: Float32Array | Float64Array,
    base: number,
  ): void {
    const keys = Object.keys(row);
    const unknown = keys.filter((k) => !this.index.has(k));
    if (unknown.length > 0) {
      throw new InvalidRowError(
        'unknown_feature',
        `row ${r} has unknown feature${unknown.length > 1 ? 's' : ''} ${listNames(unknown.map((k) => JSON.stringify(k)))}; the model's features are ${listNames(this.names)}`,
        { row: r, unknown },
      );
    }
    const width = this.names.length;
    for (let i = 0; i < width; i++) {
      const name = this.names[i];
      out[base + i] = this.value(Object.hasOwn(row, name) ? row[name] : null, r, i);
    }
    if (this.allowed !== undefined)
      for (const a of this.allowed) this.checkAllowed(row[a.name], r, a.index, a.set);
  }

  /**
   * Checks a matrix built without this encoder (NaN for missing) against the same rules as encoded rows:
   * for callers that hand the Predictor a matrix of their own.
   */
  checkMatrix(matrix: ArrayLike<number>): void {
    const width = this.names.length;
    for (let k = 0; k < matrix.length; k++) {
      const v = matrix[k] as number;
      const r = Math.floor(k / width);
      const i = k % width;
      if (Number.isNaN(v)) this.value(null, r, i);
      else {
        this.value(v, r, i);
        const set = this.valueSets[i];
        if (set) this.checkAllowed(v, r, i, set);
      }
    }
  }

  /** A value value() took (a number, or null/absent where the feature may be missing) against its list. */
  private checkAllowed(v: unknown, r: number, i: number, set: ReadonlySet<number>): void {
    if (typeof v === 'number' && !set.has(v)) throw this.notAllowed(v, r, i);
  }

  private value(v: unknown, r: number, i: number): number {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return v;
      throw new InvalidRowError(
        'invalid_row',
        `row ${r}, feature "${this.names[i]}": the number is out of range (not finite)`,
        { row: r, feature: this.names[i], expected: 'a finite number or null', got: 'a non-finite number' },
      );
    }
    if (v === null || v === undefined) {
      if (this.allowMissing[i]) return Number.NaN;
      throw new InvalidRowError(
        'missing_feature',
        this.anyMissing
          ? `row ${r}, feature "${this.names[i]}" is missing, and this model takes no missing value for it: send a number`
          : `row ${r}, feature "${this.names[i]}" is missing, and this model has no imputer: send a number`,
        { row: r, feature: this.names[i], expected: 'a number' },
      );
    }
    throw new InvalidRowError(
      'invalid_row',
      `row ${r}, feature "${this.names[i]}": expected a number or null, got ${jsonType(v)}`,
      { row: r, feature: this.names[i], expected: 'a number or null', got: jsonType(v) },
    );
  }

  /** A number the feature's list does not hold (a category the model never saw): which, and what it takes. */
  private notAllowed(v: number, r: number, i: number): InvalidRowError {
    const list = [...(this.valueSets[i] as ReadonlySet<number>)];
    const shown = listNames(list.map(String));
    const orMissing = this.allowMissing[i] ? ', or null (missing)' : '';
    return new InvalidRowError(
      'unknown_category',
      `row ${r}, feature "${this.names[i]}": ${v} is not one of the values this model takes (${shown}${orMissing})`,
      {
        row: r,
        feature: this.names[i],
        expected: `one of ${list.length} values`,
        got: String(v),
        allowed: list.slice(0, MAX_ALLOWED_IN_DETAILS),
        ...(list.length > MAX_ALLOWED_IN_DETAILS ? { allowedCount: list.length } : {}),
      },
    );
  }
}
