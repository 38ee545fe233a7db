# Sourced by scripts/test.sh: the leaderboard page is tested in Debian's headless chromium
# (tests/test_leaderboard_browser.py), so the test command installs it when it is missing and
# it may (root, or sudo without a password), and otherwise stops with one line saying what to
# run: a test that cannot start is a failure, never a silent skip.
BROWSER_PACKAGES="chromium chromium-driver"

# Prints how chromium and chromedriver can be had: present, root, sudo, no-apt or no-permission.
browser_plan() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo present
  elif ! command -v apt-get >/dev/null 2>&1; then
    echo no-apt
  elif [ "$(id -u)" = 0 ]; then
    echo root
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo sudo
  else
    echo no-permission
  fi
}

_browser_apt() {
  echo "[test] installing $BROWSER_PACKAGES with apt-get (the browser test needs them)" >&2
  "$@" apt-get update -qq &&
    "$@" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $BROWSER_PACKAGES >/dev/null
}

# Makes chromium and chromedriver available, or says in one line why it cannot (exit 1).
ensure_browser() {
  local plan
  plan=$(browser_plan)
  case "$plan" in
    present) return 0 ;;
    root) _browser_apt ;;
    sudo) _browser_apt sudo -n ;;
    no-apt) echo "[test] the browser test needs chromium and chromedriver on PATH and there is no" \
      "apt-get to install them: install both, or run only the other tests (-m 'not slow')" >&2
      return 1 ;;
    *) echo "[test] the browser test needs chromium and chromedriver: run" \
      "'sudo apt-get install $BROWSER_PACKAGES' (this user may not), then rerun" >&2
      return 1 ;;
  esac
}

# Whether pytest, given these arguments, would run the browser test: always for the README's
# bare command; for a selection (-m "not slow", a file), pytest's own collection decides, and
# only while the browser is missing, so a machine that has it pays nothing.
browser_needed() {
  [ $# -eq 0 ] && return 0
  local collected  # captured first: under pipefail, grep -q closing the pipe early would fail it
  collected=$(python -m pytest --collect-only -q "$@" 2>/dev/null || true)
  grep -q '^tests/test_leaderboard_browser.py::' <<<"$collected"
}
