// What the converter knows about each column of the feature matrix while the steps rewrite it: which
// input features' missing values (NaN) can still be in it, and, where the column is one input feature
// passed through per-element steps (selection, an imputer, a scaler), that function, so that a
// OneHotEncoder's categories can be mapped back to the numbers a request sends. From these, per input
// feature: whether a missing value is answered or refused (as scikit-learn's predict would refuse it),
// and which numbers it takes when an encoder refuses categories it never saw.
import { UnsupportedModelError } from './errors.js';

/** A column that is a function of one input feature. */
export interface ColumnSource {
  feature: number;
  /** The column's value for the input x, in double precision as the graph computes it. */
  at(x: number): number;
  /** `at` is the identity on the finite numbers (the column holds what the request sent). */
  identity: boolean;
  /** `at` never decreases as x grows over the finite numbers (each step applied is monotone). */
  monotone: boolean;
  /** The steps applied, for messages ("a StandardScaler"). */
  via: string[];
}

export interface Column {
  /** The input features whose missing values can still be present here (as NaN). */
  nanFrom: readonly number[];
  /** Set where the column is one input feature through per-element steps; unset for derived columns. */
  source?: ColumnSource;
}

/** The flow's columns at the input: feature i as sent, its missing values with it. */
export function inputColumns(width: number): Column[] {
  return Array.from({ length: width }, (_, i) => ({
    nanFrom: [i],
    source: { feature: i, at: (x: number) => x, identity: true, monotone: true, via: [] },
  }));
}

/**
 * A column through a per-element step y -> step(y). `monotone`: the step never decreases (on the
 * finite numbers). `keepsNan`: a NaN stays NaN (a scaler), so the missing values stay with the column.
 */
export function throughStep(
  col: Column,
  step: (y: number) => number,
  what: string,
  monotone: boolean,
  keepsNan = true,
): Column {
  const s = col.source;
  return {
    nanFrom: keepsNan ? col.nanFrom : [],
    ...(s
      ? {
          source: {
            feature: s.feature,
            at: (x: number) => step(s.at(x)),
            identity: false,
            monotone: s.monotone && monotone,
            via: s.via.includes(what) ? s.via : [...s.via, what],
          },
        }
      : {}),
  };
}

/**
 * A column through an imputer filling NaN with `statistic`: the identity on numbers, so a column that
 * held the request's numbers still does. A NaN statistic (a column empty when fitted, kept) fills nothing.
 */
export function throughImputer(col: Column, statistic: number): Column {
  const s = col.source;
  const fills = !Number.isNaN(statistic);
  return {
    nanFrom: fills ? [] : col.nanFrom,
    ...(s
      ? {
          source: {
            ...s,
            at: (x: number) => {
              const y = s.at(x);
              return Number.isNaN(y) ? statistic : y;
            },
            via: s.via.includes('a SimpleImputer') ? s.via : [...s.via, 'a SimpleImputer'],
          },
        }
      : {}),
  };
}

/** Per input feature: the first step that would refuse its missing values, and the numbers it takes. */
export class InputRules {
  readonly missingRefusedBy: (string | undefined)[];
  readonly values: (number[] | undefined)[];
  /** Per input feature: the smallest number it takes, where a step refuses smaller ones, and why. */
  readonly mins: ({ value: number; because: string } | undefined)[];

  /**
   * Rows the model cannot vouch for its answer to, each a bool graph value ([N] or [N, 1]) true there,
   * and why (ties scikit-learn breaks in a way the graph does not reproduce): a request holding such a
   * row is refused.
   */
  readonly refusedRows: { rows: string; because: string }[] = [];
  /** Per input feature of free text: characters a request's text may not hold, and why. */
  readonly textRefusals: ({ characters: string; because: string } | undefined)[] = [];

  /** Feature `f`'s text may not hold any of these characters (the graph would read it otherwise). */
  refuseCharacters(f: number, characters: string, because: string): void {
    const before = this.textRefusals[f];
    const all = [...new Set([...(before?.characters ?? ''), ...characters])].join('');
    this.textRefusals[f] = { characters: all, because: before ? `${before.because}; ${because}` : because };
  }

  /** names: the input features, in order. */
  constructor(readonly names: readonly string[]) {
    this.missingRefusedBy = new Array(names.length).fill(undefined);
    this.values = new Array(names.length).fill(undefined);
    this.mins = new Array(names.length).fill(undefined);
  }

  /**
   * The step `by` takes only the column values `ok` holds for and raises on the others (scikit-learn's
   * Box-Cox on a number that is not positive), where the graph would compute NaN, which a later step
   * could take as a missing value and answer. Where the column is one input feature through steps
   * that keep order, the smallest number of that feature the step takes becomes the feature's `min`
   * (a request below it is a 400); elsewhere no check on the request can stand for it, and the model
   * is refused. `ok` must hold for every value above one it holds for (a lower bound).
   */
  requireAtLeast(col: Column, ok: (y: number) => boolean, by: string, refused: string): void {
    const s = col.source;
    if (!s?.monotone)
      throw new UnsupportedModelError(
        `${by} after steps that mix or reorder the input's numbers: scikit-learn refuses rows where it gets ${refused}, and modelgate cannot check that on the request`,
      );
    const takes = (x: number) => ok(s.at(x));
    if (!takes(Number.MAX_VALUE))
      throw new UnsupportedModelError(
        `${by} that refuses every number of the feature "${this.names[s.feature]}"`,
      );
    if (takes(-Number.MAX_VALUE)) return;
    const x = fromPosition(firstPosition(takes));
    const before = this.mins[s.feature];
    if (before === undefined || x > before.value)
      this.mins[s.feature] = { value: x, because: `${by} refuses ${refused}` };
  }

  /** The features' missing values reach `by`, which refuses them (scikit-learn raises on NaN there). */
  refuseMissing(features: Iterable<number>, by: string): void {
    for (const f of features) this.missingRefusedBy[f] ??= by;
  }

  /** Feature `f` takes only these numbers (two encoders reading it: the numbers both take). */
  restrict(f: number, values: readonly number[]): void {
    const before = this.values[f];
    if (before === undefined) this.values[f] = [...values];
    else {
      const keep = new Set(values);
      this.values[f] = before.filter((v) => keep.has(v));
    }
  }
}

/** The ordered position of a double (-0 and 0 are one): consecutive doubles are consecutive integers. */
function position(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  return bits < 0n ? -(bits & 0x7fff_ffff_ffff_ffffn) : bits;
}

function fromPosition(p: bigint): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigInt64(0, p < 0n ? -p | -0x8000_0000_0000_0000n : p);
  return view.getFloat64(0);
}

const LOWEST = position(-Number.MAX_VALUE);
const HIGHEST = position(Number.MAX_VALUE);

/** The position of the first finite double `holds` is true for, of a predicate false then true in order. */
function firstPosition(holds: (x: number) => boolean): bigint {
  let lo = LOWEST;
  let hi = HIGHEST;
  while (lo < hi) {
    const mid = lo + (hi - lo) / 2n;
    if (holds(fromPosition(mid))) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

/**
 * The finite inputs x whose column value at(x) equals the category c, for a non-decreasing `at`: none,
 * exactly one, or 'several' (a step rounds or clips many inputs onto c, and no list of numbers says
 * which inputs scikit-learn takes). Found by bisection over the doubles in order, so it is exact.
 */
export function preimage(at: (x: number) => number, c: number): number | undefined | 'several' {
  if (!(at(fromPosition(HIGHEST)) >= c)) return undefined;
  const lo = firstPosition((x) => at(x) >= c);
  const x = fromPosition(lo);
  if (at(x) !== c) return undefined;
  if (lo < HIGHEST && at(fromPosition(lo + 1n)) === c) return 'several';
  return x;
}
