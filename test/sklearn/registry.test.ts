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
import {
  CONVERTED_CLASSES,
  FAMILIES,
  FOREIGN_CLASSES,
  PART_CLASSES,
  REFERENCED_NAMES,
  REFUSED_CLASSES,
} from '../../src/sklearn/registry.js';
import { sklearnClassesIn } from '../helpers/sklearn-classes.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

/**
 * Parts only files no committed fixture comes from hold (older than the committed fixtures, which go
 * back to scikit-learn 1.2, or a version only the live runs cover), each with the versions that wrote
 * them.
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
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      // The pickles (each joblib file beside one holds the same model); the large networks add nothing.
      else if (entry.endsWith('.pkl') && stat.size < 2 ** 20) {
        try {
          sklearnClassesIn(readModelFile(readFileSync(path)), rebuilt);
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

  it('declares every converted class in one family (as a step, a final estimator, or both)', () => {
    const seen = new Map<string, string>();
    for (const family of FAMILIES)
      for (const name of new Set([
        ...Object.keys(family.transformers ?? {}),
        ...Object.keys(family.finals ?? {}),
      ])) {
        expect(seen.get(name), `${name} in ${family.family}`).toBeUndefined();
        seen.set(name, family.family);
      }
    expect(new Set(CONVERTED_CLASSES).size, 'CONVERTED_CLASSES lists each class once').toBe(
      CONVERTED_CLASSES.length,
    );
  });

  it('has a committed fixture naming every class on it', () => {
    const missing = [...SKLEARN_CLASSES].filter((cls) => !rebuilt.has(cls) && !(cls in OLDER_FILES_ONLY));
    expect(missing).toEqual([]);
    // other libraries' classes too (the LightGBM fixtures hold them)
    expect([...FOREIGN_CLASSES.keys()].filter((q) => !rebuilt.has(q.split('.').pop() as string))).toEqual([]);
    // and the older-files list holds nothing a fixture now has
    expect(Object.keys(OLDER_FILES_ONLY).filter((cls) => rebuilt.has(cls))).toEqual([]);
  });

  it('knows every scikit-learn class a committed fixture holds, and refuses the others by name', () => {
    // Whatever the reader rebuilt is on the allowlist by construction; what it refused is not.
    const foreign = new Set([...FOREIGN_CLASSES.keys()].map((q) => q.split('.').pop() as string));
    for (const cls of rebuilt)
      expect(SKLEARN_CLASSES.has(cls) || foreign.has(cls) || REFERENCED_NAMES.has(cls), cls).toBe(true);
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
const EXPECTED_UNCONVERTED: string[] = ['Birch', 'NMF', '_TemperatureScaling'];
