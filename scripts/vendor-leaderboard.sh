#!/usr/bin/env bash
# Refresh leaderboard/vendor/: the page's JavaScript libraries, from the npm registry, pinned.
# The page works from file:// with no network, so the libraries are committed, each with its
# licence. Bump a version here, run this, rebuild the leaderboard, commit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TABULATOR=6.5.3
CHARTJS=4.6.1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "tabulator-tables@$TABULATOR" "chart.js@$CHARTJS" >/dev/null
M=$TMP/node_modules
OUT=$ROOT/leaderboard/vendor
rm -rf "$OUT"
mkdir -p "$OUT/tabulator-tables" "$OUT/chart.js"
cp "$M/tabulator-tables/dist/js/tabulator.min.js" "$M/tabulator-tables/dist/css/tabulator.min.css" \
  "$M/tabulator-tables/LICENSE" "$OUT/tabulator-tables/"
cp "$M/chart.js/dist/chart.umd.min.js" "$M/chart.js/LICENSE.md" "$OUT/chart.js/"
# chart.umd.min.js bundles @kurkle/color (MIT); keep its licence beside it.
cp "$M/@kurkle/color/LICENSE.md" "$OUT/chart.js/LICENSE-kurkle-color.md"
KURKLE=$(node -p "require('$M/@kurkle/color/package.json').version")
{
  echo "# leaderboard/vendor"
  echo
  echo "Third-party libraries of leaderboard/index.html, copied from the npm registry by"
  echo "\`scripts/vendor-leaderboard.sh\` (do not edit by hand). Each folder holds the library's licence."
  echo
  echo "| package | version | licence | files |"
  echo "|---|---|---|---|"
  echo "| tabulator-tables | $TABULATOR | MIT | tabulator.min.js, tabulator.min.css |"
  echo "| chart.js | $CHARTJS | MIT | chart.umd.min.js (bundles @kurkle/color $KURKLE, MIT) |"
  echo
  echo "SHA-256:"
  echo
  echo '```'
  (cd "$OUT" && sha256sum tabulator-tables/*.min.* chart.js/*.min.js)
  echo '```'
} > "$OUT/README.md"
echo "$OUT"
