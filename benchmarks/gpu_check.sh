#!/usr/bin/env bash
# GPU checks in one call (see the device tool): trainer throughput on both model shapes and a
# short real training + HF scoring round trip. Writes everything under $OUT (default ./gpu-out).
# The GPU machine has torch/transformers/accelerate but not lm-eval, datasets or jsonlines:
# carry their wheels (pip download ... -d wheels) and install them first with
#   pip install --no-index --find-links wheels lm-eval datasets jsonlines ...
set -euo pipefail
OUT=${OUT:-./gpu-out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$OUT/gpu.txt"
pip install --no-deps -e . >/dev/null
python benchmarks/train_throughput.py --shapes smollm2-135m llama-3.2-1b \
  --methods standard masked --steps 20 --batch-size 64 --max-length 512 | tee "$OUT/train_throughput.md"
# The pipeline's GPU recipe (issue 5), as far as PIPELINE_SECONDS allows (default 5 minutes):
# the run resumes, so a later call with the same $OUT continues it. Needs lm-eval (carried).
if python -c "import lm_eval" 2>/dev/null; then
  timeout "${PIPELINE_SECONDS:-300}" maskft-bench run gpu-h100 --seeds 0 --out "$OUT/pipeline" \
    2>&1 | grep '^\[' | tee "$OUT/pipeline.txt" || echo "pipeline stopped (time limit or error)" | tee -a "$OUT/pipeline.txt"
else
  echo "lm-eval not installed: pipeline check skipped" | tee "$OUT/pipeline.txt"
fi
