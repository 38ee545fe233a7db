#!/usr/bin/env bash
# Step 2 of the GPU check: the single command of one device call. Step 1, run here first, is
# benchmarks/gpu_prepare.sh; benchmarks/README.md gives both and the exact device call. It
#   1. installs the carried wheels (.gpu-carry/wheels) into /tmp/site; the repo is not
#      pip-installed there but runs from PYTHONPATH (tasks/ is linked in as maskft_tasks);
#   2. prints the environment (nvidia-smi, Python, torch, transformers, accelerate);
#   3. reruns the packing equivalence test on the GPU (flex_attention included);
#   4. measures trainer throughput (benchmarks/train_throughput.py: random weights of the
#      SmolLM2-135M and Llama-3.2-1B shapes, built from the carried .gpu-carry/smollm2-shape
#      config and tokenizer), one process per row of ROWS below, so that a failure (an OOM, a
#      time-out) costs that row only; a row that runs out of GPU memory is retried at half the
#      batch until it fits;
#   5. optionally scores the random SmolLM2 shape with `maskft-bench score --backend hf`
#      (lm-eval on the GPU: does the scoring stack run there, how fast is HF generation);
#   6. writes under $OUT: gpu_check.log (everything), train_throughput.md (the table) and
#      score_summary.json. Both files grow as it goes, so a time-out keeps what was done.
# No new row or stage starts after GPU_CHECK_BUDGET_S seconds (default 420), and each is cut
# at its own time limit, so it ends within ~7 minutes; give the device call 480 s. Expected on
# an H100: about 4 minutes (estimate; see benchmarks/README.md).
#
# Settings (environment), defaults for the GPU run; tiny values give a CPU dry run:
#   GPU_CHECK_STEPS=50          optimizer steps per row (tokens/s: median after the first step)
#   GPU_CHECK_MAX_LENGTH=512    truncation length (the suite's examples are 52-209 tokens)
#   GPU_CHECK_BATCH=            if set, replaces every row's batch size
#   GPU_CHECK_SHAPES=           if set, only the rows of these shapes (space-separated)
#   GPU_CHECK_ROWS=             if set, replaces the ROWS table below (same format)
#   GPU_CHECK_BUDGET_S=420      seconds after which no new row or stage starts
#   GPU_CHECK_ROW_TIMEOUT_S=150 seconds one row may take (model build included)
#   GPU_CHECK_MODEL_CACHE=/tmp/maskft-gpu-check-models  random models, reused across rows/calls
#   GPU_CHECK_TEST_DEVICE=cuda  GPU_CHECK_EXTRA_ATTENTION=flex_attention  (packing test; a CPU
#                               dry run sets cpu and an empty list: flex has no CPU backward)
#   GPU_CHECK_SCORING=1  GPU_CHECK_SCORE_LIMIT=64 (questions per task)  GPU_CHECK_SCORE_BATCH=64
#   GPU_CHECK_SCORE_TIMEOUT_S=180
#   GPU_CARRY=.gpu-carry  GPU_SITE=/tmp/site  PYTHON=python3  OUT=./gpu-out
set -uo pipefail  # no -e: a failing row must not stop the rows after it
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false TQDM_DISABLE=1 HF_HUB_DISABLE_PROGRESS_BARS=1
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1  # no network there
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
OUT=${OUT:-$ROOT/gpu-out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
CARRY=${GPU_CARRY:-.gpu-carry}
SITE=${GPU_SITE:-/tmp/site}
STEPS=${GPU_CHECK_STEPS:-50}
MAX_LENGTH=${GPU_CHECK_MAX_LENGTH:-512}
BUDGET=${GPU_CHECK_BUDGET_S:-420}
ROW_TIMEOUT=${GPU_CHECK_ROW_TIMEOUT_S:-150}
MODEL_CACHE=${GPU_CHECK_MODEL_CACHE:-/tmp/maskft-gpu-check-models}
SCORE_LIMIT=${GPU_CHECK_SCORE_LIMIT:-64}
SCORE_BATCH=${GPU_CHECK_SCORE_BATCH:-64}
SCORE_TIMEOUT=${GPU_CHECK_SCORE_TIMEOUT_S:-180}
TABLE=$OUT/train_throughput.md

# One row per line: shape, method, batch size, then extra train_throughput.py arguments.
# Packed rows concatenate the same 64 examples without padding (packing: true), so they hold
# fewer tokens than the padded rows; flex_attention skips the blocks between examples, sdpa
# computes them under a dense mask (the row shows what that costs). Most wanted first (the
# issue's targets: masked FT of the 135M shape, MFU of the 1B shape), as the budget may end
# the list early.
# Memory (fp32 weights + AdamW + bf16 autocast, measured saved activations 0.94 MB/token for
# the 135M shape and 1.95 MB/token for the 1B shape): batches are padded to their longest
# example (<= 118 tokens standard, <= 209 masked), so batch 64 of the 1B shape needs about
# 19 GB of weights/gradients/optimizer state plus ~26 GB of activations: it fits 80 GB.
ROWS_DEFAULT="
smollm2-135m  masked    64
llama-3.2-1b  masked    64
smollm2-135m  masked    64  --layouts packed --set attn_implementation=flex_attention
llama-3.2-1b  masked    64  --layouts packed --set attn_implementation=flex_attention
smollm2-135m  standard  64
llama-3.2-1b  standard  64
smollm2-135m  masked    64  --set torch_compile=true
smollm2-135m  masked    64  --layouts packed --set attn_implementation=sdpa
"
ROWS=${GPU_CHECK_ROWS:-$ROWS_DEFAULT}

FAILED=0
remaining() { echo $((BUDGET - SECONDS)); }

install_carry() {
  echo "== install: $CARRY/wheels -> $SITE"
  local wheels=("$CARRY"/wheels/*.whl)
  if [ ! -e "${wheels[0]}" ]; then
    echo "no wheels in $CARRY/wheels: run benchmarks/gpu_prepare.sh here and carry $CARRY" >&2
    return 1
  fi
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" "${wheels[@]}" || return 1
  ln -sfn "$ROOT/tasks" "$SITE/maskft_tasks"  # what `pip install .` maps tasks/ to
  export PYTHONPATH="$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
  "$PY" -c "import maskft_bench.training.engine, maskft_tasks; print('imports ok')" || return 1
}

environment() {
  echo "== environment"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 || echo "no nvidia-smi"
  "$PY" - <<'EOF'
import platform

import accelerate
import torch
import transformers

cuda = torch.cuda.is_available()
print(f"python {platform.python_version()}, torch {torch.__version__} (CUDA {torch.version.cuda}), "
      f"transformers {transformers.__version__}, accelerate {accelerate.__version__}")
print(f"device: {torch.cuda.get_device_name(0) if cuda else 'cpu'}"
      + (f", {torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB" if cuda else ""))
EOF
}

# run_row SHAPE METHOD BATCH [ARGS...]: appends a table line per try; a try that ran out of
# GPU memory is followed by one at half the batch.
run_row() {
  local shape=$1 method=$2 batch=$3
  shift 3
  local extra="$*" log left limit rc line
  log=$(mktemp)
  while :; do
    left=$(remaining)
    limit=$((left < ROW_TIMEOUT ? left : ROW_TIMEOUT))
    if [ "$limit" -lt 20 ]; then
      echo "| $shape | $method | ${extra:--} | $batch | | skipped: time budget spent | | |" >>"$TABLE"
      FAILED=$((FAILED + 1))
      return
    fi
    echo "== row: $shape $method batch $batch ${extra} (steps $STEPS, max_length $MAX_LENGTH," \
      "limit ${limit}s, $SECONDS s elapsed)"
    # shellcheck disable=SC2086  # extra: word-split on purpose
    timeout -k 15 "$limit" "$PY" benchmarks/train_throughput.py --no-header \
      --model-source "$CARRY/smollm2-shape" --model-cache "$MODEL_CACHE" \
      --shapes "$shape" --methods "$method" --steps "$STEPS" --batch-size "$batch" \
      --max-length "$MAX_LENGTH" $extra </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep "^| $shape | $method |" "$log" | tail -n 1)
    if [ "$rc" = 0 ] && [ -n "$line" ]; then
      # train_throughput's "| shape | method | layout | tokens/s | MFU | wall s |" with the
      # row's extra arguments and batch
      echo "| $shape | $method | ${extra:--} | $batch |${line#"| $shape | $method |"}" >>"$TABLE"
      rm -f "$log"
      return
    fi
    if grep -q 'OutOfMemoryError\|CUDA out of memory' "$log" && [ "$batch" -gt 1 ]; then
      echo "== out of GPU memory at batch $batch: retrying at $((batch / 2))"
      echo "| $shape | $method | ${extra:--} | $batch | | out of memory | | |" >>"$TABLE"
      batch=$((batch / 2))
      continue
    fi
    local why="exit $rc"
    [ "$rc" = 124 ] || [ "$rc" = 137 ] && why="timed out after ${limit}s"
    echo "| $shape | $method | ${extra:--} | $batch | | failed ($why, see gpu_check.log) | | |" >>"$TABLE"
    FAILED=$((FAILED + 1))
    rm -f "$log"
    return
  done
}

# Packed and padded batches give the same loss and gradients on the GPU too, flex_attention
# included (its backward does not run on CPU, so CI cannot check it): the CPU test, rerun there.
packing_stage() {
  echo "== packing equivalence: tests/test_training_packing.py on ${GPU_CHECK_TEST_DEVICE:-cuda}," \
    "sdpa, eager and ${GPU_CHECK_EXTRA_ATTENTION-flex_attention}"
  MASKFT_TEST_DEVICE=${GPU_CHECK_TEST_DEVICE:-cuda} \
    MASKFT_EXTRA_ATTENTION=${GPU_CHECK_EXTRA_ATTENTION-flex_attention} timeout -k 15 180 \
    "$PY" -m pytest -q -p no:cacheprovider --noconftest -k equal tests/test_training_packing.py \
    </dev/null
}

# Optional second stage: `maskft-bench score --backend hf` (lm-eval, the suite's tasks, HF
# generate on the GPU) on the random-weights SmolLM2-135M shape, --limit questions per task.
# Checks that the scoring stack runs there and how fast HF generation is; the scores of random
# weights are 0. Runs when lm-eval was carried and at least 60 s of the budget are left.
score_stage() {
  local model="$MODEL_CACHE/smollm2-135m" dir=/tmp/maskft-gpu-check-score left rc
  if [ "${GPU_CHECK_SCORING:-1}" = 0 ] || ! "$PY" -c "import lm_eval" 2>/dev/null; then
    echo "== scoring: skipped (GPU_CHECK_SCORING=0 or lm-eval not carried)"
    return 0
  fi
  left=$(remaining)
  if [ "$left" -lt 60 ]; then
    echo "== scoring: skipped (time budget: ${left}s left)"
    return 0
  fi
  echo "== scoring: maskft-bench score --backend hf, random smollm2-135m weights in bf16," \
    "limit $SCORE_LIMIT per task, batch $SCORE_BATCH ($SECONDS s elapsed)"
  # the smollm2 rows' model, or a new one if none ran (random_model reuses a complete one)
  "$PY" -c "import sys; sys.path.insert(0, 'benchmarks'); from pathlib import Path; \
from train_throughput import random_model; random_model('smollm2-135m', Path(sys.argv[1]), \
Path(sys.argv[2]))" "$model" "$CARRY/smollm2-shape" || return 1
  rm -rf "$dir"
  left=$(remaining)
  timeout -k 15 $((left < SCORE_TIMEOUT ? left : SCORE_TIMEOUT)) "$PY" -m maskft_bench.cli score \
    --model "$model" --out "$dir" --backend hf --dtype bfloat16 --limit "$SCORE_LIMIT" \
    --batch-size "$SCORE_BATCH" </dev/null
  rc=$?
  if [ "$rc" != 0 ]; then
    echo "== scoring failed (exit $rc)"
    return 1
  fi
  cp "$dir/summary.json" "$OUT/score_summary.json"
  "$PY" - "$dir/summary.json" <<'EOF'
import json
import sys

s = json.load(open(sys.argv[1]))
prompts = sum(row["n"] for row in s["tasks"].values())
tokens, wall = s["tokens_generated"] or 0, s["wall_seconds"]
print(f"== scoring: {prompts} prompts, {tokens} tokens generated in {wall:.0f} s (start-up "
      f"included): {prompts / wall:.1f} prompts/s, {tokens / wall:.0f} tokens/s on {s['device']}")
EOF
}

main() {
  echo "== gpu_check.sh $(date -u +%FT%TZ), budget ${BUDGET}s, out $OUT"
  install_carry || { echo "== install failed: nothing measured"; return 1; }
  environment
  {
    echo "steps $STEPS, max_length $MAX_LENGTH, fp32 weights + bf16 autocast, AdamW;" \
      "tokens/s counts non-padding tokens (median over steps after the first)"
    echo
    echo "| shape | method | arguments | batch | layout | tokens/s | MFU | wall s |"
    echo "|---|---|---|---:|---|---:|---:|---:|"
  } >"$TABLE"
  packing_stage || FAILED=$((FAILED + 1))
  local shape method batch extra
  while read -r shape method batch extra; do
    [ -z "$shape" ] || [ "${shape:0:1}" = "#" ] && continue
    if [ -n "${GPU_CHECK_SHAPES:-}" ] && [[ " $GPU_CHECK_SHAPES " != *" $shape "* ]]; then
      continue
    fi
    # shellcheck disable=SC2086
    run_row "$shape" "$method" "${GPU_CHECK_BATCH:-$batch}" $extra
  done <<<"$ROWS"

  score_stage || FAILED=$((FAILED + 1))

  echo "== train throughput ($SECONDS s elapsed in all)"
  cat "$TABLE"
  [ "$FAILED" = 0 ] || { echo "== $FAILED row(s) or stage(s) without a result"; return 1; }
}

main 2>&1 | tee "$OUT/gpu_check.log"
exit "${PIPESTATUS[0]}"
