// trainFromCsv reads a CSV given whole or in pieces (as `modelgate train` streams a local file): the
// same model, and the card's digest is the file's.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainFromCsv } from '../../src/train/train.js';

const file = 'test/fixtures/datasets/wine-train.csv';

describe('training on a CSV in pieces', () => {
  it('learns the model it learns from the whole file', () => {
    const bytes = readFileSync(file);
    const options = { target: 'target', source: file, nEstimators: 5, threads: 1 };
    const whole = trainFromCsv(bytes, options);
    const pieces = Array.from({ length: Math.ceil(bytes.length / 777) }, (_, i) =>
      bytes.subarray(i * 777, (i + 1) * 777),
    );
    const streamed = trainFromCsv(pieces, options);
    expect(streamed.boosted.stages).toEqual(whole.boosted.stages);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(streamed.card.provenance.data?.sha256).toBe(sha256);
    expect(whole.card.provenance.data?.sha256).toBe(sha256);
  });
});
