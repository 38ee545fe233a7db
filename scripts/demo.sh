#!/usr/bin/env bash
# The main job on the embedded default: generate a fresh suite, then score the default model
# (SmolLM2-135M-Instruct, before any fine-tuning) on it with the real lm-eval CLI.
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
step "scoring $MODEL on maskft_* with lm-eval (hf backend, chat template, greedy)"
lm_eval --tasks 'maskft_*' --include_path "$OUT/suite-$SEED" \
  --model hf --model_args "pretrained=$MODEL,dtype=bfloat16" --apply_chat_template \
  --batch_size 32 ${LIMIT:+--limit "$LIMIT"} \
  --output_path "$OUT/results-$SEED" --log_samples
step "done: results and per-sample logs under $OUT/results-$SEED"
