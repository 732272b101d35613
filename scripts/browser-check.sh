#!/usr/bin/env bash
# Opens a run's report.html in a real, headless Chromium and checks it as a person would see it.
#
#   scripts/browser-check.sh                       # the canonical run's page (what CI checks)
#   scripts/browser-check.sh --run DIR             # another run's page, DIR/report.html
#   scripts/browser-check.sh --cell W/D/C ...      # the cells to select (default: three below)
#   scripts/browser-check.sh --out DIR             # where the harness and screenshots go
#                                                  # (default target/browser-check)
#
# Installs Debian's chromium when the machine has none (scripts/install-chromium.sh). Then:
#  1. `statebench advise --format json` (and the card as text) for each cell;
#  2. a harness page (scripts/browser-check.js) loads report.html in a frame, selects each cell
#     through the page's own selects, and checks that the card and the table show what advise
#     printed — the pick, every figure of the card's rows, the card's words — then sorts a
#     column, hides and shows a row in the plots, and follows a cell cited in the report;
#  3. fails on any console message of the page (the page writes none: an uncaught error, a
#     blocked load or a content-security-policy violation all land there) or a failed check;
#  4. saves screenshots at 1280 and 390 px wide, and 1280 px in the dark scheme.
# With --run, advise answers `--from DIR` and holds its card against no other run, so the
# page must have been rendered without `report --beside` for the cards' words to match.
#
# Chromium's own headless flags (--dump-dom, --screenshot, --virtual-time-budget) drive it: no
# DevTools-protocol client to install or pin (docs/ARCHITECTURE.md says why). Exit status 0
# when every check passed, 1 when one failed, 2 for a usage error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

run="" out="target/browser-check" cells=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --run) run="${2:?--run needs a folder}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --cell) cells+=("${2:?--cell needs WORKLOAD/DRIVER/CLIENTS}"); shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "browser-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ ${#cells[@]} -eq 0 ]]; then
  cells=(counter/tasks/64 sessions/threads/1 kv_write_heavy/tasks/8)
fi

browser="$(scripts/install-chromium.sh)"
bin="${STATEBENCH:-}"
if [[ -z "$bin" ]]; then
  cargo build -q --bin statebench
  bin="target/debug/statebench"
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"

from=()
if [[ -n "$run" ]]; then
  from=(--from "$run")
  dir="$run"
else
  # The canonical run: the folder advise answers from by default (its JSON names it).
  dir="$("$bin" advise --workload counter --format json | sed -n 's/^  "source": "\(.*\) — .*/\1/p')"
fi
page="$(cd "$dir" && pwd)/report.html"
if [[ ! -f "$page" ]]; then
  echo "browser-check: no page at $page (statebench report --from $dir/results.json writes one)" >&2
  exit 2
fi
echo "browser-check: $page in $("$browser" --version 2>/dev/null || echo chromium)"

# What the CLI says for each cell, as the harness's expectations.
{
  echo "["
  sep=""
  for cell in "${cells[@]}"; do
    IFS=/ read -r w d c <<<"$cell"
    if [[ -z "$w" || -z "$d" || -z "$c" ]]; then
      echo "browser-check: --cell $cell is not WORKLOAD/DRIVER/CLIENTS" >&2
      exit 2
    fi
    args=(advise "${from[@]}" --workload "$w" --driver "$d" --clients "$c")
    json="$("$bin" "${args[@]}" --format json)"
    text="$("$bin" "${args[@]}" | sed 's/\\/\\\\/g; s/"/\\"/g' | awk '{printf "%s\\n", $0}')"
    printf '%s{"w": "%s", "d": "%s", "c": %s, "json": %s, "text": "%s"}\n' "$sep" "$w" "$d" "$c" "$json" "$text"
    sep=","
  done
  echo "]"
} > "$out/expected.json"

{
  echo '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>browser check</title></head><body>'
  echo '<pre id="result">the check did not run</pre>'
  echo '<iframe id="page" title="the page under test" width="1280" height="900" src="file://'"$page"'"></iframe>'
  echo '<script type="application/json" id="expected">'
  sed 's#</#<\\/#g' "$out/expected.json"
  echo '</script><script>'
  cat scripts/browser-check.js
  echo '</script></body></html>'
} > "$out/harness.html"

chrome=("$browser" --headless --disable-gpu --hide-scrollbars --no-first-run
  --user-data-dir="$out/profile" --enable-logging=stderr --v=0)
[[ "$(id -u)" == "0" ]] && chrome+=(--no-sandbox)

status=0
# Fails the check when Chromium's log $1 holds a console line of a page (it logs each as
# CONSOLE); $2 says when.
quiet_console() {
  local logged
  logged="$(grep -a ':CONSOLE' "$1" || true)"
  if [[ -n "$logged" ]]; then
    echo "browser-check: the page wrote to the console $2:" >&2
    echo "$logged" >&2
    status=1
  fi
}

rm -f "$out"/*.png "$out/dom.html" "$out/result.txt"
timeout 180 "${chrome[@]}" --allow-file-access-from-files --virtual-time-budget=20000 \
  --dump-dom "file://$out/harness.html" > "$out/dom.html" 2> "$out/chromium.log" || true
sed -n '/BEGIN-RESULT/,/END-RESULT/{/-RESULT/d;p}' "$out/dom.html" | sed 's/&gt;/>/g; s/&lt;/</g; s/&amp;/\&/g' \
  | tee "$out/result.txt"
if ! grep -q "checks, 0 failed" "$out/result.txt"; then
  echo "browser-check: a check failed, or the harness never finished (see $out/chromium.log)" >&2
  status=1
fi
quiet_console "$out/chromium.log" "while checked"

# Screenshots of the first cell, as a person opening a shared link would see it.
IFS=/ read -r w d c <<<"${cells[0]}"
url="file://$page#w=$w&d=$d&c=$c"
for shot in "1280 2600 light" "390 3400 light" "1280 2600 dark"; do
  read -r width height scheme <<<"$shot"
  name="$out/page-$width-$scheme.png"
  extra=()
  [[ "$scheme" == dark ]] && extra=(--force-dark-mode --blink-settings=preferredColorScheme=0)
  timeout 120 "${chrome[@]}" "${extra[@]}" --window-size="$width,$height" --virtual-time-budget=5000 \
    --screenshot="$name" "$url" > /dev/null 2> "$out/shot.log" || true
  if [[ ! -s "$name" ]]; then
    echo "browser-check: no screenshot at $name" >&2
    status=1
  fi
  quiet_console "$out/shot.log" "at $width px ($scheme)"
  echo "browser-check: screenshot $name"
done
exit "$status"
