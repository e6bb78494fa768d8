// One CSV column's cells as the reader streams them in: numbers in float64 blocks while every cell is
// a number, a missing value or an infinity; otherwise interned text (each distinct cell once, and a
// code per row). What the cells mean (number, boolean, date, category, identifier) is decided later,
// in dataset.ts, from these columns.
import { infinityOf, isMissingCell, numberIn } from './dataset.js';

/** A column of numbers: NaN where a cell was missing, an infinity where one was spelt. */
export interface NumberColumn {
  kind: 'number';
  value(r: number): number;
  /** The cell as text: the number as JavaScript spells it (in the file's decimal mark), '' if missing. */
  cell(r: number): string;
}

/** A column of text: each row's code into `values`, the distinct cells in order of appearance. */
export interface TextColumn {
  kind: 'text';
  values: readonly string[];
  code(r: number): number;
  cell(r: number): string;
}

export type TableColumn = NumberColumn | TextColumn;

export interface ColumnStore {
  push(cell: string): void;
  finish(): TableColumn;
}

const BITS = 16;
const BLOCK = 1 << BITS;
const MASK = BLOCK - 1;
/**
 * A column is held as text for its first rows, then as numbers if they all were: so that a text
 * column's numbers keep their spelling ("1.50" stays a category of its own), and a number column does
 * not intern a string per row. A column that turns to text later has its numbers respelt.
 */
const DECIDE_AFTER = 1024;

/** A copy of `s` that does not hold on to the chunk of text it was cut from. */
function own(s: string): string {
  // V8 copies strings shorter than 13 characters when slicing; longer slices point into their chunk.
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

export function newColumnStore(decimal: '.' | ','): ColumnStore {
  return new Store(decimal);
}

class Store implements ColumnStore {
  private rows = 0;
  // Text mode.
  private index: Map<string, number> | undefined = new Map();
  private values: string[] = [];
  private codes: Int32Array[] = [];
  // Number mode.
  private numbers: Float64Array[] | undefined;
  /** The spelling of each infinite cell, by row (rare: they are refused as features). */
  private spelt = new Map<number, string>();
  private readonly toNumber: (cell: string) => number | undefined;

  constructor(private readonly decimal: '.' | ',') {
    this.toNumber = numberIn(decimal);
  }

  push(cell: string): void {
    const r = this.rows++;
    const numbers = this.numbers;
    if (numbers) {
      let v = this.toNumber(cell);
      if (v === undefined) {
        if (isMissingCell(cell)) v = Number.NaN;
        else {
          v = infinityOf(cell);
          if (v === undefined) {
            this.rows--;
            this.toText();
            this.push(cell);
            return;
          }
        }
      }
      if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) this.spelt.set(r, own(cell));
      if ((r & MASK) === 0) numbers.push(new Float64Array(BLOCK));
      numbers[r >>> BITS][r & MASK] = v;
      return;
    }
    this.pushText(r, cell);
    if (this.rows === DECIDE_AFTER) this.decide();
  }

  private pushText(r: number, cell: string): void {
    const index = this.index!;
    let code = index.get(cell);
    if (code === undefined) {
      code = this.values.length;
      const kept = own(cell);
      this.values.push(kept);
      index.set(kept, code);
    }
    if ((r & MASK) === 0) this.codes.push(new Int32Array(BLOCK));
    this.codes[r >>> BITS][r & MASK] = code;
  }

  /** Number mode if every cell so far is a number, a missing value or an infinity. */
  private decide(): void {
    const asNumber = this.values.map(
      (c) => this.toNumber(c) ?? (isMissingCell(c) ? Number.NaN : infinityOf(c)),
    );
    if (asNumber.some((v) => v === undefined)) return;
    const numbers: Float64Array[] = [];
    for (let r = 0; r < this.rows; r++) {
      if ((r & MASK) === 0) numbers.push(new Float64Array(BLOCK));
      const code = this.codes[r >>> BITS][r & MASK];
      const v = asNumber[code] as number;
      numbers[r >>> BITS][r & MASK] = v;
      if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)
        this.spelt.set(r, this.values[code]);
    }
    this.numbers = numbers;
    this.index = undefined;
    this.values = [];
    this.codes = [];
  }

  private toText(): void {
    const numbers = this.numbers!;
    const rows = this.rows;
    this.numbers = undefined;
    this.index = new Map();
    this.values = [];
    this.codes = [];
    for (let r = 0; r < rows; r++) this.pushText(r, this.spell(numbers[r >>> BITS][r & MASK], r));
    this.spelt.clear();
  }

  private spell(v: number, r: number): string {
    if (Number.isNaN(v)) return '';
    const spelt = this.spelt.get(r);
    if (spelt !== undefined) return spelt;
    const s = String(v);
    return this.decimal === ',' ? s.replace('.', ',') : s;
  }

  finish(): TableColumn {
    if (!this.numbers && this.rows < DECIDE_AFTER) this.decide();
    const numbers = this.numbers;
    if (numbers) {
      return {
        kind: 'number',
        value: (r) => numbers[r >>> BITS][r & MASK],
        cell: (r) => this.spell(numbers[r >>> BITS][r & MASK], r),
      };
    }
    const { values, codes } = this;
    this.index = undefined;
    return {
      kind: 'text',
      values,
      code: (r) => codes[r >>> BITS][r & MASK],
      cell: (r) => values[codes[r >>> BITS][r & MASK]],
    };
  }
}
