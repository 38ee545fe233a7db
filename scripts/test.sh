#!/usr/bin/env bash
# The test command (README, CI): lint, then every test, real-model ones included.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"` for the fast ones.
# Installs Debian's chromium and chromedriver for the browser test when they are missing and
# this user may (scripts/browser.sh); otherwise it stops with one line saying what to run.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
source "$ROOT/scripts/browser.sh"
cd "$ROOT"
if [ "$(browser_plan)" != present ] && browser_needed "$@"; then
  ensure_browser
fi
ruff check .
python -m pytest "$@"
