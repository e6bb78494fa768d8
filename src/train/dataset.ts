// A parsed table into what the trainer needs: a numeric feature matrix (NaN for missing), the target
// encoded for the task, and the task itself when the user did not say.
import type { ClassLabel, Task } from '../onnx/card.js';
import type { Table, TableColumn } from './csv.js';
import { normalizeColumnName } from './csv.js';
import { type DateFormat, type DateParts, dateFormatOf, dateParts, describeDateFormat } from './dates.js';
import { TrainingDataError } from './errors.js';

/** Cells read as missing values, as pandas reads them by default (a subset). */
const MISSING = new Set(['', 'na', 'n/a', 'nan', '-nan', 'null', 'none', '#n/a', '?']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
/** Infinity as pandas spells it in a numeric column (inf, -inf, +Infinity, ..., any case). */
const INFINITY = /^[+-]?(inf|infinity)$/i;
/** An integer target with at most this many distinct values is taken as classes, not a quantity. */
const MAX_INFERRED_CLASSES = 20;

/** What a feature column holds: numbers, booleans read as 0 (false) and 1 (true), or category codes. */
export type FeatureKind = 'number' | 'boolean' | 'category';

/** A column the reader left out of the features, and why. */
export interface LeftOutColumn {
  column: string;
  reason: 'identifier' | 'date';
  /** What was seen, for the summary ("unique text", "dates, ISO 8601"). */
  detail: string;
}

/** A date column expanded into numeric features (`--dates parts`). */
export interface ExpandedDate {
  column: string;
  detail: string;
  features: string[];
}

export interface Dataset {
  features: string[];
  /** Each feature's kind, in feature order. */
  kinds: FeatureKind[];
  /**
   * Each feature's column as the file spells it, where that differs from the feature's (normalized)
   * name (`Total Spend` for `total_spend`); undefined for the rest and for features made from a date.
   */
  spellings: (string | undefined)[];
  target: string;
  task: Task;
  /** How the task was chosen, for the summary. */
  taskReason: string;
  rows: number;
  /** Row-major rows x features, NaN where missing. */
  x: Float64Array;
  /** Classification: the class of each row as an index into `classes`. */
  yClass?: Int32Array;
  classes?: ClassLabel[];
  /** Regression: the target value of each row. */
  yValue?: Float64Array;
  /** Rows left out because their target was missing. */
  skippedRows: number;
  /** Identifier and date columns left out of the features. */
  leftOut: LeftOutColumn[];
  /** Date columns made into features by `dates: 'parts'`. */
  expandedDates: ExpandedDate[];
  /**
   * Where some feature is categorical: each feature's categories (undefined for a numeric one), sorted;
   * its values in `x` are their indices (codes), NaN where missing.
   */
  categories?: (string[] | undefined)[];
}

export interface DatasetOptions {
  target: string;
  task?: Task;
  /** Columns to leave out (ids, free text). */
  drop?: string[];
  /** Columns to keep although they look like identifiers. */
  keep?: string[];
  /** Date columns: left out (the default), or expanded into year, month, day, ... features. */
  dates?: 'drop' | 'parts';
  /** The decimal mark of numbers. */
  decimal?: '.' | ',';
  /** Columns to treat as categories (text, or integer codes), whatever their cells look like. */
  categorical?: string[];
  source: string;
  /**
   * Write the feature matrix over the table's number matrix, in place, rather than beside it: the
   * numbers are then held once. The table is not to be read afterwards.
   */
  inPlace?: boolean;
}

/** The most categories one categorical feature may have (a card lists at most 65,536 values per feature). */
export const MAX_CATEGORIES = 65_535;

/** Boolean cells, any case: each spelling and the number it is read as. */
const BOOLEANS = new Map([
  ['true', 1],
  ['false', 0],
  ['yes', 1],
  ['no', 0],
  ['y', 1],
  ['n', 0],
  ['t', 1],
  ['f', 0],
]);

/** A text column of distinct values is an identifier only with this many rows: fewer tell nothing. */
const MIN_ROWS_TEXT_IDENTIFIER = 10;

/** Named like an identifier: `id`, `passenger_id`, `PassengerId`, `customerID`, `order-id`. */
function namedLikeId(raw: string): boolean {
  return /^id$/i.test(raw.trim()) || /[\s_.-]id$/i.test(raw.trim()) || /[a-z0-9](Id|ID)$/.test(raw.trim());
}

/** A number with a decimal comma (`1,5`, `-,5`, `2`); a dot makes it text. */
function isDecimalCommaNumber(cell: string): boolean {
  return !cell.includes('.') && NUMBER.test(cell.replace(',', '.'));
}

/** A cell as a number in the file's decimal mark; undefined when it is not one. */
export function numberIn(decimal: '.' | ','): (cell: string) => number | undefined {
  if (decimal === '.') return (cell) => (NUMBER.test(cell) ? Number(cell) : undefined);
  return (cell) => (isDecimalCommaNumber(cell) ? Number(cell.replace(',', '.')) : undefined);
}

type ColumnType =
  | { type: 'number' }
  | { type: 'boolean' }
  | { type: 'date'; format: DateFormat }
  | { type: 'text'; example: number };

/**
 * What each column holds over the rows kept, judged on its present cells. A column the reader holds
 * as numbers has only numbers, missing values and infinities: a number column, whatever the rows kept.
 */
function columnTypes(
  table: Table,
  kept: readonly number[],
  cols: readonly number[],
  decimal: '.' | ',',
): ColumnType[] {
  const n = cols.length;
  const columns = cols.map((c) => table.column(c));
  const numeric = new Uint8Array(n).fill(1);
  const boolean = new Uint8Array(n).fill(1);
  const present = new Int32Array(n);
  /** The cell to show for a text column: the first that is neither a number nor a boolean. */
  const firstText = new Int32Array(n).fill(-1);
  const firstOther = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    const column = columns[j];
    if (column.kind === 'number') continue;
    for (const r of kept) {
      const cell = column.cell(r);
      // Most cells are numbers: test that first, and only that.
      if (decimal === '.' ? NUMBER.test(cell) : isDecimalCommaNumber(cell)) {
        present[j]++;
        boolean[j] = 0;
        continue;
      }
      if (isMissingCell(cell)) continue;
      present[j]++;
      const isNumber = INFINITY.test(cell);
      if (!isNumber) {
        if (numeric[j]) firstOther[j] = r;
        numeric[j] = 0;
      }
      const isBoolean = BOOLEANS.has(cell.toLowerCase());
      if (!isBoolean) boolean[j] = 0;
      if (firstText[j] < 0 && !isNumber && !isBoolean) firstText[j] = r;
    }
  }
  return cols.map((_, j): ColumnType => {
    if (numeric[j]) return { type: 'number' };
    if (boolean[j] && present[j] > 0) return { type: 'boolean' };
    const cells: string[] = [];
    for (const r of kept) {
      const cell = columns[j].cell(r);
      if (!isMissingCell(cell)) cells.push(cell);
    }
    const format = dateFormatOf(cells);
    if (format) return { type: 'date', format };
    return { type: 'text', example: firstText[j] >= 0 ? firstText[j] : firstOther[j] };
  });
}

/** Every kept row has an integer (no infinity), as an identifier column has. */
function integerPerRow(column: TableColumn, kept: readonly number[], decimal: '.' | ','): boolean {
  if (column.kind === 'number') return kept.every((r) => Number.isInteger(column.value(r)));
  const toNumber = numberIn(decimal);
  return kept.every((r) => Number.isInteger(toNumber(column.cell(r))));
}

/** Every kept row has a value, and no two are equal (numbers by value, text by spelling). */
function uniquePerRow(column: TableColumn, kept: readonly number[]): boolean {
  const seen = new Set<string | number>();
  for (const r of kept) {
    const cell = column.kind === 'number' ? column.value(r) : column.cell(r);
    if (typeof cell === 'number' ? Number.isNaN(cell) : isMissingCell(cell)) return false;
    if (seen.has(cell)) return false;
    seen.add(cell);
  }
  return true;
}

/** One feature: its name, kind, and the value of row `r` of the table. */
interface FeatureSource {
  name: string;
  kind: FeatureKind;
  column: number;
  value: (r: number) => number;
  /** Whether `value` is the table's number matrix at `column` (read from it directly). */
  inMatrix?: boolean;
  /** A category feature's categories, in code order. */
  categories?: string[];
}

const DATE_PARTS = ['year', 'month', 'day', 'dayofweek', 'hour', 'minute'] as const;

export function isMissingCell(cell: string): boolean {
  return MISSING.has(cell.toLowerCase());
}

/** An infinity as pandas spells it in a numeric column; undefined for any other cell. */
export function infinityOf(cell: string): number | undefined {
  if (!INFINITY.test(cell)) return undefined;
  return cell.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

export function buildDataset(table: Table, options: DatasetOptions): Dataset {
  const { source } = options;
  const target = normalizeColumnName(options.target);
  const targetCol = table.columns.indexOf(target);
  if (targetCol < 0) {
    throw new TrainingDataError(
      `${source} has no target column "${options.target}"; its columns are ${table.columns.join(', ')}`,
    );
  }
  const drop = namedColumns(table, options.drop, '--drop', source);
  const keep = namedColumns(table, options.keep, '--keep', source);
  for (const k of keep) {
    if (drop.has(k)) throw new TrainingDataError(`--keep and --drop both name "${k}"`);
  }
  const candidates = table.columns
    .map((_, i) => i)
    .filter((i) => i !== targetCol && !drop.has(table.columns[i]));
  const categorical = new Set((options.categorical ?? []).map(normalizeColumnName));
  for (const c of categorical) {
    if (!table.columns.includes(c))
      throw new TrainingDataError(`--categorical names "${c}", which ${source} does not have`);
    if (c === target) throw new TrainingDataError(`--categorical names "${c}", the target`);
    if (drop.has(c)) throw new TrainingDataError(`--categorical names "${c}", which --drop leaves out`);
  }
  if (candidates.length === 0)
    throw new TrainingDataError(`${source} has no feature columns besides the target`);

  const kept: number[] = [];
  const targetColumn = table.column(targetCol);
  for (let r = 0; r < table.rows; r++) {
    const missing =
      targetColumn.kind === 'number'
        ? Number.isNaN(targetColumn.value(r))
        : isMissingCell(targetColumn.cell(r));
    if (!missing) kept.push(r);
  }
  if (kept.length === 0) throw new TrainingDataError(`${source}: every row's target "${target}" is missing`);

  const decimal = options.decimal ?? '.';
  const toNumber = numberIn(decimal);
  const sources: FeatureSource[] = [];
  const leftOut: LeftOutColumn[] = [];
  const expandedDates: ExpandedDate[] = [];
  const types = columnTypes(table, kept, candidates, decimal);
  for (const [c, col] of candidates.entries()) {
    const name = table.columns[col];
    const column = table.column(col);
    const kind = types[c];
    const asked = keep.has(name);
    if (categorical.has(name)) {
      // Named a category: learned as one whatever its cells look like (text, or integer codes).
      const { categories, code } = categoryColumn(table, kept, col, source, true);
      sources.push({ name, kind: 'category', column: col, value: code, categories });
    } else if (kind.type === 'number') {
      if (
        !asked &&
        namedLikeId(table.rawColumns[col]) &&
        uniquePerRow(column, kept) &&
        integerPerRow(column, kept, decimal)
      ) {
        leftOut.push({ column: name, reason: 'identifier', detail: 'unique integers, named like an id' });
        continue;
      }
      sources.push({
        name,
        kind: 'number',
        column: col,
        value:
          column.kind === 'number' ? (r) => column.value(r) : (r) => numberCell(column.cell(r), toNumber),
        inMatrix: column.kind === 'number',
      });
    } else if (kind.type === 'boolean') {
      sources.push({
        name,
        kind: 'boolean',
        column: col,
        value: (r) => BOOLEANS.get(column.cell(r).toLowerCase()) ?? Number.NaN,
      });
    } else if (kind.type === 'date') {
      const detail = describeDateFormat(kind.format);
      if (options.dates !== 'parts') {
        if (asked) {
          throw new TrainingDataError(
            `${source}: column "${name}" holds ${detail}; --keep cannot make a feature of it as it is: --dates parts makes its year, month, day and day of the week features`,
          );
        }
        leftOut.push({ column: name, reason: 'date', detail });
        continue;
      }
      const parts = DATE_PARTS.filter((p) => kind.format.time || (p !== 'hour' && p !== 'minute'));
      const cache = new Map<number, DateParts | undefined>();
      const partsOf = (r: number) => {
        if (!cache.has(r)) {
          const cell = column.cell(r);
          cache.set(r, isMissingCell(cell) ? undefined : dateParts(cell, kind.format));
        }
        return cache.get(r);
      };
      const names = parts.map((p) => `${name}_${p}`);
      for (const [i, p] of parts.entries()) {
        const field = p === 'dayofweek' ? 'dayOfWeek' : p;
        sources.push({
          name: names[i],
          kind: 'number',
          column: col,
          value: (r) => partsOf(r)?.[field] ?? Number.NaN,
        });
      }
      expandedDates.push({ column: name, detail, features: names });
    } else {
      if (!asked && kept.length >= MIN_ROWS_TEXT_IDENTIFIER && uniquePerRow(column, kept)) {
        leftOut.push({ column: name, reason: 'identifier', detail: 'unique text' });
        continue;
      }
      // A text column is learned as categories, as pandas' category dtype is by HistGradientBoosting.
      const { categories, code } = categoryColumn(table, kept, col, source, false);
      sources.push({ name, kind: 'category', column: col, value: code, categories });
    }
  }
  const names = new Set<string>();
  for (const f of sources) {
    if (names.has(f.name))
      throw new TrainingDataError(
        `${source}: the date part "${f.name}" is also the name of a column; rename one`,
      );
    names.add(f.name);
  }
  if (sources.length === 0) {
    throw new TrainingDataError(
      `${source} has no feature columns besides the target (left out: ${leftOut.map((c) => `${c.column}, ${c.reason}`).join('; ')}; --keep keeps one)`,
    );
  }

  // The target's cells are taken before the feature matrix may overwrite its column.
  const targetCells = kept.map((r) => targetColumn.cell(r));
  const width = sources.length;
  const matrix = table.matrix;
  // In place, row k of x is written over rows k and up of the table's matrix once row r >= k is read:
  // safe while x is no wider than the table (date parts may make it wider).
  const inPlace = options.inPlace === true && width <= matrix.width && kept.length * width > 0;
  const x = inPlace
    ? new Float64Array(matrix.buffer, 0, kept.length * width)
    : new Float64Array(kept.length * width);
  const categories = sources.map((f) => f.categories);
  const values = sources.map((f) => f.value);
  // A number column's values are read from the matrix here rather than through a call per cell.
  const fromMatrix = Int32Array.from(sources, (f) => (f.inMatrix ? f.column : -1));
  const numbers = matrix.values;
  const row = new Float64Array(width);
  for (let k = 0; k < kept.length; k++) {
    const r = kept[k];
    const at = r * matrix.width;
    for (let j = 0; j < width; j++) {
      const c = fromMatrix[j];
      const v = c >= 0 ? numbers[at + c] : values[j](r);
      // An infinity (spelt out, or a number past double range such as 1e400) is refused rather than
      // read as missing: the file says something other than "unknown", and scikit-learn refuses it.
      if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
        throw new TrainingDataError(
          `${source}: column "${sources[j].name}", line ${table.lineOf(r)}: ${table.column(sources[j].column).cell(r)} is not a finite number; ` +
            'modelgate trains on finite numbers (scikit-learn refuses infinities too): replace it, or leave the cell empty for a missing value',
        );
      }
      row[j] = v;
    }
    // Not x.set(row, ...): over the table's resizable buffer it took ~400 ns a row in Node 20.
    const to = k * width;
    for (let j = 0; j < width; j++) x[to + j] = row[j];
  }
  // The rest of the table's numbers go; x's own pages stay.
  if (inPlace) matrix.buffer.resize(x.byteLength);

  const cells =
    options.decimal === ','
      ? targetCells.map((cell) => {
          const v = toNumber(cell);
          return v === undefined ? cell : String(v);
        })
      : targetCells;
  refuseNonFiniteTarget(table, kept, cells, target, source);
  const numeric = cells.every((c) => NUMBER.test(c));
  const integral = numeric && cells.every((c) => INTEGER.test(c) || Number.isInteger(Number(c)));
  let task = options.task;
  let taskReason = 'as asked';
  if (!task) {
    const distinct = new Set(cells).size;
    if (!numeric) {
      task = 'classification';
      taskReason = 'the target is not numeric';
    } else if (integral && distinct <= MAX_INFERRED_CLASSES) {
      task = 'classification';
      taskReason = `the target has ${distinct} integer values`;
    } else {
      task = 'regression';
      taskReason = 'the target is numeric';
    }
  }

  const base = {
    features: sources.map((f) => f.name),
    kinds: sources.map((f) => f.kind),
    spellings: sources.map((f) => {
      const raw = table.rawColumns[f.column] as string;
      return raw !== f.name && normalizeColumnName(raw) === f.name ? raw : undefined;
    }),
    target,
    task,
    taskReason,
    rows: kept.length,
    x,
    leftOut,
    expandedDates,
    ...(categories.some(Boolean) ? { categories } : {}),
  };
  const skippedRows = table.rows - kept.length;
  if (task === 'regression') {
    if (!numeric) {
      const bad = cells.findIndex((c) => !NUMBER.test(c));
      throw new TrainingDataError(
        `${source}: regression needs a numeric target, but line ${table.lineOf(kept[bad])} has ${JSON.stringify(targetCells[bad])}`,
      );
    }
    return { ...base, yValue: Float64Array.from(cells, Number), skippedRows };
  }

  // Classes sorted as scikit-learn sorts them (np.unique): numbers numerically, strings by code point.
  const labels: ClassLabel[] = numeric ? cells.map(Number) : cells;
  const classes = [...new Set(labels)].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : String(a) < String(b)
        ? -1
        : String(a) > String(b)
          ? 1
          : 0,
  );
  if (classes.length < 2) {
    throw new TrainingDataError(
      `${source}: the target "${target}" has one class only (${JSON.stringify(classes[0])}); a classifier needs at least two`,
    );
  }
  const indexOf = new Map(classes.map((c, i) => [c, i]));
  const yClass = Int32Array.from(labels, (l) => indexOf.get(l)!);
  return { ...base, yClass, classes, skippedRows };
}

/** A numeric cell's value: NaN when missing, an infinity when spelt as one. */
function numberCell(cell: string, toNumber: (cell: string) => number | undefined): number {
  const v = toNumber(cell);
  if (v !== undefined) return v;
  if (isMissingCell(cell)) return Number.NaN;
  return INFINITY.test(cell) && cell.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/** The normalized names an option gives, each checked to be a column. */
function namedColumns(
  table: Table,
  names: string[] | undefined,
  option: string,
  source: string,
): Set<string> {
  const out = new Set((names ?? []).map(normalizeColumnName));
  for (const d of out) {
    if (!table.columns.includes(d))
      throw new TrainingDataError(`${option} names "${d}", which ${source} does not have`);
  }
  return out;
}

/**
 * Column `col` as categories: the distinct cells, sorted as scikit-learn's encoders sort them (numbers
 * numerically, in their shortest spelling so that 3, 3.0 and a request's 3 are one category; text by
 * code point), and each row's code (its category's index; NaN where missing).
 */
function categoryColumn(
  table: Table,
  kept: number[],
  col: number,
  source: string,
  asked: boolean,
): { categories: string[]; code: (r: number) => number } {
  const column = table.column(col);
  const present = kept.map((r) => column.cell(r)).filter((c) => !isMissingCell(c));
  const numeric = present.every((c) => NUMBER.test(c));
  const key = numeric ? (c: string) => String(Number(c)) : (c: string) => c;
  const distinct = [...new Set(present.map(key))];
  if (distinct.length === 0)
    throw new TrainingDataError(`${source}: the categorical column "${table.columns[col]}" has no values`);
  if (distinct.length > MAX_CATEGORIES) {
    const name = table.columns[col];
    throw new TrainingDataError(
      asked
        ? `${source}: the categorical column "${name}" has ${distinct.length} categories; at most ${MAX_CATEGORIES}`
        : `${source}: the text column "${name}" has ${distinct.length} distinct values, more than the ${MAX_CATEGORIES} categories a feature may have: --drop it, or encode it as numbers`,
    );
  }
  const categories = numeric
    ? distinct.sort((a, b) => Number(a) - Number(b))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const codes = new Map(categories.map((c, i) => [c, i]));
  const code = (r: number) => {
    const cell = column.cell(r);
    return isMissingCell(cell) ? Number.NaN : (codes.get(key(cell)) as number);
  };
  return { categories, code };
}

/**
 * A numeric target with an infinity (inf, -inf, 1e400) would train a model of NaNs, or, read as text,
 * a classifier with "inf" among its classes. In a text column "inf" is a class name, as pandas reads it.
 */
function refuseNonFiniteTarget(
  table: Table,
  kept: number[],
  cells: string[],
  target: string,
  source: string,
): void {
  if (!cells.every((c) => NUMBER.test(c) || INFINITY.test(c))) return;
  const at = cells.findIndex((c) => INFINITY.test(c) || !Number.isFinite(Number(c)));
  if (at < 0) return;
  throw new TrainingDataError(
    `${source}: the target "${target}" is not a finite number on line ${table.lineOf(kept[at] as number)} (${JSON.stringify(cells[at])}); ` +
      'modelgate trains on finite numbers: fix the value, or leave the cell empty to skip the row',
  );
}
