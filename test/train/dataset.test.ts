import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/train/csv.js';
import { buildDataset } from '../../src/train/dataset.js';
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

  it('names a non-numeric feature column, the line and the value', () => {
    expect(() => load('a,color,y\n1,2,x\n2,red,y\n')).toThrow(
      'd.csv: column "color" is not numeric (line 3 has "red")',
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
});
