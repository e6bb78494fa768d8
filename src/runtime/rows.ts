// Rows as users send them (arrays in feature order, or objects keyed by feature name) into the flat
// float matrix the model's input takes. Every problem is reported with the row index and the feature.
import {
  type FeatureSpec,
  graphInputs,
  type ModelCard,
  numberCategories,
  takesMissing,
} from '../onnx/card.js';
import { InvalidRowError } from './errors.js';

export type RowValue = number | string | boolean | null;
export type Row = readonly RowValue[] | Readonly<Record<string, RowValue>>;

/** One graph input's rows, row-major [rows, its features]: numbers, or strings for a string input. */
export type InputBuffer = Float32Array | Float64Array | string[];

/** Where a feature's value goes: which graph input, which column of it, and how it is turned into that. */
interface Slot {
  input: number;
  column: number;
  width: number;
  feature: FeatureSpec;
  /** category: its code (index in `categories`) by text. */
  codes?: ReadonlyMap<string, number>;
  /** The input is a string tensor. */
  text: boolean;
  /** category: whether it takes numbers (some category is a number's text); else a number is refused. */
  numbers: boolean;
}

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
  /** Each feature's smallest number (-Infinity where any is taken): one comparison per value. */
  private readonly mins: Float64Array;
  private readonly features: ModelCard['features'];
  /** The features that list their numbers; undefined when none does. */
  private readonly allowed: { index: number; name: string; set: ReadonlySet<number> }[] | undefined;
  /**
   * True for a card of numbers only fed as one numeric input in feature order, with no other spellings:
   * encode() writes one matrix, as before typed features. Otherwise encodeInputs() fills each input.
   */
  readonly plain: boolean;
  /** Per feature: where it goes (typed path). */
  private readonly slots: Slot[];
  /** The graph inputs' element types and widths, in the card's input order. */
  readonly inputs: readonly { name: string; type: 'float32' | 'float64' | 'string'; width: number }[];

  constructor(card: ModelCard) {
    this.names = card.features.map((f) => f.name);
    this.index = new Map(this.names.map((n, i) => [n, i]));
    const fed = graphInputs(card);
    this.inputs = fed.map((input) => ({ name: input.name, type: input.type, width: input.features.length }));
    this.slots = new Array(this.names.length);
    fed.forEach((input, j) => {
      input.features.forEach((name, c) => {
        const at = this.index.get(name) as number;
        const feature = card.features[at] as FeatureSpec;
        this.slots[at] = {
          input: j,
          column: c,
          width: input.features.length,
          feature,
          codes: feature.categories ? new Map(feature.categories.map((k, code) => [k, code])) : undefined,
          text: input.type === 'string',
          numbers: numberCategories(feature.categories ?? []).length > 0,
        };
      });
    });
    // A source spelling (`Total Spend`) names the feature too; validateCard keeps them all distinct.
    card.features.forEach((f, i) => {
      if (f.column !== undefined) this.index.set(f.column, i);
    });
    this.plain =
      card.io.inputs === undefined &&
      card.features.every((f) => f.type === 'number' && f.column === undefined);
    this.allowMissing = card.features.map((f) => takesMissing(card, f));
    this.anyMissing = this.allowMissing.includes(true);
    this.valueSets = card.features.map((f) => (f.values ? new Set(f.values) : undefined));
    this.features = card.features;
    this.mins = Float64Array.from(card.features, (f) => f.min?.value ?? Number.NEGATIVE_INFINITY);
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
      else throw this.notARow(row, r, 'numbers');
    }
    return out;
  }

  /** A row that is neither an array nor an object. */
  private notARow(row: unknown, r: number, what: 'numbers' | 'values'): InvalidRowError {
    return new InvalidRowError(
      'invalid_row',
      `row ${r} must be an array of ${this.names.length} ${what} or an object keyed by feature name, got ${jsonType(row)}`,
      { row: r, expected: 'array or object', got: jsonType(row) },
    );
  }

  /** An array row of another length than the model's features. */
  private wrongLength(length: number, r: number): InvalidRowError {
    const width = this.names.length;
    return new InvalidRowError(
      'invalid_row',
      `row ${r} has ${length} values, the model expects ${width} (${listNames(this.names)})`,
      { row: r, expected: `${width} values`, got: `${length} values` },
    );
  }

  /** An object row's keys that name no feature. */
  private unknownFeatures(unknown: string[], r: number): InvalidRowError {
    return new InvalidRowError(
      'unknown_feature',
      `row ${r} has unknown feature${unknown.length > 1 ? 's' : ''} ${listNames(unknown.map((k) => JSON.stringify(k)))}; the model's features are ${listNames(this.names)}`,
      { row: r, unknown },
    );
  }

  private encodeArray(
    row: readonly unknown[],
    r: number,
    out: Float32Array | Float64Array,
    base: number,
  ): void {
    const width = this.names.length;
    if (row.length !== width) throw this.wrongLength(row.length, r);
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
    if (unknown.length > 0) throw this.unknownFeatures(unknown, r);
    const width = this.names.length;
    for (let i = 0; i < width; i++) {
      const name = this.names[i];
      out[base + i] = this.value(Object.hasOwn(row, name) ? row[name] : null, r, i);
    }
    if (this.allowed !== undefined)
      for (const a of this.allowed) this.checkAllowed(row[a.name], r, a.index, a.set);
  }

  /**
   * Encodes rows into one buffer per graph input (the card's io.inputs order): numbers as they are, a
   * category as its code in a numeric input or as its text in a string input, a boolean as 1 or 0, a
   * missing value as NaN. Any card; encode() is the same for a plain one, in one matrix.
   */
  encodeInputs(rows: readonly unknown[]): InputBuffer[] {
    const n = rows.length;
    const out: InputBuffer[] = this.inputs.map((input) =>
      input.type === 'string'
        ? new Array<string>(n * input.width)
        : input.type === 'float64'
          ? new Float64Array(n * input.width)
          : new Float32Array(n * input.width),
    );
    const width = this.names.length;
    for (let r = 0; r < n; r++) {
      const row = rows[r];
      let get: (i: number) => unknown;
      if (Array.isArray(row)) {
        if (row.length !== width) throw this.wrongLength(row.length, r);
        get = (i) => row[i];
      } else if (typeof row === 'object' && row !== null) {
        const byFeature = this.keyed(row as Record<string, unknown>, r);
        get = (i) => byFeature[i];
      } else throw this.notARow(row, r, 'values');
      for (let i = 0; i < width; i++) {
        const slot = this.slots[i] as Slot;
        const at = r * slot.width + slot.column;
        const buffer = out[slot.input] as InputBuffer;
        if (slot.feature.type === 'text') (buffer as string[])[at] = this.freeText(get(i), r, i);
        else if (slot.text) (buffer as string[])[at] = this.category(get(i), r, i, slot) as string;
        else (buffer as Float32Array)[at] = this.typedValue(get(i), r, i, slot);
      }
    }
    return out;
  }

  /** An object row's values by feature index (undefined where absent), its keys names or source spellings. */
  private keyed(row: Record<string, unknown>, r: number): unknown[] {
    const values: unknown[] = new Array(this.names.length);
    const given = new Uint8Array(this.names.length);
    const unknown: string[] = [];
    for (const key of Object.keys(row)) {
      const i = this.index.get(key);
      if (i === undefined) {
        unknown.push(key);
        continue;
      }
      if (given[i]++ > 0)
        throw new InvalidRowError(
          'invalid_row',
          `row ${r} gives the feature "${this.names[i]}" twice (by its name and by its column's spelling)`,
          { row: r, feature: this.names[i] },
        );
      values[i] = row[key];
    }
    if (unknown.length > 0) throw this.unknownFeatures(unknown, r);
    return values;
  }

  /** A value for a numeric input: a number as value() takes it, a category's code, a boolean's 1 or 0. */
  private typedValue(v: unknown, r: number, i: number, slot: Slot): number {
    const f = slot.feature;
    if (f.type === 'number') {
      const x = this.value(v, r, i);
      const set = this.valueSets[i];
      if (set && !Number.isNaN(x)) this.checkAllowed(x, r, i, set);
      return x;
    }
    if (v === null || v === undefined) return this.value(null, r, i);
    if (f.type === 'boolean') {
      if (typeof v === 'boolean') return v ? 1 : 0;
      throw new InvalidRowError(
        'invalid_row',
        `row ${r}, feature "${this.names[i]}": expected true or false${this.allowMissing[i] ? ' (or null)' : ''}, got ${jsonType(v)}`,
        { row: r, feature: this.names[i], expected: 'a boolean', got: jsonType(v) },
      );
    }
    const code = this.category(v, r, i, slot);
    return code === undefined ? this.value(null, r, i) : (code as number);
  }

  /** A text feature's value: any string, as sent (a text vectorizer in the graph reads it); never missing. */
  private freeText(v: unknown, r: number, i: number): string {
    if (typeof v === 'string') {
      const refuses = this.features[i]?.refuses;
      if (refuses !== undefined)
        for (const c of refuses.characters)
          if (v.includes(c))
            throw new InvalidRowError(
              'unanswerable_row',
              `row ${r}, feature "${this.names[i]}": the text holds "${c}", which this model cannot read as scikit-learn does (${refuses.because})`,
              { row: r, feature: this.names[i], got: c },
            );
      return v;
    }
    if (v === null || v === undefined)
      throw new InvalidRowError(
        'missing_feature',
        `row ${r}, feature "${this.names[i]}" is missing, and this model takes no missing value for it: send a text (a string, "" for none)`,
        { row: r, feature: this.names[i], expected: 'a text (a string)' },
      );
    throw new InvalidRowError(
      'invalid_row',
      `row ${r}, feature "${this.names[i]}": expected a text (a string), got ${jsonType(v)}`,
      { row: r, feature: this.names[i], expected: 'a text (a string)', got: jsonType(v) },
    );
  }

  /**
   * A category's code (numeric input) or text (string input); undefined for an unknown one the card
   * takes as missing, -1 for one it passes to a numeric input. A number is taken where its text is one of the categories (a column of integer
   * codes the model was fitted on).
   */
  private category(v: unknown, r: number, i: number, slot: Slot): number | string | undefined {
    const f = slot.feature;
    if (v === null || v === undefined) {
      if (slot.text)
        throw new InvalidRowError(
          'missing_feature',
          `row ${r}, feature "${this.names[i]}" is missing, and this model takes no missing value for it: send one of its categories`,
          { row: r, feature: this.names[i], expected: 'a category' },
        );
      return undefined;
    }
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v) && slot.numbers))
      throw new InvalidRowError(
        'invalid_row',
        `row ${r}, feature "${this.names[i]}": expected a category (a string), got ${jsonType(v)}`,
        { row: r, feature: this.names[i], expected: 'a category (a string)', got: jsonType(v) },
      );
    const key = String(v);
    const code = slot.codes?.get(key);
    if (code !== undefined) return slot.text ? key : code;
    if (f.unknown === 'missing') return undefined;
    // Passed on: the text itself to a string input; to a numeric one the code -1, which no category has.
    if (f.unknown === 'pass') return slot.text ? key : -1;
    const list = f.categories ?? [];
    throw this.notInList(
      r,
      i,
      JSON.stringify(key),
      key,
      'categories',
      list,
      list.map((c) => JSON.stringify(c)),
    );
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
      if (Number.isFinite(v)) {
        if (v < (this.mins[i] as number)) throw this.belowMin(v, r, i);
        return v;
      }
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

  /** A number below the smallest the model takes (a step scikit-learn raises in refuses it). */
  private belowMin(v: number, r: number, i: number): InvalidRowError {
    const min = this.features[i]?.min as { value: number; because: string };
    return new InvalidRowError(
      'out_of_range',
      `row ${r}, feature "${this.names[i]}": ${v} is below the smallest number this model takes, ${min.value} (${min.because})`,
      { row: r, feature: this.names[i], expected: `a number of at least ${min.value}`, got: String(v) },
    );
  }

  /** A number the feature's list does not hold (a category the model never saw): which, and what it takes. */
  private notAllowed(v: number, r: number, i: number): InvalidRowError {
    const list = [...(this.valueSets[i] as ReadonlySet<number>)];
    return this.notInList(r, i, String(v), String(v), 'values', list, list.map(String));
  }

  /**
   * A value outside the list a feature takes (a number's `values`, a category's `categories`): which, and
   * the list, its first entries in the message and up to MAX_ALLOWED_IN_DETAILS in the details.
   */
  private notInList(
    r: number,
    i: number,
    shownValue: string,
    got: string,
    noun: 'values' | 'categories',
    list: readonly (number | string)[],
    shownList: string[],
  ): InvalidRowError {
    const orMissing = this.allowMissing[i] ? ', or null (missing)' : '';
    return new InvalidRowError(
      'unknown_category',
      `row ${r}, feature "${this.names[i]}": ${shownValue} is not one of the ${noun} this model takes (${listNames(shownList)}${orMissing})`,
      {
        row: r,
        feature: this.names[i],
        expected: `one of ${list.length} ${noun}`,
        got,
        allowed: list.slice(0, MAX_ALLOWED_IN_DETAILS),
        ...(list.length > MAX_ALLOWED_IN_DETAILS ? { allowedCount: list.length } : {}),
      },
    );
  }
}
