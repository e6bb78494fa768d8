// Rows as users send them (arrays in feature order, or objects keyed by feature name) into the flat
// float matrix the model's input takes. Every problem is reported with the row index and the feature.
import type { ModelCard } from '../onnx/card.js';
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

export class RowEncoder {
  private readonly names: string[];
  private readonly index: Map<string, number>;
  private readonly allowMissing: boolean;

  constructor(card: ModelCard) {
    this.names = card.features.map((f) => f.name);
    this.index = new Map(this.names.map((n, i) => [n, i]));
    this.allowMissing = card.missing === 'impute';
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
      if (this.allowMissing) return Number.NaN;
      throw new InvalidRowError(
        'missing_feature',
        `row ${r}, feature "${this.names[i]}" is missing, and this model has no imputer: send a number`,
        { row: r, feature: this.names[i], expected: 'a number' },
      );
    }
    throw new InvalidRowError(
      'invalid_row',
      `row ${r}, feature "${this.names[i]}": expected a number or null, got ${jsonType(v)}`,
      { row: r, feature: this.names[i], expected: 'a number or null', got: jsonType(v) },
    );
  }
}
