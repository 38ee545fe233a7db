#!/usr/bin/env bash
# The main job on the embedded default model (SmolLM2-135M-Instruct): `maskft-bench run
# cpu-default`, which generates a small fresh suite, scores the model before fine-tuning,
# trains it with standard, paraphrase and masked fine-tuning, scores each with lm-eval, ranks
# them on a leaderboard and writes report.md with figures.
#   bash scripts/demo.sh [OUT_DIR]      (default OUT_DIR: artifacts/cpu-default)
# Environment: SEEDS (comma-separated, default: the recipe's seed 0). Rerunning resumes; with
# other SEEDS it adds them to the same report.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
OUT=${1:-$ROOT/artifacts/cpu-default}
maskft-bench run cpu-default --out "$OUT" ${SEEDS:+--seeds "$SEEDS"}
