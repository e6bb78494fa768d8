import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REFERENCE_DIR = fileURLToPath(new URL('../../scripts/reference/', import.meta.url));
const DEFAULT_VENV_PYTHON = fileURLToPath(new URL('../../.venv-ref/bin/python', import.meta.url));

export const PYTHON_MISSING =
  'the Python reference is not installed: run `bash scripts/reference/setup-python.sh` (scikit-learn from the pip mirror) to run this check';

let cached: Promise<string | undefined> | undefined;

/** The reference venv's python when it can import scikit-learn and onnx, else undefined. */
export function referencePython(): Promise<string | undefined> {
  cached ??= (async () => {
    const python = process.env.MODELGATE_PYTHON ?? DEFAULT_VENV_PYTHON;
    try {
      if (!existsSync(python)) throw new Error(`${python} does not exist`);
      await run(python, ['-c', 'import sklearn, onnx, pandas']);
      return python;
    } catch (err) {
      // Said once per test file, so a skipped check never passes silently.
      console.warn(
        `skipping checks against live scikit-learn: ${PYTHON_MISSING} (${(err as Error).message.split('\n')[0]})`,
      );
      return undefined;
    }
  })();
  return cached;
}

/**
 * Runs a script from scripts/reference/ and parses its JSON output. OpenMP's threads (scikit-learn's
 * histogram boosting, LightGBM) wait passively: spinning, they took minutes instead of seconds while
 * the suite ran other files on the same cores. Results do not depend on the wait policy.
 */
export async function runReference<T>(python: string, script: string, args: string[]): Promise<T> {
  const { stdout } = await run(python, [`${REFERENCE_DIR}${script}`, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' },
  });
  return JSON.parse(stdout) as T;
}
