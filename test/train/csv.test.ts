import { describe, expect, it } from 'vitest';
import { normalizeColumnName, parseCsv } from '../../src/train/csv.js';
import { TrainingDataError } from '../../src/train/errors.js';

describe('CSV reading', () => {
  it('normalizes column names as the reference does', () => {
    expect(normalizeColumnName('Sepal.Length')).toBe('sepal_length');
    expect(normalizeColumnName(' Petal Width ')).toBe('petal_width');
    expect(normalizeColumnName('variety')).toBe('variety');
  });

  it('reads a header and records, keeping line numbers, skipping blank lines and a BOM', () => {
    const t = parseCsv('\ufeffSepal.Length,Species\n5.1,setosa\n\n"4.9","set,osa"\n', 'data.csv');
    expect(t.columns).toEqual(['sepal_length', 'species']);
    expect(t.rawColumns).toEqual(['Sepal.Length', 'Species']);
    expect(t.records).toEqual([
      ['5.1', 'setosa'],
      ['4.9', 'set,osa'],
    ]);
    expect([0, 1].map((i) => t.lineOf(i))).toEqual([2, 4]);
  });

  it('names the line of a ragged row', () => {
    const bad = 'a,b,c\n1,2,3\n4,5\n6,7,8\n';
    expect(() => parseCsv(bad, 'data.csv')).toThrow(TrainingDataError);
    expect(() => parseCsv(bad, 'data.csv')).toThrow(
      'data.csv, line 3: the row has 2 fields, the header has 3',
    );
  });

  it('names the line a ragged row starts on, past multi-line fields and blank lines', () => {
    const bad = 'a,b\n1,"two\nlines"\n\n   \n3,4\n5\n';
    expect(() => parseCsv(bad, 'm.csv')).toThrow('m.csv, line 7: the row has 1 field, the header has 2');
  });

  it('trims white space around cells and names', () => {
    const t = parseCsv(' a , b \n 1 ,2\t\n', 's.csv');
    expect(t.columns).toEqual(['a', 'b']);
    expect(t.records).toEqual([['1', '2']]);
  });

  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n\n  \n'],
  ])('rejects %s', (_, text) => {
    expect(() => parseCsv(text, 'e.csv')).toThrow('e.csv is empty: expected a header line and data rows');
  });

  it('rejects a header with no rows', () => {
    expect(() => parseCsv('a,b\n', 'h.csv')).toThrow('h.csv has a header but no data rows');
  });

  it('rejects two columns that normalize to one name', () => {
    expect(() => parseCsv('Petal.Width,petal width\n1,2\n', 'd.csv')).toThrow(
      'd.csv: columns "Petal.Width" and "petal width" both normalize to "petal_width"',
    );
  });

  it('rejects a column without a name', () => {
    expect(() => parseCsv('a,,c\n1,2,3\n', 'd.csv')).toThrow('column 2 of the header has no name');
  });

  it('names the line of an unclosed quote', () => {
    expect(() => parseCsv('a,b\n1,"2\n', 'q.csv')).toThrow(/q\.csv, line 2: .*[Qq]uote/);
  });
});
