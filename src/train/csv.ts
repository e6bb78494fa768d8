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

export function parseCsv(text: string, source: string): Table {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '')
    throw new TrainingDataError(`${source} is empty: expected a header line and data rows`);
  const rows: string[][] = [];
  /** Where each record ends in the text (papaparse's cursor), to find its line when one is needed. */
  const ends: number[] = [];
  let quoteError: { row: number; message: string } | undefined;
  Papa.parse<string[]>(text, {
    delimiter: ',',
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
  return { columns, rawColumns, records: rows.slice(1), lineOf: (i) => lineOfRow(i + 1) };
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
