// One CSV column's cells as the reader streams them in: numbers in the reader's row-major float64
// matrix while every cell is a number, a missing value or an infinity; otherwise interned text (each
// distinct cell once, and a code per row). What the cells mean (number, boolean, date, category, identifier) is decided later,
// in dataset.ts, from these columns.
import { infinityOf, isMissingCell, numberIn } from './dataset.js';

/** A column of numbers: NaN where a cell was missing, an infinity where one was spelt. */
export interface NumberColumn {
  kind: 'number';
  value(r: number): number;
  /** The cell as the file spells it ('1.50', '3e2', 'inf'); '' if missing. */
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

/**
 * A column's cells, one a record: the reader counts a record in `matrix.rows`, then gives each column
 * its cell, by `push`, or, where the column is numeric and the cell a plain decimal, by writing the
 * number in the matrix itself (or by `pushNumber` where the cell's spelling is to be kept).
 */
export interface ColumnStore {
  /** Whether the column holds numbers now (it may turn to text at any `push`, or to numbers at one). */
  readonly numeric: boolean;
  push(cell: string): void;
  /**
   * Stores the record's number, read from a cell that `push` would read as it (a decimal, the column
   * numeric), with the cell as spelt, which is kept where JavaScript would spell the number otherwise.
   */
  pushNumber(v: number, spelling: string): void;
  finish(): TableColumn;
}

/** The most bytes a resizable ArrayBuffer may hold in Node 20 (4 GiB). */
const MAX_MATRIX_BYTES = 2 ** 32;

/** A resizable ArrayBuffer (ES2024; Node 20 has it, the ES2023 lib we compile against does not). */
interface ResizableBuffer extends ArrayBuffer {
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}
const ResizableBuffer = ArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => ResizableBuffer;

/**
 * Every column's numbers, row-major (row r, column c at r * width + c), in one buffer that grows in
 * place as rows come (a resizable ArrayBuffer: no copy, and pages are committed only as they are
 * written). The dataset writes its feature matrix over it in place (dataset.ts), so that the numbers
 * are held once: at 800,000 x 21 a second copy was 122 MiB of the peak. A text column's slots go unused.
 */
export class NumberMatrix {
  readonly buffer: ResizableBuffer;
  /** Length-tracking: always the whole buffer. */
  values: Float64Array;
  /** The records stored (every column has a cell in each). */
  rows = 0;
  private capacity = 0;

  constructor(readonly width: number) {
    const rowBytes = Math.max(1, width) * 8;
    this.buffer = new ResizableBuffer(0, {
      maxByteLength: Math.floor(MAX_MATRIX_BYTES / rowBytes) * rowBytes,
    });
    this.values = new Float64Array(this.buffer);
  }

  /** Makes room for `rows` rows, a block of rows at a time; false past the 4 GiB a buffer can hold. */
  ensure(rows: number): boolean {
    if (rows <= this.capacity) return true;
    const rowBytes = Math.max(1, this.width) * 8;
    const max = this.buffer.maxByteLength / rowBytes;
    if (rows > max) return false;
    this.capacity = Math.min(max, Math.ceil(rows / BLOCK) * BLOCK);
    this.buffer.resize(this.capacity * rowBytes);
    return true;
  }
}

const BITS = 16;
const BLOCK = 1 << BITS;
const MASK = BLOCK - 1;
/**
 * A column is held as text for its first rows, then as numbers if they all were: so that a number
 * column does not intern a string per row. A number spelt otherwise than JavaScript would spell it
 * ("1.50", "007") keeps its spelling on the side, so that a column that turns to text later gives the
 * categories the file has: a client sends "007", not "7".
 */
const DECIDE_AFTER = 1024;

/** A copy of `s` that does not hold on to the chunk of text it was cut from. */
function own(s: string): string {
  // V8 copies strings shorter than 13 characters when slicing; longer slices point into their chunk.
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

const ZERO = 48;
const NINE = 57;

/**
 * Whether a number's cell is taken as spelt as JavaScript spells its value (so nothing need be kept):
 * an optional minus, an integer part of at most 15 digits without a leading zero (or "0" alone), and an
 * optional fraction that does not end in a zero; no exponent, no plus, no "-0", nothing small enough
 * for JavaScript to write with an exponent. Anything else is compared with the spelling itself.
 *
 * A long fraction is not compared: String() costs more than the rest of reading a cell (measured at
 * 100,000 x 20 make_classification rows, every cell 16-19 characters: reading took 1.8 s with the
 * comparison, 0.9 s without), and such cells are what a program writing doubles writes, spelt as
 * JavaScript spells them. An over-precise one (0.30000000000000001) could be respelt if its column
 * turned to text later; the short codes a client would send ("007", "1.50") never are.
 */
export function plainSpelling(cell: string, decimal: '.' | ','): boolean {
  const n = cell.length;
  if (n === 0) return false;
  let i = cell.charCodeAt(0) === 45 ? 1 : 0; // '-'
  const start = i;
  while (i < n && cell.charCodeAt(i) >= ZERO && cell.charCodeAt(i) <= NINE) i++;
  const integer = i - start;
  // Past 15 digits an integer may not be exact, and past 21 JavaScript writes an exponent.
  if (integer === 0 || integer > 15) return false;
  const leadingZero = cell.charCodeAt(start) === ZERO;
  if (leadingZero && integer > 1) return false;
  if (i === n) return !(leadingZero && start === 1); // "-0" is 0
  if (cell[i] !== decimal) return false;
  const fraction = ++i;
  while (i < n && cell.charCodeAt(i) >= ZERO && cell.charCodeAt(i) <= NINE) i++;
  if (i !== n || i === fraction || cell.charCodeAt(n - 1) === ZERO) return false;
  // 0.0000001 is written 1e-7.
  return !(leadingZero && cell.startsWith('000000', fraction));
}

/** Column `column` of a table whose numbers go into `matrix`. */
export function newColumnStore(decimal: '.' | ',', matrix: NumberMatrix, column: number): ColumnStore {
  return new Store(decimal, matrix, column);
}

class Store implements ColumnStore {
  // Text mode.
  private index: Map<string, number> | undefined = new Map();
  private values: string[] = [];
  private codes: Int32Array[] = [];
  // Number mode: the cells are in the matrix.
  private numbers = false;
  /**
   * The file's spelling of each cell, by row, where it is not the number's own (an infinity, "1.50",
   * "007"); the same spelling is held once.
   */
  private spelt = new Map<number, string>();
  private spellings = new Map<string, string>();
  private readonly toNumber: (cell: string) => number | undefined;

  constructor(
    private readonly decimal: '.' | ',',
    private readonly matrix: NumberMatrix,
    private readonly column: number,
  ) {
    this.toNumber = numberIn(decimal);
  }

  get numeric(): boolean {
    return this.numbers;
  }

  /** The number in row `r` (number mode). */
  private at(r: number): number {
    return this.matrix.values[r * this.matrix.width + this.column];
  }

  /** Stores the last record's cell. The reader has made room for the record in the matrix. */
  push(cell: string): void {
    const r = this.matrix.rows - 1;
    if (this.numbers) {
      let v = this.toNumber(cell);
      if (v === undefined) {
        if (isMissingCell(cell)) v = Number.NaN;
        else {
          v = infinityOf(cell);
          if (v === undefined) {
            // The rows before are spelt as text; this one is text (a text cell cannot make the
            // column numeric again, so there is nothing to decide).
            this.toText(r);
            this.pushText(r, cell);
            return;
          }
        }
      }
      if (!Number.isNaN(v) && !plainSpelling(cell, this.decimal) && this.numberText(v) !== cell)
        this.keepSpelling(r, cell);
      this.matrix.values[r * this.matrix.width + this.column] = v;
      return;
    }
    this.pushText(r, cell);
    if (r + 1 === DECIDE_AFTER) this.decide();
  }

  pushNumber(v: number, spelling: string): void {
    const r = this.matrix.rows - 1;
    if (this.numberText(v) !== spelling) this.keepSpelling(r, spelling);
    this.matrix.values[r * this.matrix.width + this.column] = v;
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
    const { values, width, rows } = this.matrix;
    for (let r = 0; r < rows; r++) {
      const code = this.codes[r >>> BITS][r & MASK];
      const v = asNumber[code] as number;
      values[r * width + this.column] = v;
      const cell = this.values[code] as string;
      if (!Number.isNaN(v) && !plainSpelling(cell, this.decimal) && this.numberText(v) !== cell)
        this.keepSpelling(r, cell);
    }
    this.numbers = true;
    this.index = undefined;
    this.values = [];
    this.codes = [];
  }

  /** Text mode, the first `rows` rows spelt as text. */
  private toText(rows: number): void {
    this.numbers = false;
    this.index = new Map();
    this.values = [];
    this.codes = [];
    for (let r = 0; r < rows; r++) this.pushText(r, this.spell(this.at(r), r));
    this.spelt.clear();
    this.spellings.clear();
  }

  private keepSpelling(r: number, cell: string): void {
    let kept = this.spellings.get(cell);
    if (kept === undefined) {
      kept = own(cell);
      this.spellings.set(kept, kept);
    }
    this.spelt.set(r, kept);
  }

  /** A number as JavaScript spells it, in the file's decimal mark; '' for a missing one. */
  private numberText(v: number): string {
    if (Number.isNaN(v)) return '';
    const s = String(v);
    return this.decimal === ',' ? s.replace('.', ',') : s;
  }

  private spell(v: number, r: number): string {
    return this.spelt.get(r) ?? this.numberText(v);
  }

  finish(): TableColumn {
    if (!this.numbers && this.matrix.rows < DECIDE_AFTER) this.decide();
    if (this.numbers) {
      return {
        kind: 'number',
        value: (r) => this.at(r),
        cell: (r) => this.spell(this.at(r), r),
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
