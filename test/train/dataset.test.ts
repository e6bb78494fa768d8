import { describe, expect, it } from 'vitest';
import { columnMeans, imputeInPlace, imputeToFloat32 } from '../../src/train/boosting.js';
import { normalizeColumnName, parseCsv } from '../../src/train/csv.js';
import { buildDataset, MAX_CATEGORIES } from '../../src/train/dataset.js';
import { TrainingDataError } from '../../src/train/errors.js';

const load = (text: string, target = 'y', extra: Partial<Parameters<typeof buildDataset>[1]> = {}) =>
  buildDataset(parseCsv(text, 'd.csv'), { target, source: 'd.csv', ...extra });

describe('dataset from a table', () => {
  it('reads features, NA and empty cells as missing, and string classes in sorted order', () => {
    const d = load('a,b,y\n1,NA,cat\n,2.5,dog\n3,1e2,cat\n');
    expect(d.features).toEqual(['a', 'b']);
    expect(Array.from(d.x)).toEqual([1, Number.NaN, Number.NaN, 2.5, 3, 100]);
    expect(d.classes).toEqual(['cat', 'dog']);
    expect(Array.from(d.yClass!)).toEqual([0, 1, 0]);
    expect(d.task).toBe('classification');
  });

  it('accepts the target in the un-normalized spelling', () => {
    expect(load('a,Target Value\n1,x\n2,y\n', 'Target Value').target).toBe('target_value');
  });

  it('infers classification for few integer values and regression for a numeric target', () => {
    const ints = load('a,y\n1,0\n2,1\n3,2\n4,1\n');
    expect(ints.task).toBe('classification');
    expect(ints.classes).toEqual([0, 1, 2]);
    const floats = load('a,y\n1,0.5\n2,1.5\n');
    expect(floats.task).toBe('regression');
    expect(Array.from(floats.yValue!)).toEqual([0.5, 1.5]);
    const manyInts = load(`a,y\n${Array.from({ length: 30 }, (_, i) => `${i},${i * 3}`).join('\n')}\n`);
    expect(manyInts.task).toBe('regression');
    expect(load('a,y\n1,0\n2,1\n', 'y', { task: 'regression' }).task).toBe('regression');
  });

  it('leaves out rows without a target and counts them', () => {
    const d = load('a,y\n1,x\n2,\n3,y\n4,NA\n');
    expect(d.rows).toBe(2);
    expect(d.skippedRows).toBe(2);
  });

  it('drops the columns it is told to', () => {
    expect(load('id,a,y\n7,1,x\n8,2,y\n', 'y', { drop: ['id'] }).features).toEqual(['a']);
    expect(() => load('a,y\n1,x\n2,y\n', 'y', { drop: ['nope'] })).toThrow('--drop names "nope"');
  });

  it('names a missing target column and lists the columns', () => {
    expect(() => load('a,b\n1,2\n', 'species')).toThrow(TrainingDataError);
    expect(() => load('a,b\n1,2\n', 'species')).toThrow(
      'd.csv has no target column "species"; its columns are a, b',
    );
  });

  it('learns text columns as categories, a column mixing numbers and text too', () => {
    const text = 'a,color,size,y\n1,2,big,x\n2,red,big,y\n3,red,small,x\n4,,big,y\n';
    const d = load(text);
    expect(d.features).toEqual(['a', 'color', 'size']);
    expect(d.kinds).toEqual(['number', 'category', 'category']);
    expect(d.categories).toEqual([undefined, ['2', 'red'], ['big', 'small']]);
    expect(Array.from(d.x)).toEqual([1, 0, 0, 2, 1, 0, 3, 1, 1, 4, Number.NaN, 0]);
    expect(load(text, 'y', { drop: ['color', 'size'] }).features).toEqual(['a']);
    expect(load(text, 'y', { drop: ['color', 'size'] }).categories).toBeUndefined();
  });

  it('refuses a text column with more distinct values than a feature may have categories', () => {
    const many = MAX_CATEGORIES + 1;
    // Each value twice, so that the column is not unique text (an identifier, left out).
    const cells = Array.from({ length: 2 * many }, (_, i) => `v${i >> 1},${i % 2 ? 'x' : 'y'}`);
    expect(() => load(`t,y\n${cells.join('\n')}\n`)).toThrow(
      `d.csv: the text column "t" has ${many} distinct values, more than the ${MAX_CATEGORIES} categories a feature may have: --drop it, or encode it as numbers`,
    );
  });

  it('rejects a target with one class only', () => {
    expect(() => load('a,y\n1,x\n2,x\n')).toThrow(
      'the target "y" has one class only ("x"); a classifier needs at least two',
    );
  });

  it('rejects a regression on a text target, naming the line', () => {
    expect(() => load('a,y\n1,1.5\n2,high\n', 'y', { task: 'regression' })).toThrow(
      'regression needs a numeric target, but line 3 has "high"',
    );
  });

  it('rejects a table whose only column is the target', () => {
    expect(() => load('y\nx\ny\n')).toThrow('has no feature columns');
  });

  it.each(['1e999', 'inf', '-inf', '+Infinity', 'INF'])('rejects the non-finite feature value %s', (cell) => {
    expect(() => load(`a,y\n1,x\n${cell},y\n`)).toThrow(TrainingDataError);
    expect(() => load(`a,y\n1,x\n${cell},y\n`)).toThrow(
      `d.csv: column "a", line 3: ${cell} is not a finite number; modelgate trains on finite numbers (scikit-learn refuses infinities too): replace it, or leave the cell empty for a missing value`,
    );
  });

  it.each([
    ['inf', 'inf'],
    ['-inf', '-inf'],
    ['Infinity', 'Infinity'],
    ['1e400', '1e400'],
    ['a 400-digit integer', '1'.padEnd(400, '0')],
  ])('rejects a numeric target with %s, naming the column and the line', (_, cell) => {
    for (const task of [undefined, 'regression', 'classification'] as const) {
      const text = `a,y\n1,0.5\n2,1.5\n3,${cell}\n4,2\n`;
      expect(() => load(text, 'y', { task })).toThrow(TrainingDataError);
      expect(() => load(text, 'y', { task })).toThrow(
        `d.csv: the target "y" is not a finite number on line 4 (${JSON.stringify(cell)}); modelgate trains on finite numbers: fix the value, or leave the cell empty to skip the row`,
      );
    }
  });

  it('reads "inf" in a text target as a class, as pandas does', () => {
    expect(load('a,y\n1,low\n2,inf\n3,high\n').classes).toEqual(['high', 'inf', 'low']);
  });

  it('sorts numeric classes numerically, integers and decimals alike (1, 2, 10)', () => {
    const ints = load('a,y\n1,10\n2,2\n3,1\n4,10\n');
    expect(ints.classes).toEqual([1, 2, 10]);
    expect(Array.from(ints.yClass!)).toEqual([2, 1, 0, 2]);
    const decimals = load('a,y\n1,10.5\n2,2.5\n3,1.5\n', 'y', { task: 'classification' });
    expect(decimals.classes).toEqual([1.5, 2.5, 10.5]);
  });
});

describe('decimal commas', () => {
  it('reads 1,5 as 1.5 in features and target with decimal ","', () => {
    const d = buildDataset(parseCsv('a;b;y\n1,5;-2;0,25\n,5;3e1;1,75\n7;NA;2\n', 'd.csv', { decimal: ',' }), {
      target: 'y',
      source: 'd.csv',
      decimal: ',',
    });
    expect(Array.from(d.x)).toEqual([1.5, -2, 0.5, 30, 7, Number.NaN]);
    expect(d.task).toBe('regression');
    expect(Array.from(d.yValue!)).toEqual([0.25, 1.75, 2]);
  });

  it('takes a dot for text with decimal ",", since no thousands separator is read', () => {
    const t = parseCsv('a;y\n1.234;x\n2,5;y\n1;x\n', 'd.csv', { decimal: ',' });
    const d = buildDataset(t, { target: 'y', source: 'd.csv', decimal: ',' });
    expect(d.kinds).toEqual(['category']);
    expect(d.categories).toEqual([['1', '1.234', '2,5']]);
  });
});

describe('boolean columns', () => {
  it('reads true/false, yes/no, y/n, t/f in any case as 1 and 0, missing as NaN', () => {
    const d = load('a,b,c,d,y\nTrue,yes,Y,t,x\nFALSE,No,n,F,y\n,YES,NA,f,x\n');
    expect(d.kinds).toEqual(['boolean', 'boolean', 'boolean', 'boolean']);
    expect(Array.from(d.x)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, Number.NaN, 1, Number.NaN, 0]);
  });

  it('keeps 0/1 columns numeric, and refuses a column mixing booleans and other text', () => {
    expect(load('a,y\n0,x\n1,y\n').kinds).toEqual(['number']);
    const mixed = load('a,y\nyes,x\nmaybe,y\nno,x\n');
    expect(mixed.kinds).toEqual(['category']);
    expect(mixed.categories).toEqual([['maybe', 'no', 'yes']]);
  });
});

const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n');

describe('identifier columns', () => {
  it('leaves out a column named like an id holding unique integers, and says why', () => {
    for (const name of ['id', 'PassengerId', 'passenger_id', 'customerID', 'Order ID']) {
      const d = load(`${name},a,y\n${rows(4, (i) => `${100 + i},${i % 2},${i % 2 ? 'x' : 'y'}`)}\n`);
      expect(d.features, name).toEqual(['a']);
      expect(d.leftOut).toEqual([
        {
          column: normalizeColumnName(name),
          reason: 'identifier',
          detail: 'unique integers, named like an id',
        },
      ]);
    }
  });

  it('keeps integers named like an id when they repeat, and unique integers named otherwise', () => {
    expect(load('id,a,y\n1,5,x\n1,6,y\n2,7,x\n').features).toEqual(['id', 'a']);
    expect(load('age,y\n31,x\n42,y\n53,x\n').features).toEqual(['age']);
  });

  it('leaves out unique text from 10 rows on (name, uuid); fewer rows are text', () => {
    const text = `name,a,y\n${rows(10, (i) => `Person ${i},${i},${i % 2 ? 'x' : 'y'}`)}\n`;
    const d = load(text);
    expect(d.features).toEqual(['a']);
    expect(d.leftOut).toEqual([{ column: 'name', reason: 'identifier', detail: 'unique text' }]);
    expect(load(`name,a,y\n${rows(9, (i) => `P${i},${i},${i % 2 ? 'x' : 'y'}`)}\n`).kinds).toEqual([
      'category',
      'number',
    ]);
  });

  it('--keep keeps an integer id as a feature, and a text id as categories', () => {
    const text = `id,name,a,y\n${rows(10, (i) => `${i},P${i},${i % 3},${i % 2 ? 'x' : 'y'}`)}\n`;
    expect(load(text, 'y', { keep: ['id'] }).features).toEqual(['id', 'a']);
    const named = load(text, 'y', { keep: ['name'] });
    expect(named.features).toEqual(['name', 'a']);
    expect(named.kinds).toEqual(['category', 'number']);
    expect(() => load(text, 'y', { keep: ['nope'] })).toThrow(
      '--keep names "nope", which d.csv does not have',
    );
    expect(() => load(text, 'y', { keep: ['id'], drop: ['id'] })).toThrow('--keep and --drop both name "id"');
  });
});

describe('date columns', () => {
  it('leaves out ISO dates and date-times, d/m/y and m/d/y, stating an ambiguous order', () => {
    const d = load(
      'a,iso,stamp,dmy,mdy,both,y\n' +
        '1,2024-01-31,2024-01-31T08:30:00Z,31/01/2024,01-31-2024,01/02/2024,x\n' +
        '2,2024-02-29,2024-02-29 23:59,1/2/2024,2-1-2024,03/04/2024,y\n' +
        '3,,,,,,x\n',
    );
    expect(d.features).toEqual(['a']);
    expect(d.leftOut.map((c) => [c.column, c.reason, c.detail])).toEqual([
      ['iso', 'date', 'dates, ISO 8601'],
      ['stamp', 'date', 'date-times, ISO 8601'],
      ['dmy', 'date', 'dates, d/m/y'],
      ['mdy', 'date', 'dates, m/d/y'],
      ['both', 'date', 'dates, m/d/y or d/m/y (no day above 12): read as m/d/y'],
    ]);
  });

  it('reads an impossible date as text, learned as categories', () => {
    expect(load('d,y\n2024-02-30,x\n2024-03-01,y\n2024-03-02,x\n').kinds).toEqual(['category']);
    expect(load('d,y\n13/13/2024,x\n1/1/2024,y\n').kinds).toEqual(['category']);
  });

  it("dates: 'parts' makes year, month, day, day of week (and hour, minute) features", () => {
    const d = load('when,at,y\n2024-01-31,31/12/2023 18:05,x\n,1/1/2024 00:00,y\n', 'y', { dates: 'parts' });
    expect(d.features).toEqual([
      'when_year',
      'when_month',
      'when_day',
      'when_dayofweek',
      'at_year',
      'at_month',
      'at_day',
      'at_dayofweek',
      'at_hour',
      'at_minute',
    ]);
    expect(d.leftOut).toEqual([]);
    expect(d.expandedDates.map((e) => e.column)).toEqual(['when', 'at']);
    // 2024-01-31 was a Wednesday (2), 2023-12-31 a Sunday (6), 2024-01-01 a Monday (0).
    expect(Array.from(d.x)).toEqual([
      2024,
      1,
      31,
      2,
      2023,
      12,
      31,
      6,
      18,
      5,
      ...Array(4).fill(Number.NaN),
      2024,
      1,
      1,
      0,
      0,
      0,
    ]);
  });

  it('--keep on a date column points to --dates parts', () => {
    expect(() => load('d,a,y\n2024-01-01,1,x\n2024-01-02,2,y\n', 'y', { keep: ['d'] })).toThrow(
      'column "d" holds dates, ISO 8601; --keep cannot make a feature of it as it is: --dates parts',
    );
  });
});

describe('the feature matrix written over the table (inPlace)', () => {
  // Mixed columns, a row without a target, an id left out, a column turning to text after the reader
  // held it as numbers (row 1,100), a boolean, decimals and missing values.
  const rows = Array.from({ length: 1200 }, (_, i) => {
    const late = i === 1100 ? 'x' : String(i % 7);
    const y = i === 3 ? '' : String(i % 3);
    return `${i},${(i * 0.37).toFixed(2)},${late},${i % 2 ? 'yes' : 'no'},${i % 5 ? i % 11 : 'NA'},${y}`;
  });
  const text = `row_id,a,late,flag,b,y\n${rows.join('\n')}\n`;

  it('gives the x a fresh matrix gives, in the table matrix buffer, shrunk to it', () => {
    const fresh = buildDataset(parseCsv(text, 'd.csv'), { target: 'y', source: 'd.csv' });
    const table = parseCsv(text, 'd.csv');
    const d = buildDataset(table, { target: 'y', source: 'd.csv', inPlace: true });
    expect(d.features).toEqual(['a', 'late', 'flag', 'b']);
    expect(d.rows).toBe(1199);
    expect(d.x.buffer).toBe(table.matrix.buffer);
    expect(table.matrix.buffer.byteLength).toBe(d.x.byteLength);
    expect(Array.from(d.x)).toEqual(Array.from(fresh.x));
    expect(Array.from(d.yClass!)).toEqual(Array.from(fresh.yClass!));
    expect(d.categories).toEqual(fresh.categories);
  });

  it('builds a matrix of its own when date parts make it wider than the table', () => {
    const dates = 'd,y\n2024-01-02,1\n2024-03-04,0\n2024-05-06,1\n';
    const table = parseCsv(dates, 'd.csv');
    const d = buildDataset(table, { target: 'y', source: 'd.csv', dates: 'parts', inPlace: true });
    expect(d.x.buffer).not.toBe(table.matrix.buffer);
    expect(Array.from(d.x.subarray(0, 4))).toEqual([2024, 1, 2, 1]);
  });

  it('still names the line of an infinity and of a text target, as without it', () => {
    const inf = 'a,y\n1,0\ninf,1\n';
    expect(() =>
      buildDataset(parseCsv(inf, 'd.csv'), { target: 'y', source: 'd.csv', inPlace: true }),
    ).toThrow('d.csv: column "a", line 3: inf is not a finite number');
    const regression = 'a,y\n1,0.5\n2,oops\n';
    expect(() =>
      buildDataset(parseCsv(regression, 'd.csv'), {
        target: 'y',
        source: 'd.csv',
        task: 'regression',
        inPlace: true,
      }),
    ).toThrow('d.csv: regression needs a numeric target, but line 3 has "oops"');
  });
});

describe('imputeInPlace', () => {
  it('gives the means and float32 features the fit computes, over x, its buffer shrunk', () => {
    const rows = Array.from({ length: 300 }, (_, i) => {
      const a = i % 7 === 0 ? '' : String(Math.sin(i) * 1e3);
      const b = i % 5 === 0 ? 'NA' : String(1 / (i + 1));
      return `${a},${b},${['red', 'green', ''][i % 3]},${i % 2}`;
    });
    const text = `a,b,c,y\n${rows.join('\n')}\n`;
    const d = buildDataset(parseCsv(text, 'd.csv'), { target: 'y', source: 'd.csv', inPlace: true });
    const categorical = d.features.map((_, f) => Boolean(d.categories?.[f]));
    expect(categorical).toEqual([false, false, true]);
    const means = columnMeans(d.x, d.rows, 3);
    means[2] = Number.NaN;
    const expected = imputeToFloat32(d.x, d.rows, means);
    const buffer = d.x.buffer;
    const got = imputeInPlace(d.x, d.rows, 3, categorical);
    expect(Array.from(got.means)).toEqual(Array.from(means));
    expect(Array.from(got.xf)).toEqual(Array.from(expected));
    expect(got.xf.buffer).toBe(buffer);
    expect(buffer.byteLength).toBe(got.xf.byteLength);
  });
});
