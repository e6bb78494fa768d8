#!/usr/bin/env bash
# Create (idempotently) the Python reference venv used for fixtures and parity checks.
# Usage: scripts/reference/setup-python.sh [scikit-learn version]
#   scripts/reference/setup-python.sh          scikit-learn (the mirror's newest) in <repo>/.venv-ref
#   scripts/reference/setup-python.sh 1.6.1    scikit-learn 1.6.1 and a numpy of its time in <repo>/.venv-ref-1.6.1
#   MODELGATE_VENV  venv location (default: as above)
# Prints the venv's python path on the last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
version="${1:-}"
if [ -z "$version" ]; then
  venv="${MODELGATE_VENV:-$repo/.venv-ref}"
  # uvicorn, uvloop, httptools and orjson: the bare ASGI peer over onnxruntime (bench/reference/asgi_onnx.py).
  packages=(scikit-learn numpy pandas onnx onnxruntime joblib lz4 gunicorn lightgbm uvicorn uvloop httptools orjson)
  modules=(sklearn numpy pandas onnx onnxruntime joblib lz4 gunicorn lightgbm uvicorn uvloop httptools orjson)
else
  # An older scikit-learn only writes fixtures (scripts/reference/make_sklearn_fixtures.py): no onnx or
  # servers. numpy, scipy and pandas of the time 1.6 was current (numpy 2.2, scipy 1.13, pandas 2.2): the pins keep pip from
  # picking wheels newer than that scikit-learn was built for.
  venv="${MODELGATE_VENV:-$repo/.venv-ref-$version}"
  packages=("scikit-learn==$version" "numpy<2.3" "scipy<1.16" "pandas<2.3" joblib)
  modules=(sklearn numpy pandas joblib)
fi
py="$venv/bin/python"

log() { echo "[setup-python] $*" >&2; }

if [ ! -x "$py" ]; then
  base="${PYTHON:-python3}"
  command -v "$base" >/dev/null 2>&1 || { log "error: $base not found"; exit 1; }
  log "creating venv at $venv"
  "$base" -m venv "$venv" || { log "error: venv creation failed"; exit 1; }
fi

import_check() {
  local m
  for m in "${modules[@]}"; do
    "$py" -c "import $m" >/dev/null 2>&1 || return 1
  done
  if [ -n "$version" ]; then
    [ "$("$py" -c 'import sklearn; print(sklearn.__version__)' 2>/dev/null)" = "$version" ] || return 1
  fi
  return 0
}

if import_check; then
  log "all packages already importable"
else
  log "installing: ${packages[*]}"
  # Short timeout/retries: an unreachable index should fail fast, local mirrors answer quickly.
  # pip output (including retry warnings about unreachable indexes) is kept in a
  # temp file and shown only if the install fails.
  piplog="$(mktemp)"
  trap 'rm -f "$piplog"' EXIT
  if ! "$py" -m pip install --quiet --disable-pip-version-check \
        --retries "${PIP_RETRIES:-1}" --timeout "${PIP_TIMEOUT:-15}" "${packages[@]}" >"$piplog" 2>&1; then
    cat "$piplog" >&2
    log "error: pip install failed"
    exit 1
  fi
  import_check || { log "error: packages still not importable after install"; exit 1; }
fi

if [ -z "$version" ]; then
  "$py" -c "import sklearn, numpy, pandas, onnx, onnxruntime; print('[setup-python] sklearn', sklearn.__version__, 'numpy', numpy.__version__, 'pandas', pandas.__version__, 'onnx', onnx.__version__, 'onnxruntime', onnxruntime.__version__)" >&2
else
  "$py" -c "import sklearn, numpy, pandas; print('[setup-python] sklearn', sklearn.__version__, 'numpy', numpy.__version__, 'pandas', pandas.__version__)" >&2
fi
echo "$py"
