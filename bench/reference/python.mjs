// The Python reference's interpreter for the benchmarks: the venv scripts/reference/setup-python.sh
// makes (scikit-learn from the local pip mirror), and its versions for the report.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The venv's python, set up first if need be; throws with the setup's own output when it fails. */
export function setupPython(root, log) {
  log('setting up the Python reference (scikit-learn from the pip mirror)');
  const setup = spawnSync('bash', [join(root, 'scripts/reference/setup-python.sh')], { encoding: 'utf8' });
  if (setup.status !== 0) throw new Error(`the Python reference could not be set up:\n${setup.stderr}`);
  return setup.stdout.trim().split('\n').pop();
}

/** "<python version> <scikit-learn version>". */
export function pythonVersions(python) {
  return execFileSync(
    python,
    ['-c', 'import sys, sklearn; print(sys.version.split()[0], sklearn.__version__)'],
    {
      encoding: 'utf8',
    },
  ).trim();
}
