#!/usr/bin/env bash
# The test command (README, CI): lint, then every test, real-model ones included.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"` for the fast ones.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$ROOT"
ruff check .
python -m pytest "$@"
