// CSV bytes, streamed, into typed columns (numbers as float64, text interned), with the reference's
// column-name normalization and the file line of every record, for error messages. The text is never
// held whole, nor a table of cells: at 800,000 x 21 the old reader (the whole text decoded, then
// papaparse's rows of strings, then the matrix) peaked at 1.6 GB before any training; this one holds
// a 128 MiB matrix of numbers (RSS 272 MiB when read), over which the dataset writes its own. A scanner
// of its own, not papaparse's step mode: papaparse streams only from a Node stream, asynchronously, and
// training is synchronous. It splits fields as papaparse does (quotes opened at a field's start, ""
// inside them, spaces allowed between a closing quote and the delimiter, lines of blank fields
// skipped), with papaparse's messages for bad quotes.
//
// Two paths store the same: the text path below reads any record from the text; the fast path
// (CsvScanner.fastRecord) reads a record of ASCII bytes, unquoted, once some column holds numbers, each
// number parsed where it lies (decimal.ts), no string cut, no regex, no Number() per cell. Reading the
// 311 MB benchmark file (800,000 x 21 doubles spelt in 16-19 characters) took 3.0-3.3 s with it against
// 10.0-12.6 s before it (alternating runs, a machine at load 5 on 2 cores), where
// pandas.read_csv took 5.3 s.
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import { type ColumnStore, NumberMatrix, newColumnStore, type TableColumn } from './columns.js';
import { DecimalReader } from './decimal.js';
import { TrainingDataError } from './errors.js';

export type { TableColumn } from './columns.js';

export interface Table {
  /** Normalized column names. */
  columns: string[];
  /** Column names as the file spells them. */
  rawColumns: string[];
  /** How many data records (the header excluded). */
  rows: number;
  /** Column `c`'s cells, typed: numbers, or interned text (cells trimmed of surrounding white space). */
  column(c: number): TableColumn;
  /**
   * The number columns' values, row-major over every column (a text column's slots unused). The
   * dataset may write its feature matrix over it in place, after which the table is not to be read.
   */
  matrix: NumberMatrix;
  /**
   * Every record as strings (a number column's cells spelt as JavaScript spells the number): for small
   * tables and tests only, since it builds the table of cells the reader avoids.
   */
  readonly records: string[][];
  /** The file line (1-based) on which data record `i` starts. */
  lineOf(i: number): number;
  /** The field delimiter the records were split on. */
  delimiter: string;
  /** Whether the delimiter was sniffed from the file (or given). */
  sniffed: boolean;
}

export interface CsvOptions {
  /** The field delimiter; sniffed from the first lines when not given. */
  delimiter?: string;
  /** The decimal mark of numbers: with `,`, a comma cannot also be the delimiter. */
  decimal?: '.' | ',';
}

/** The CSV as a whole text, or as chunks of bytes (UTF-8) read one after another. */
export type CsvInput = string | Uint8Array | Iterable<Uint8Array>;

/** The delimiters the sniffer considers, in the order it names them. */
export const DELIMITERS: readonly string[] = [',', ';', '\t', '|'];

/** A delimiter as a person reads it, for messages and the summary. */
export function delimiterName(d: string): string {
  return { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' }[d] ?? JSON.stringify(d);
}

/** How many records the sniffer reads: enough to see a ragged guess, little enough to stay cheap. */
const SNIFF_RECORDS = 50;

/**
 * For each candidate, the field count of each of the first records, counted outside double quotes
 * (a quoted field may hold any delimiter, and newlines). Blank lines are skipped, as the reader does.
 */
function fieldCounts(text: string, candidates: readonly string[]): number[][] {
  const counts: number[][] = candidates.map(() => []);
  const current = candidates.map(() => 1);
  let quoted = false;
  let blank = true;
  const endRecord = () => {
    if (!blank) for (let c = 0; c < candidates.length; c++) counts[c].push(current[c]);
    current.fill(1);
    blank = true;
  };
  for (let i = 0; i < text.length && counts[0].length < SNIFF_RECORDS; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      blank = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else {
      // A line of white space and delimiters only is blank to the reader too (empty fields).
      const c = candidates.indexOf(ch);
      if (c >= 0) current[c]++;
      else if (ch !== ' ' && ch !== '\t') blank = false;
    }
  }
  endRecord();
  return counts;
}

/**
 * The delimiter that splits the header and every sampled record into the same number of fields (more
 * than one). None: the one that splits the header into the most fields, so that the reader's own
 * error names the first ragged line; a file of one column is read with a comma. Several: an error
 * naming them, since guessing would train on a wrong table.
 */
export function sniffDelimiter(text: string, source: string, decimal: '.' | ',' = '.'): string {
  const candidates = DELIMITERS.filter((d) => !(decimal === ',' && d === ','));
  const counts = fieldCounts(text, candidates);
  const even = candidates.filter((_, c) => counts[c][0] > 1 && counts[c].every((n) => n === counts[c][0]));
  if (even.length === 1) return even[0];
  if (even.length > 1) {
    const described = even
      .map((d) => `${delimiterName(d)} (${counts[candidates.indexOf(d)][0]} fields)`)
      .join(', ');
    throw new TrainingDataError(
      `${source}: cannot tell the delimiter: ${described} each split every line evenly; ` +
        'say which with --delimiter',
    );
  }
  let best = decimal === ',' ? -1 : 0;
  for (let c = 0; c < candidates.length; c++)
    if (counts[c][0] > 1 && (best < 0 || counts[c][0] > counts[best][0])) best = c;
  if (best < 0) {
    throw new TrainingDataError(
      `${source}: with --decimal , the fields must be separated by a semicolon, a tab or a pipe, and the header has none; say which with --delimiter`,
    );
  }
  return candidates[best];
}

/** The reference's normalization: lowercase, spaces and dots become underscores. */
export function normalizeColumnName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s.]+/g, '_');
}

const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;

/** How many bytes are decoded into one text. */
const DECODE_BYTES = 1 << 19;

/** How much text the sniffer sees at least (when the file has it): its 50 records, and a margin. */
const SNIFF_CHARS = 1 << 16;

function isBlankText(t: string): boolean {
  return t.trim() === '';
}

/** A cell trimmed of surrounding white space (cheaply when it has none, as most have none). */
function trimCell(c: string): string {
  return c.length > 0 && (c.charCodeAt(0) <= 32 || c.charCodeAt(c.length - 1) <= 32) ? c.trim() : c;
}

/** The fast path's answer for a record that may go on past the bytes (it stores nothing). */
const CUT = -2;
/** How many cells the fast path cuts from a chunk's bytes before it decodes the chunk's text. */
const MAX_CUTS = 64;
/** How long a text may be for the fast path to copy it into bytes (a string is given in pieces). */
const MAX_FAST_TEXT = 1 << 22;
/** How a field of a record read by the fast path is stored. */
const PLAIN = 0;
const SPELT = 1;
const CELL = 2;
/** Characters a plain decimal may hold (besides the decimal mark), which no fast delimiter may be. */
const NUMBER_CHARACTERS = '0123456789+-eE';

/** Where the unquoted field at `i` ends: the next delimiter `d`, line end, or `n`. */
function fieldEnd(bytes: Uint8Array, i: number, n: number, d: number): number {
  while (i < n) {
    const ch = bytes[i];
    if (ch === d || ch === LF || ch === CR) return i;
    i++;
  }
  return n;
}

/** The reader's state between chunks, and the errors it defers until the whole file is read. */
class CsvScanner {
  /** Text not yet made into records: the start of a record the last chunk cut. */
  private buf = '';
  /** Newlines (LF) before `buf`. */
  private linesBefore = 0;
  private fields: string[] = [];
  header?: string[];
  columns: string[] = [];
  stores: ColumnStore[] = [];
  matrix = new NumberMatrix(0);
  rows = 0;
  /** The line of each data record, in blocks as the columns hold their cells. */
  lines: Int32Array[] = [];
  /** The first error found after the header, thrown once no quote error can come before it. */
  deferred?: string;
  sawText = false;
  /**
   * The fast path: a record of an ASCII text whose fields are unquoted and whose number columns' cells
   * are plain decimals is read from the text's bytes, each number where it lies (DecimalReader), with
   * no string cut for it. Any other record, or one the fast path is unsure of, is read as text below;
   * the two store the same. Used where the delimiter cannot be part of a number and once some column
   * holds numbers (after the first rows, columns.ts).
   */
  private readonly fast: boolean;
  private readonly reader: DecimalReader;
  /** Whether some column held numbers after the last record the text path read. */
  private numbers = false;
  /** The text's bytes, when it is ASCII, and a zero past them. */
  private bytes = Buffer.alloc(0);
  /** Whether `buf` is ASCII (a piece after it may be given as bytes). */
  private bufAscii = false;
  /** The text being scanned, once there is one; its length; how many cells were cut from its bytes. */
  private text: string | undefined;
  private length = 0;
  private cuts = 0;
  /** The fast path's record: each field's bounds, and how it is stored. */
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);
  private kinds = new Uint8Array(0);
  /** Whether each column holds numbers (1), as its store says after each cell given to it. */
  private numeric = new Uint8Array(0);

  constructor(
    private readonly source: string,
    private readonly delimiter: string,
    private readonly decimal: '.' | ',',
  ) {
    this.reader = new DecimalReader(decimal);
    const d = delimiter.charCodeAt(0);
    this.fast =
      delimiter.length === 1 &&
      d < 128 &&
      d !== QUOTE &&
      d !== LF &&
      d !== CR &&
      delimiter !== decimal &&
      !NUMBER_CHARACTERS.includes(delimiter);
  }

  push(chunk: string, last: boolean): void {
    const text = this.buf.length > 0 ? this.buf + chunk : chunk;
    let bytes: Buffer | undefined;
    // ASCII: one byte a character in UTF-8. A latin1 copy then has the text's characters at its offsets.
    if (this.fast && text.length <= MAX_FAST_TEXT && Buffer.byteLength(text, 'utf8') === text.length) {
      if (this.bytes.length <= text.length)
        this.bytes = Buffer.allocUnsafe(text.length + (text.length >> 3) + 1);
      bytes = this.bytes;
      bytes.write(text, 0, 'latin1');
      bytes[text.length] = 0;
    }
    // The records the text completes are stored; the rest waits for the next chunk.
    this.bufAscii = bytes !== undefined;
    this.buf = text.slice(this.scan(text, text.length, last, bytes));
  }

  /** Whether the next piece may be given as ASCII bytes (`pushAscii`). */
  get takesAscii(): boolean {
    return this.fast && this.bufAscii;
  }

  /**
   * A piece of ASCII, as bytes: read by the fast path without a text of it, which is decoded (latin1)
   * only if the text path is to read a record of it, or more than a few cells are to be cut from it.
   */
  pushAscii(chunk: Uint8Array): void {
    const { buf } = this;
    const n = buf.length + chunk.length;
    if (this.bytes.length <= n) this.bytes = Buffer.allocUnsafe(n + (n >> 3) + 1);
    const bytes = this.bytes;
    bytes.write(buf, 0, 'latin1');
    bytes.set(chunk, buf.length);
    bytes[n] = 0;
    this.buf = this.cut(bytes, this.scan(undefined, n, false, bytes), n);
  }

  /** The text of `bytes` (ASCII) from `start` to `end`, from the text once it is decoded. */
  private cut(bytes: Buffer, start: number, end: number): string {
    if (this.text === undefined && ++this.cuts > MAX_CUTS)
      this.text = bytes.toString('latin1', 0, this.length);
    return this.text !== undefined ? this.text.slice(start, end) : bytes.toString('latin1', start, end);
  }

  /**
   * Splits the text into records (`text`, or, undefined, the text `bytes` spell), returns where the
   * unfinished one starts.
   */
  private scan(given: string | undefined, n: number, last: boolean, bytes: Buffer | undefined): number {
    const { delimiter } = this;
    const d = delimiter.charCodeAt(0);
    this.text = given;
    this.length = n;
    this.cuts = 0;
    let line = this.linesBefore;
    let i = 0;
    let nextDelim = -1;
    let nextLf = -1;
    let nextCr = -1;
    for (;;) {
      if (bytes !== undefined && this.numbers && this.deferred === undefined && i < n && bytes[i] > SPACE) {
        const end = this.fastRecord(bytes, i, n, line + 1);
        if (end >= 0) {
          if (bytes[end - 1] === LF) line++;
          i = end;
          continue;
        }
        // The record goes on in the next piece, as the text path would find (without a text for it).
        if (end === CUT && !last) {
          this.linesBefore = line;
          return i;
        }
      }
      // The text path reads the text itself (a text given, or ASCII bytes: their latin1 decoding).
      if (this.text === undefined) this.text = (bytes as Buffer).toString('latin1', 0, n);
      const text = this.text;
      // A record: skip white space to its first character, the start of its line number.
      const recordStart = i;
      const linesAtRecordStart = line;
      let j = i;
      while (j < n) {
        const ch = text.charCodeAt(j);
        if (ch === LF) line++;
        // White space as /\s/ has it; most records start with a printable ASCII character.
        else if ((ch > SPACE && ch < 127) || !(ch === SPACE || (ch >= 9 && ch <= 13) || /\s/.test(text[j])))
          break;
        j++;
      }
      if (j >= n) {
        if (last || j === recordStart) {
          this.linesBefore = line;
          return n;
        }
        // Only white space so far: keep it, it may begin a record.
        this.linesBefore = linesAtRecordStart;
        return recordStart;
      }
      const startLine = line + 1;
      const fields = this.fields;
      fields.length = 0;
      i = recordStart;
      line = linesAtRecordStart;
      let complete = false;
      while (i <= n) {
        if (i < n && text.charCodeAt(i) === QUOTE) {
          // A quoted field: up to a quote not doubled, then spaces, then a delimiter or a line end.
          let k = i + 1;
          let value = '';
          let from = k;
          let closed = -1;
          while (k < n) {
            const ch = text.charCodeAt(k);
            if (ch === QUOTE) {
              if (k + 1 < n && text.charCodeAt(k + 1) === QUOTE) {
                value += text.slice(from, k + 1);
                k += 2;
                from = k;
                continue;
              }
              if (k + 1 >= n && !last) break;
              closed = k;
              break;
            }
            if (ch === LF) line++;
            k++;
          }
          if (closed < 0) {
            if (!last) {
              this.linesBefore = linesAtRecordStart;
              return recordStart;
            }
            this.quoteError(startLine, 'Quoted field unterminated');
          }
          value += text.slice(from, closed);
          let after = closed + 1;
          while (after < n && text.charCodeAt(after) === SPACE) after++;
          if (after >= n && !last) {
            this.linesBefore = linesAtRecordStart;
            return recordStart;
          }
          const next = after < n ? text.charCodeAt(after) : -1;
          fields.push(trimCell(value));
          if (next === d) {
            i = after + 1;
            continue;
          }
          if (next === -1 || next === LF || next === CR) {
            i = this.lineEnd(text, after, last);
            if (i < 0) {
              this.linesBefore = linesAtRecordStart;
              return recordStart;
            }
            if (next === LF || (next === CR && text.charCodeAt(after + 1) === LF)) line++;
            complete = true;
            break;
          }
          this.quoteError(startLine, 'Trailing quote on quoted field is malformed');
        }
        // An unquoted field: up to the delimiter or a line end, found by indexOf (several times
        // faster than a loop over the characters), each kept until the scan passes it.
        if (nextDelim < i) nextDelim = indexOrEnd(text, delimiter, i);
        if (nextLf < i) nextLf = indexOrEnd(text, '\n', i);
        if (nextCr < i) nextCr = indexOrEnd(text, '\r', i);
        const k = Math.min(nextDelim, nextLf, nextCr);
        if (k >= n && !last) {
          this.linesBefore = linesAtRecordStart;
          return recordStart;
        }
        fields.push(trimCell(text.slice(i, k)));
        if (k < n && text.charCodeAt(k) === d) {
          i = k + 1;
          continue;
        }
        if (k >= n) {
          i = n;
          complete = true;
          break;
        }
        i = this.lineEnd(text, k, last);
        if (i < 0) {
          this.linesBefore = linesAtRecordStart;
          return recordStart;
        }
        if (text.charCodeAt(k) === LF || text.charCodeAt(k + 1) === LF) line++;
        complete = true;
        break;
      }
      if (complete) this.record(fields, startLine);
      if (i >= n) {
        this.linesBefore = line;
        return n;
      }
    }
  }

  /** Past the line end at `at` (LF, CR LF or CR); -1 when a CR ends the chunk and an LF may follow. */
  private lineEnd(text: string, at: number, last: boolean): number {
    if (text.charCodeAt(at) === LF) return at + 1;
    if (at + 1 >= text.length) return last ? at + 1 : -1;
    return text.charCodeAt(at + 1) === LF ? at + 2 : at + 1;
  }

  /**
   * Stores the record at `at` (on `line`) from the text's bytes, and returns where the next one starts;
   * or stores nothing and returns -1 where the text path is to read it (a quoted field, a field count
   * not the header's, no number read, no room left), CUT where the record may go on past the bytes.
   */
  private fastRecord(bytes: Buffer, at: number, n: number, line: number): number {
    const { stores, reader, starts, ends, kinds, numeric, matrix } = this;
    const width = stores.length;
    if (!matrix.ensure(this.rows + 1)) return -1;
    // Plain numbers go straight to the record's row (past the rows stored: nothing, if the record is
    // then left to the text path); the other fields are listed for their columns.
    const values = matrix.values;
    const base = this.rows * width;
    const d = this.delimiter.charCodeAt(0);
    let parsed = 0;
    let listed = 0;
    let i = at;
    for (let c = 0; ; c++) {
      if (bytes[i] === QUOTE) return -1;
      let k = -1;
      if (numeric[c] === 1) {
        const read = reader.scan(bytes, i);
        const end = reader.end;
        const ch = bytes[end];
        if (read && end < n && (ch === d || ch === LF || ch === CR)) {
          k = end;
          values[base + c] = reader.number;
          parsed++;
          if (reader.plain) kinds[c] = PLAIN;
          else {
            kinds[c] = SPELT;
            listed++;
          }
        }
      }
      if (k < 0) {
        k = fieldEnd(bytes, i, n, d);
        kinds[c] = CELL;
        listed++;
      }
      starts[c] = i;
      ends[c] = k;
      if (k >= n) return CUT;
      const ch = bytes[k];
      if (ch === d) {
        if (c === width - 1) return -1;
        i = k + 1;
        continue;
      }
      if (c !== width - 1) return -1;
      if (ch === LF) i = k + 1;
      else if (k + 1 >= n) return CUT;
      else i = bytes[k + 1] === LF ? k + 2 : k + 1;
      break;
    }
    if (parsed === 0) return -1;
    this.newRow(line);
    if (listed > 0)
      for (let c = 0; c < width; c++) {
        const kind = kinds[c];
        if (kind === PLAIN) continue;
        const cell = this.cut(bytes, starts[c], ends[c]);
        if (kind === SPELT) stores[c].pushNumber(values[base + c], cell);
        else {
          stores[c].push(trimCell(cell));
          numeric[c] = stores[c].numeric ? 1 : 0;
        }
      }
    return i;
  }

  private quoteError(line: number, message: string): never {
    throw new TrainingDataError(`${this.source}, line ${line}: ${message.toLowerCase()}`);
  }

  private record(fields: string[], line: number): void {
    // A record of blank fields is a blank line, as papaparse's skipEmptyLines: 'greedy' has it.
    let blank = true;
    for (const f of fields) {
      if (f !== '') {
        blank = false;
        break;
      }
    }
    if (blank) return;
    this.sawText = true;
    if (!this.header) {
      this.header = fields.slice();
      this.deferred = headerError(this.header, this.source);
      this.columns = this.header.map(normalizeColumnName);
      const matrix = new NumberMatrix(this.header.length);
      this.matrix = matrix;
      this.stores = this.header.map((_, c) => newColumnStore(this.decimal, matrix, c));
      const width = this.header.length;
      this.numeric = new Uint8Array(width);
      this.starts = new Int32Array(width);
      this.ends = new Int32Array(width);
      this.kinds = new Uint8Array(width);
      return;
    }
    if (this.deferred) return;
    const width = this.stores.length;
    if (fields.length !== width) {
      const k = fields.length;
      this.deferred = `${this.source}, line ${line}: the row has ${k} field${k === 1 ? '' : 's'}, the header has ${width}`;
      return;
    }
    this.newRow(line);
    const { stores, numeric } = this;
    let numbers = false;
    for (let c = 0; c < width; c++) {
      stores[c].push(fields[c]);
      numeric[c] = stores[c].numeric ? 1 : 0;
      numbers ||= numeric[c] === 1;
    }
    this.numbers = numbers;
  }

  /** Makes room for a data record on `line`, whose cells are then pushed to the columns. */
  private newRow(line: number): void {
    const r = this.rows++;
    if (!this.matrix.ensure(r + 1)) {
      throw new TrainingDataError(
        `${this.source}, line ${line}: the table is too large: ${r} rows of ${this.stores.length} columns are the 4 GiB of numbers one trainer can hold; train on fewer rows or columns`,
      );
    }
    const block = r >>> BLOCK_BITS;
    if (block === this.lines.length) this.lines.push(new Int32Array(BLOCK));
    this.lines[block][r & BLOCK_MASK] = line;
    this.matrix.rows = this.rows;
  }
}

/** Where `c` next occurs in `text` from `from`; the text's length if nowhere. */
function indexOrEnd(text: string, c: string, from: number): number {
  const at = text.indexOf(c, from);
  return at < 0 ? text.length : at;
}

const BLOCK_BITS = 16;
const BLOCK = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK - 1;

/** The header's problem (a column without a name, two names normalizing to one), if any. */
function headerError(raw: string[], source: string): string | undefined {
  const seen = new Map<string, number>();
  for (const [i, name] of raw.entries()) {
    const c = normalizeColumnName(name);
    if (c === '') return `${source}: column ${i + 1} of the header has no name`;
    const before = seen.get(c);
    if (before !== undefined)
      return `${source}: columns "${raw[before]}" and "${name}" both normalize to "${c}"`;
    seen.set(c, i);
  }
  return undefined;
}

/**
 * Reads a CSV pushed to it piece by piece (text, or bytes in UTF-8 cut anywhere) into typed columns:
 * each piece is split into records as it comes, once the first records have told the delimiter.
 */
export class CsvReader {
  /**
   * Not TextDecoder: in Node 20 its streaming decode keeps growing the C heap (80 MiB after decoding a
   * 310 MB file a megabyte at a time, never given back), StringDecoder's stays at 3 MiB, at one speed.
   */
  private readonly decoder = new StringDecoder('utf8');
  /** Whether the decoder may hold the start of a character cut by the last piece. */
  private pending = false;
  private readonly decimal: '.' | ',';
  private started = false;
  /** The first text, kept until it is enough for the sniffer. */
  private head = '';
  private scanner?: CsvScanner;
  private delimiter = ',';

  constructor(
    private readonly source: string,
    private readonly options: CsvOptions = {},
  ) {
    this.decimal = options.decimal ?? '.';
  }

  push(piece: string | Uint8Array): void {
    if (typeof piece === 'string') {
      // In pieces too, which the fast path can take; a piece may end in half a surrogate pair, which
      // the scanner keeps with the record it is in, as any record a piece cuts.
      for (let at = 0; at < piece.length; at += DECODE_BYTES) this.text(piece.slice(at, at + DECODE_BYTES));
    }
    // Decoded half a megabyte at a time, so that a whole file given at once is not one string either;
    // and below the size (~1 MB) past which Node makes a latin1 decoding an external string, whose
    // memory outside the heap waits for a full collection (26 MiB more at the peak of a 311 MB file).
    else
      for (let at = 0; at < piece.length; at += DECODE_BYTES) {
        const bytes = Buffer.from(
          piece.buffer,
          piece.byteOffset + at,
          Math.min(DECODE_BYTES, piece.length - at),
        );
        // ASCII, with nothing held from before, is its latin1 decoding, which is cheaper than UTF-8's,
        // and which the scanner may not need at all.
        if (!this.pending && isAscii(bytes)) {
          if (this.scanner?.takesAscii) this.scanner.pushAscii(bytes);
          else this.text(bytes.toString('latin1'));
        } else {
          this.text(this.decoder.write(bytes));
          // A last byte in ASCII ends any character; another may leave one for the next piece.
          this.pending = bytes.length > 0 && bytes[bytes.length - 1] >= 0x80;
        }
      }
  }

  private text(t: string): void {
    if (!this.started && t.length > 0) {
      this.started = true;
      if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
    }
    if (this.scanner) {
      this.scanner.push(t, false);
      return;
    }
    this.head += t;
    if (this.head.length >= SNIFF_CHARS && !isBlankText(this.head)) {
      // The sniffer sees whole lines only: a record cut in two would look ragged.
      const cut = this.head.lastIndexOf('\n');
      this.begin(cut > 0 ? this.head.slice(0, cut + 1) : this.head);
      const head = this.head;
      this.head = '';
      this.scanner!.push(head, false);
    }
  }

  private begin(sample: string): void {
    const { source, options, decimal } = this;
    if (decimal === ',' && options.delimiter === ',')
      throw new TrainingDataError('--decimal , and --delimiter , cannot be used together');
    this.delimiter = options.delimiter ?? sniffDelimiter(sample, source, decimal);
    this.scanner = new CsvScanner(source, this.delimiter, decimal);
  }

  /** The table, once every piece is pushed. */
  end(): Table {
    const { source } = this;
    const rest = this.decoder.end();
    if (rest.length > 0) this.text(rest);
    if (!this.scanner) {
      if (isBlankText(this.head))
        throw new TrainingDataError(`${source} is empty: expected a header line and data rows`);
      this.begin(this.head);
      this.scanner!.push(this.head, true);
      this.head = '';
    } else this.scanner.push('', true);
    const scanner = this.scanner!;
    // The table alone holds the columns from now on, so that they go once it goes.
    this.scanner = undefined;
    if (!scanner.header)
      throw new TrainingDataError(`${source} is empty: expected a header line and data rows`);
    if (scanner.deferred) throw new TrainingDataError(scanner.deferred);
    if (scanner.rows === 0) throw new TrainingDataError(`${source} has a header but no data rows`);
    const stores = scanner.stores.map((store) => store.finish());
    const { lines, rows } = scanner;
    return {
      columns: scanner.columns,
      rawColumns: scanner.header,
      rows,
      column: (c) => stores[c],
      matrix: scanner.matrix,
      get records() {
        return Array.from({ length: rows }, (_, r) => stores.map((col) => col.cell(r)));
      },
      lineOf: (i) => lines[i >>> BLOCK_BITS][i & BLOCK_MASK],
      delimiter: this.delimiter,
      sniffed: this.options.delimiter === undefined,
    };
  }
}

/**
 * Reads a CSV (a text, its bytes, or chunks of its bytes as a file is read) into typed columns. The
 * delimiter is sniffed from the first records unless given. Errors name the file and the line.
 */
export function parseCsv(input: CsvInput, source: string, options: CsvOptions = {}): Table {
  const reader = new CsvReader(source, options);
  if (typeof input === 'string' || input instanceof Uint8Array) reader.push(input);
  else for (const piece of input) reader.push(piece);
  return reader.end();
}
