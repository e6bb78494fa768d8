import { Random } from '../../src/train/random.js';

/**
 * A seeded synthetic table as CSV text: `features` numeric columns (a share of cells empty) and a target
 * that depends on them: classes "c0".."c{k-1}" for k >= 2, or a numeric value for k = 0.
 */
export function syntheticCsv(rows: number, features: number, k: number, seed = 1, missingShare = 0): string {
  const rnd = new Random(seed);
  const header = [...Array.from({ length: features }, (_, f) => `x${f}`), 'y'].join(',');
  const lines = [header];
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: features }, () => Math.round((rnd.next() * 10 - 5) * 1000) / 1000);
    const score = x[0] * 1.5 - x[1] + (features > 2 ? x[2] * x[0] * 0.3 : 0) + (rnd.next() - 0.5) * 2;
    const y =
      k === 0
        ? (score * 10).toFixed(3)
        : `c${Math.min(k - 1, Math.max(0, Math.floor((score + 8) / (16 / k))))}`;
    const cells = x.map((v) => (rnd.next() < missingShare ? '' : String(v)));
    lines.push([...cells, y].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The feature rows of a CSV made by syntheticCsv, as arrays with null for missing. */
export function csvRows(text: string): (number | null)[][] {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) =>
      line
        .split(',')
        .slice(0, -1)
        .map((c) => (c === '' ? null : Number(c))),
    );
}

/** A seeded source of floats in [0, 1), the trainer's own generator: a failing case names its seed. */
export function seeded(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}
