// CSV text into a table of strings, with the reference's column-name normalization and the line number
// of every record kept for error messages.
import { CsvError, parse } from 'csv-parse/sync';
import { TrainingDataError } from './errors.js';

export interface Table {
  /** Normalized column names. */
  columns: string[];
  /** Column names as the file spells them. */
  rawColumns: string[];
  records: string[][];
  /** The file line each record ends on (1-based), for error messages. */
  lines: number[];
}

/** The reference's normalization: lowercase, spaces and dots become underscores. */
export function normalizeColumnName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s.]+/g, '_');
}

export function parseCsv(text: string, source: string): Table {
  if (text.trim() === '')
    throw new TrainingDataError(`${source} is empty: expected a header line and data rows`);
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as unknown as typeof parsed;
  } catch (cause) {
    if (cause instanceof CsvError) {
      const line = (cause as CsvError & { lines?: number }).lines;
      throw new TrainingDataError(`${source}, line ${line}: ${cause.message}`, { cause });
    }
    throw cause;
  }
  if (parsed.length === 0)
    throw new TrainingDataError(`${source} is empty: expected a header line and data rows`);
  const rawColumns = parsed[0].record;
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
  for (const p of parsed) {
    if (p.record.length !== columns.length) {
      throw new TrainingDataError(
        `${source}, line ${p.info.lines}: the row has ${p.record.length} field${p.record.length === 1 ? '' : 's'}, the header has ${columns.length}`,
      );
    }
  }
  const records = parsed.slice(1).map((p) => p.record);
  const lines = parsed.slice(1).map((p) => p.info.lines);
  if (records.length === 0) throw new TrainingDataError(`${source} has a header but no data rows`);
  return { columns, rawColumns, records, lines };
}
