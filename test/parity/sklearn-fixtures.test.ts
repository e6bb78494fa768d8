// The committed scikit-learn fixtures are what scikit-learn itself answers: each folder's pickles,
// loaded by the version that wrote them (scripts/reference/check_sklearn_fixtures.py), predict exactly
// the labels, values and probabilities their JSON holds, which test/sklearn/parity.test.ts then asks of
// modelgate. The 1.9 and 1.6.1 references come from scripts/reference/setup-python.sh (.ci/run makes
// both: there a missing one fails the check); Debian's 1.2 (apt-get install python3-sklearn) is checked
// where it is installed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** [folder, scikit-learn minor version, python, required where CI is set] */
const REFERENCES: [string, string, string, boolean][] = [
  ['sklearn', '1.9', process.env.MODELGATE_PYTHON ?? repo('.venv-ref/bin/python'), true],
  ['sklearn-1.6', '1.6', repo('.venv-ref-1.6.1/bin/python'), true],
  ['sklearn-1.2', '1.2', '/usr/bin/python3', false],
];

/** The python when it runs the wanted scikit-learn minor version, else why not. */
async function reference(python: string, minor: string): Promise<string | undefined> {
  if (!existsSync(python)) return `${python} does not exist`;
  try {
    const { stdout } = await run(python, ['-c', 'import sklearn, pandas; print(sklearn.__version__)']);
    return stdout.startsWith(`${minor}.`) ? undefined : `${python} has scikit-learn ${stdout.trim()}`;
  } catch {
    return `${python} cannot import scikit-learn and pandas`;
  }
}

describe.concurrent('committed scikit-learn fixtures against the scikit-learn that wrote them', () => {
  it.for(REFERENCES)(
    'test/fixtures/%s, scikit-learn %s',
    { timeout: 180_000 },
    async ([folder, minor, python, inCi], { skip }) => {
      const missing = await reference(python, minor);
      if (missing) {
        const setup =
          minor === '1.2'
            ? 'apt-get install python3-sklearn python3-joblib python3-pandas'
            : `bash scripts/reference/setup-python.sh${minor === '1.9' ? '' : ' 1.6.1'}`;
        if (process.env.CI && inCi)
          throw new Error(`the scikit-learn ${minor} reference is missing (${missing}): ${setup}`);
        return skip(
          `the scikit-learn ${minor} reference is not installed (${missing}): run \`${setup}\` to check these fixtures`,
        );
      }
      const { stdout } = await run(
        python,
        [repo('scripts/reference/check_sklearn_fixtures.py'), repo(`test/fixtures/${folder}`)],
        { maxBuffer: 16 * 1024 * 1024 },
      );
      const result = JSON.parse(stdout) as { checked: number; mismatches: string[] };
      expect(result.mismatches).toEqual([]);
      expect(result.checked).toBeGreaterThan(50);
    },
  );
});
