// Dates and date-times in CSV cells: which spelling a column uses, and a cell's numeric parts.

/** How a column spells its dates: ISO 8601, or day and month in one of the two orders. */
export type DateOrder = 'iso' | 'dmy' | 'mdy';

export interface DateFormat {
  order: DateOrder;
  /** The order could not be told from the values (no day above 12): month first was taken. */
  ambiguous: boolean;
  /** Some cell has a time of day. */
  time: boolean;
}

export interface DateParts {
  year: number;
  month: number;
  day: number;
  /** Monday 0 to Sunday 6, as pandas' `dayofweek`. */
  dayOfWeek: number;
  hour: number;
  minute: number;
}

/** The time zone, if any, is not applied: the parts are the wall-clock time as written. */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const DAY_MONTH = /^(\d{1,2})([-/])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** The format of a column whose present cells are all dates in one spelling; undefined otherwise. */
export function dateFormatOf(cells: readonly string[]): DateFormat | undefined {
  if (cells.length === 0) return undefined;
  if (cells.every((c) => ISO.test(c))) {
    const format: DateFormat = { order: 'iso', ambiguous: false, time: cells.some((c) => c.length > 10) };
    return cells.every((c) => dateParts(c, format)) ? format : undefined;
  }
  let firstAbove12 = false;
  let secondAbove12 = false;
  let time = false;
  for (const c of cells) {
    const m = DAY_MONTH.exec(c);
    if (!m) return undefined;
    if (Number(m[1]) > 12) firstAbove12 = true;
    if (Number(m[3]) > 12) secondAbove12 = true;
    if (m[5] !== undefined) time = true;
  }
  if (firstAbove12 && secondAbove12) return undefined;
  const format: DateFormat = {
    order: firstAbove12 ? 'dmy' : 'mdy',
    ambiguous: !firstAbove12 && !secondAbove12,
    time,
  };
  return cells.every((c) => dateParts(c, format)) ? format : undefined;
}

/** A cell's parts in the column's format, or undefined when it is not a valid date in it. */
export function dateParts(cell: string, format: DateFormat): DateParts | undefined {
  let year: number;
  let month: number;
  let day: number;
  let hour = 0;
  let minute = 0;
  let second = 0;
  if (format.order === 'iso') {
    const m = ISO.exec(cell);
    if (!m) return undefined;
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[4] !== undefined) [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  } else {
    const m = DAY_MONTH.exec(cell);
    if (!m) return undefined;
    const [a, b] = [Number(m[1]), Number(m[3])];
    [day, month] = format.order === 'dmy' ? [a, b] : [b, a];
    year = Number(m[4]);
    if (m[5] !== undefined) [hour, minute, second] = [Number(m[5]), Number(m[6]), Number(m[7] ?? 0)];
  }
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const dayOfWeek = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  return { year, month, day, dayOfWeek, hour, minute };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The format as the summary states it. */
export function describeDateFormat(f: DateFormat): string {
  const what = f.time ? 'date-times' : 'dates';
  if (f.order === 'iso') return `${what}, ISO 8601`;
  if (f.ambiguous) return `${what}, m/d/y or d/m/y (no day above 12): read as m/d/y`;
  return `${what}, ${f.order === 'dmy' ? 'd/m/y' : 'm/d/y'}`;
}
