// CSV text into a table of strings, with the reference's column-name normalization, and the file line
// of any record on demand, for error messages.
import Papa from 'papaparse';
import { TrainingDataError } from './errors.js';

export interface Table {
  /** Normalized column names. */
  columns: string[];
  /** Column names as the file spells them. */
  rawColumns: string[];
  /** Data records (the header excluded); cells are trimmed of surrounding white space. */
  records: string[][];
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

function trimCells(record: string[]): string[] {
  for (let i = 0; i < record.length; i++) {
    const c = record[i];
    if (c.length > 0 && (c.charCodeAt(0) <= 32 || c.charCodeAt(c.length - 1) <= 32)) record[i] = c.trim();
  }
  return record;
}

export function parseCsv(text: string, source: string, options: CsvOptions = {}): Table {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '')
    throw new TrainingDataError(`${source} is empty: expected a header line and data rows`);
  const decimal = options.decimal ?? '.';
  if (decimal === ',' && options.delimiter === ',')
    throw new TrainingDataError('--decimal , and --delimiter , cannot be used together');
  const delimiter = options.delimiter ?? sniffDelimiter(text, source, decimal);
  const rows: string[][] = [];
  /** Where each record ends in the text (papaparse's cursor), to find its line when one is needed. */
  const ends: number[] = [];
  let quoteError: { row: number; message: string } | undefined;
  Papa.parse<string[]>(text, {
    delimiter,
    skipEmptyLines: 'greedy',
    step: (row) => {
      const bad = row.errors.find((e) => e.type === 'Quotes');
      if (bad && !quoteError) quoteError = { row: rows.length, message: bad.message };
      rows.push(row.data);
      ends.push(row.meta.cursor);
    },
  });
  let newlines: Int32Array | undefined;
  /** The line a record starts on: past the previous record and any blank lines after it. */
  const lineOfRow = (row: number): number => {
    newlines ??= newlineOffsets(text);
    let start = row === 0 ? 0 : ends[row - 1];
    while (start < text.length && /\s/.test(text[start])) start++;
    return 1 + upperBound(newlines, start);
  };
  if (quoteError) {
    throw new TrainingDataError(
      `${source}, line ${lineOfRow(quoteError.row)}: ${quoteError.message.toLowerCase()}`,
    );
  }
  if (rows.length === 0)
    throw new TrainingDataError(`${source} is empty: expected a header line and data rows`);
  const rawColumns = trimCells(rows[0]);
  const columns = rawColumns.map(normalizeColumnName);
  const seen = new Map<string, number>();
  for (const [i, c] of columns.entries()) {
    if (c === '') throw new TrainingDataError(`${source}: column ${i + 1} of the header has no name`);
    const before = seen.get(c);
    if (before !== undefined) {
      throw new TrainingDataError(
        `${source}: columns "${rawColumns[before]}" and "${rawColumns[i]}" both normalize to "${c}"`,
      );
    }
    seen.set(c, i);
  }
  for (let r = 1; r < rows.length; r++) {
    const n = rows[r].length;
    if (n !== columns.length) {
      throw new TrainingDataError(
        `${source}, line ${lineOfRow(r)}: the row has ${n} field${n === 1 ? '' : 's'}, the header has ${columns.length}`,
      );
    }
    trimCells(rows[r]);
  }
  if (rows.length === 1) throw new TrainingDataError(`${source} has a header but no data rows`);
  return {
    columns,
    rawColumns,
    records: rows.slice(1),
    lineOf: (i) => lineOfRow(i + 1),
    delimiter,
    sniffed: options.delimiter === undefined,
  };
}

function newlineOffsets(text: string): Int32Array {
  const out: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i);
  return Int32Array.from(out);
}

/** How many entries of the sorted `a` are below `v`. */
function upperBound(a: Int32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
