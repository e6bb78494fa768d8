#!/usr/bin/env bash
# Create (idempotently) the Python reference venv used for fixtures and parity checks.
# Usage: scripts/reference/setup-python.sh
#   MODELGATE_VENV  venv location (default: <repo>/.venv-ref)
# Prints the venv's python path on the last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${MODELGATE_VENV:-$repo/.venv-ref}"
py="$venv/bin/python"
packages=(scikit-learn numpy pandas onnx onnxruntime joblib lz4 gunicorn)
modules=(sklearn numpy pandas onnx onnxruntime joblib lz4 gunicorn)

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

"$py" -c "import sklearn, numpy, pandas, onnx, onnxruntime; print('[setup-python] sklearn', sklearn.__version__, 'numpy', numpy.__version__, 'pandas', pandas.__version__, 'onnx', onnx.__version__, 'onnxruntime', onnxruntime.__version__)" >&2
echo "$py"
