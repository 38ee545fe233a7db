#!/usr/bin/env bash
# The main job on the embedded default: generate a fresh suite, then score the default model
# (SmolLM2-135M-Instruct, before any fine-tuning) on it: `maskft-bench score`, which runs the
# real lm-eval harness (hf backend on CPU) and writes lm-eval's results, per-sample logs and
# summary.json.
#   bash scripts/demo.sh [OUT_DIR]      (default OUT_DIR: artifacts/demo)
# Environment: SEED (default 0), LIMIT (questions per task; default: all of them).
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
OUT=${1:-$ROOT/artifacts/demo}
SEED=${SEED:-0}
step() { echo "[demo $(date +%H:%M:%S)] $*" >&2; }

step "default model"
MODEL=$(maskft-bench models default)
if [ ! -f "$OUT/suite-$SEED/manifest.json" ]; then
  step "generating suite (seed $SEED) into $OUT/suite-$SEED"
  maskft-bench generate --out "$OUT/suite-$SEED" --seed "$SEED"
fi
step "scoring $MODEL on the suite (test split and retention probe)"
maskft-bench score --model "$MODEL" --suite "$OUT/suite-$SEED" --out "$OUT/score-$SEED" \
  --overwrite ${LIMIT:+--limit "$LIMIT"}
step "done: $OUT/score-$SEED/summary.json"
