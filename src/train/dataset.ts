// A parsed table into what the trainer needs: a numeric feature matrix (NaN for missing), the target
// encoded for the task, and the task itself when the user did not say.
import type { ClassLabel, Task } from '../onnx/card.js';
import type { Table } from './csv.js';
import { normalizeColumnName } from './csv.js';
import { TrainingDataError } from './errors.js';

/** Cells read as missing values, as pandas reads them by default (a subset). */
const MISSING = new Set(['', 'na', 'n/a', 'nan', '-nan', 'null', 'none', '#n/a', '?']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
/** Infinity as pandas spells it in a numeric column (inf, -inf, +Infinity, ..., any case). */
const INFINITY = /^[+-]?(inf|infinity)$/i;
/** An integer target with at most this many distinct values is taken as classes, not a quantity. */
const MAX_INFERRED_CLASSES = 20;

export interface Dataset {
  features: string[];
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
  /** Columns to treat as categories (text, or integer codes), whatever their cells look like. */
  categorical?: string[];
  source: string;
}

/** The most categories one categorical feature may have (a card lists at most 65,536 values per feature). */
export const MAX_CATEGORIES = 65_535;

export function isMissingCell(cell: string): boolean {
  return MISSING.has(cell.toLowerCase());
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
  const drop = new Set((options.drop ?? []).map(normalizeColumnName));
  for (const d of drop) {
    if (!table.columns.includes(d))
      throw new TrainingDataError(`--drop names "${d}", which ${source} does not have`);
  }
  const featureCols = table.columns
    .map((_, i) => i)
    .filter((i) => i !== targetCol && !drop.has(table.columns[i]));
  const categorical = new Set((options.categorical ?? []).map(normalizeColumnName));
  for (const c of categorical) {
    if (!table.columns.includes(c))
      throw new TrainingDataError(`--categorical names "${c}", which ${source} does not have`);
    if (c === target) throw new TrainingDataError(`--categorical names "${c}", the target`);
    if (drop.has(c)) throw new TrainingDataError(`--categorical names "${c}", which --drop leaves out`);
  }
  if (featureCols.length === 0)
    throw new TrainingDataError(`${source} has no feature columns besides the target`);

  const kept: number[] = [];
  for (let r = 0; r < table.records.length; r++)
    if (!isMissingCell(table.records[r][targetCol])) kept.push(r);
  if (kept.length === 0) throw new TrainingDataError(`${source}: every row's target "${target}" is missing`);

  const width = featureCols.length;
  const x = new Float64Array(kept.length * width);
  const categories = featureCols.map((col, j) =>
    categorical.has(table.columns[col]) ? categoryColumn(table, kept, col, x, width, j, source) : undefined,
  );
  for (let k = 0; k < kept.length; k++) {
    const r = kept[k];
    const record = table.records[r];
    for (let j = 0; j < width; j++) {
      if (categories[j]) continue;
      const col = featureCols[j];
      const cell = record[col];
      let v: number;
      // Most cells are numbers: test that first.
      if (NUMBER.test(cell)) v = Number(cell);
      else if (isMissingCell(cell)) v = Number.NaN;
      else if (INFINITY.test(cell)) v = Number.POSITIVE_INFINITY;
      else {
        throw new TrainingDataError(
          `${source}: column "${table.columns[col]}" is not numeric (line ${table.lineOf(r)} has ${JSON.stringify(cell)}); ` +
            'learn it as categories with --categorical, encode it as numbers, or leave it out with --drop',
        );
      }
      // An infinity (spelt out, or a number past double range such as 1e400) is refused rather than
      // read as missing: the file says something other than "unknown", and scikit-learn refuses it.
      if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
        throw new TrainingDataError(
          `${source}: column "${table.columns[col]}", line ${table.lineOf(r)}: ${cell} is not a finite number; ` +
            'modelgate trains on finite numbers (scikit-learn refuses infinities too): replace it, or leave the cell empty for a missing value',
        );
      }
      x[k * width + j] = v;
    }
  }

  const cells = kept.map((r) => table.records[r][targetCol]);
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
    features: featureCols.map((c) => table.columns[c]),
    target,
    task,
    taskReason,
    rows: kept.length,
    x,
    ...(categorical.size > 0 ? { categories } : {}),
  };
  const skippedRows = table.records.length - kept.length;
  if (task === 'regression') {
    if (!numeric) {
      const bad = kept.find((r) => !NUMBER.test(table.records[r][targetCol]))!;
      throw new TrainingDataError(
        `${source}: regression needs a numeric target, but line ${table.lineOf(bad)} has ${JSON.stringify(table.records[bad][targetCol])}`,
      );
    }
    return { ...base, yValue: Float64Array.from(cells, Number), skippedRows };
  }

  // Classes sorted as scikit-learn sorts them (np.unique): numbers numerically, strings by code point.
  const labels: ClassLabel[] = integral ? cells.map(Number) : cells;
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

/**
 * Writes column `col`'s codes into feature j of x (NaN where missing) and returns its categories: the
 * distinct cells, sorted as scikit-learn's encoders sort them (numbers numerically, in their shortest
 * spelling so that 3, 3.0 and a request's 3 are one category; text by code point).
 */
function categoryColumn(
  table: Table,
  kept: number[],
  col: number,
  x: Float64Array,
  width: number,
  j: number,
  source: string,
): string[] {
  const cells = kept.map((r) => table.records[r][col]);
  const present = cells.filter((c) => !isMissingCell(c));
  const numeric = present.every((c) => NUMBER.test(c));
  const key = numeric ? (c: string) => String(Number(c)) : (c: string) => c;
  const distinct = [...new Set(present.map(key))];
  if (distinct.length === 0)
    throw new TrainingDataError(`${source}: the categorical column "${table.columns[col]}" has no values`);
  if (distinct.length > MAX_CATEGORIES)
    throw new TrainingDataError(
      `${source}: the categorical column "${table.columns[col]}" has ${distinct.length} categories; at most ${MAX_CATEGORIES}`,
    );
  const categories = numeric
    ? distinct.sort((a, b) => Number(a) - Number(b))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const code = new Map(categories.map((c, i) => [c, i]));
  for (let k = 0; k < cells.length; k++) {
    const cell = cells[k];
    x[k * width + j] = isMissingCell(cell) ? Number.NaN : (code.get(key(cell)) as number);
  }
  return categories;
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
