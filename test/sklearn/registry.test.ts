// The registry (src/sklearn/registry.ts) is the one list of scikit-learn classes: the converter's
// dispatch and the pickle allowlist are both derived from it. These tests tie the list to the files
// scikit-learn writes: every class on it is rebuilt from a committed fixture (so parity or a refusal is
// tested for it), and every scikit-learn class a committed fixture names is on it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PickleRefusedError, UnsupportedClassError } from '../../src/sklearn/errors.js';
import { resolveGlobal, SKLEARN_CLASSES } from '../../src/sklearn/globals.js';
import { readModelFile } from '../../src/sklearn/joblib.js';
import { CONVERTED_CLASSES, FAMILIES, PART_CLASSES, REFUSED_CLASSES } from '../../src/sklearn/registry.js';
import { NdArray, PyDict, PyGlobal, PyObject, PyTuple } from '../../src/sklearn/values.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

/**
 * Parts only files older than every committed fixture hold (the committed fixtures go back to scikit-learn
 * 1.2), each with the versions that wrote them: read by the same code as their successors.
 */
const OLDER_FILES_ONLY: Record<string, string> = {
  LeastSquares: 'histogram gradient boosting losses before scikit-learn 1.1',
  LeastAbsoluteDeviation: 'histogram gradient boosting losses before scikit-learn 1.1',
  BinaryCrossEntropy: 'histogram gradient boosting losses before scikit-learn 1.1',
  CategoricalCrossEntropy: 'histogram gradient boosting losses before scikit-learn 1.1',
  Poisson: 'histogram gradient boosting losses before scikit-learn 1.1',
  // SGD models kept their loss object until scikit-learn 1.4 (the 1.2 fixtures hold Hinge, Log, ...)
  LogLoss: "SGD's loss objects before scikit-learn 1.4",
  SquaredLoss: "SGD's loss objects before scikit-learn 1.4",
  Huber: "SGD's loss objects before scikit-learn 1.4",
  // the metric names without the 64 suffix (the 1.2 fixtures hold EuclideanDistance)
  ManhattanDistance: 'neighbour metrics before scikit-learn 1.3',
};

/**
 * The scikit-learn classes of every object the committed pickles rebuild (read by modelgate's own
 * reader, as `modelgate import` reads them), and the classes the reader refused, by name.
 */
function fixtureClasses(): { rebuilt: Set<string>; refused: Set<string> } {
  const rebuilt = new Set<string>();
  const refused = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof PyObject) {
      if (v.cls.module.startsWith('sklearn')) rebuilt.add(v.cls.name);
      visit(v.state);
      v.listItems.forEach(visit);
      v.args.forEach(visit);
    } else if (v instanceof PyGlobal) {
      // a function the state names without calling it (a univariate selector's score_func)
      if (v.module.startsWith('sklearn')) rebuilt.add(v.name);
    } else if (v instanceof PyDict)
      for (const [k, x] of v.map) {
        visit(k);
        visit(x);
      }
    else if (v instanceof PyTuple) v.items.forEach(visit);
    else if (v instanceof NdArray) v.objects?.forEach(visit);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      // The pickles (each joblib file beside one holds the same model); the large networks add nothing.
      else if (entry.endsWith('.pkl') && stat.size < 2 ** 20) {
        try {
          visit(readModelFile(readFileSync(path)));
        } catch (err) {
          if (err instanceof PickleRefusedError) {
            const name = err.global.split('.').pop() as string;
            if (err.global.startsWith('sklearn')) refused.add(name);
          }
        }
      }
    }
  };
  walk(FIXTURES);
  return { rebuilt, refused };
}

const { rebuilt, refused } = fixtureClasses();

describe('the registry and the pickle allowlist', () => {
  it('allows exactly the classes the families convert and the parts their state holds', () => {
    expect(new Set(SKLEARN_CLASSES)).toEqual(new Set([...CONVERTED_CLASSES, ...PART_CLASSES.keys()]));
    for (const name of REFUSED_CLASSES.keys()) expect(SKLEARN_CLASSES.has(name), name).toBe(false);
    // every class the families declare is on the allowlist
    for (const family of FAMILIES)
      for (const name of [
        ...Object.keys(family.transformers ?? {}),
        ...Object.keys(family.finals ?? {}),
        ...Object.keys(family.parts ?? {}),
      ])
        expect(SKLEARN_CLASSES.has(name), `${family.family}: ${name}`).toBe(true);
  });

  it('declares every converted class once, in one family', () => {
    const seen = new Map<string, string>();
    for (const family of FAMILIES)
      for (const name of [...Object.keys(family.transformers ?? {}), ...Object.keys(family.finals ?? {})]) {
        expect(seen.get(name), `${name} in ${family.family}`).toBeUndefined();
        seen.set(name, family.family);
      }
  });

  it('has a committed fixture naming every class on it', () => {
    const missing = [...SKLEARN_CLASSES].filter((cls) => !rebuilt.has(cls) && !(cls in OLDER_FILES_ONLY));
    expect(missing).toEqual([]);
    // and the older-files list holds nothing a fixture now has
    expect(Object.keys(OLDER_FILES_ONLY).filter((cls) => rebuilt.has(cls))).toEqual([]);
  });

  it('knows every scikit-learn class a committed fixture holds, and refuses the others by name', () => {
    // Whatever the reader rebuilt is on the allowlist by construction; what it refused is not.
    for (const cls of rebuilt) expect(SKLEARN_CLASSES.has(cls), cls).toBe(true);
    expect([...refused].filter((cls) => SKLEARN_CLASSES.has(cls))).toEqual([]);
    expect([...refused].sort()).toEqual(EXPECTED_UNCONVERTED);
  });

  it('refuses a known class with its reason, naming it', () => {
    for (const [name, why] of REFUSED_CLASSES) {
      const err = (() => {
        try {
          resolveGlobal('sklearn.some_module', name);
        } catch (e) {
          return e as Error;
        }
        throw new Error(`${name} was not refused`);
      })();
      expect(err).toBeInstanceOf(UnsupportedClassError);
      expect(err.message).toBe(`a ${name} (sklearn.some_module.${name}): ${why}`);
    }
  });
});

/** scikit-learn classes the committed fixtures name that modelgate does not convert (its refusal cases). */
const EXPECTED_UNCONVERTED: string[] = [
  'AdaBoostClassifier',
  'BaggingRegressor',
  'ChebyshevDistance64',
  'GaussianNB',
  'IsolationForest',
  'LinearDiscriminantAnalysis',
  'NMF',
  'OneClassSVM',
  'OneVsRestClassifier',
  'Perceptron',
  'RidgeClassifier',
  'SGDRegressor',
  'VotingClassifier',
];
