#!/usr/bin/env bash
# Opens a run's report.html in a real, headless Chromium and checks it as a person would see it.
#
#   scripts/browser-check.sh                       # the canonical run's page (what CI checks)
#   scripts/browser-check.sh --run DIR             # another run's page, DIR/report.html
#   scripts/browser-check.sh --cell W/D/C ...      # the cells to select (default: four below)
#   scripts/browser-check.sh --selftest            # also: planted faults must each fail it
#   scripts/browser-check.sh --out DIR             # where the harness and screenshots go
#                                                  # (default target/browser-check)
#
# Installs Debian's chromium when the machine has none (scripts/install-chromium.sh). Then:
#  1. `statebench advise --format json` (and the card as text) for each cell;
#  2. a harness page (scripts/browser-check.js) loads report.html in a frame, selects each cell
#     through the page's own selects, and checks that the card and the table show what advise
#     printed — the pick, every figure of the card's rows in data and in words, the card's
#     words, or advise's reason for no card — then filters by family, sorts a column, hides and
#     shows a row in the plots, follows cited cells and a broken address;
#  3. fails on any console message of the page (the page writes none: an uncaught error, a
#     blocked load or a content-security-policy violation all land there) or a failed check;
#  4. saves screenshots at 1280 and 390 px wide, light and dark, to look at.
# With --selftest it first plants three faults in copies of the page — a figure changed, an
# error thrown when a cell is chosen, an image fetched from a network — and fails unless the
# check fails on each. With --run, advise answers `--from DIR` and holds its card against no
# other run, so the page must have been rendered without `report --beside` for the cards'
# words to match.
#
# Chromium's own headless flags (--dump-dom, --screenshot, --virtual-time-budget) drive it: no
# DevTools-protocol client to install or pin (docs/ARCHITECTURE.md says why). Exit status 0
# when every check passed, 1 when one failed, 2 for a usage error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

run="" out="target/browser-check" cells=() selftest=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --run) run="${2:?--run needs a folder}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --cell) cells+=("${2:?--cell needs WORKLOAD/DRIVER/CLIENTS}"); shift 2 ;;
    --selftest) selftest=1; shift ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "browser-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ ${#cells[@]} -eq 0 ]]; then
  # Two callers, three client counts, four mixes, and a cell advise gives no card for.
  cells=(counter/tasks/64 sessions/threads/1 kv_write_heavy/tasks/8 seed/goroutines/110)
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
  # The canonical run: the folder advise answers from by default (its JSON names it first).
  dir="$("$bin" advise --workload counter --format json | sed -n 's/^  "source": "\(.*\) — .*/\1/p')"
  if [[ -z "$dir" || ! -d "$dir" ]]; then
    echo "browser-check: cannot tell the canonical run's folder from advise's JSON" >&2
    exit 1
  fi
fi
page="$(cd "$dir" && pwd)/report.html"
if [[ ! -f "$page" ]]; then
  echo "browser-check: no page at $page (statebench report --from $dir/results.json writes one)" >&2
  exit 2
fi
echo "browser-check: $page in $("$browser" --version 2>/dev/null || echo chromium)"

# A JSON string of stdin.
json_string() { sed 's/\\/\\\\/g; s/"/\\"/g; s/\t/\\t/g' | awk 'BEGIN {printf "\""} {printf "%s\\n", $0} END {printf "\""}'; }

# What the CLI says for each cell, as the harness's expectations: the card and its JSON, or
# the reason it gives none (exit status 2).
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
    printf '%s{"w": "%s", "d": "%s", "c": %s, ' "$sep" "$w" "$d" "$c"
    if json="$("$bin" "${args[@]}" --format json 2> "$out/advise.err")"; then
      printf '"json": %s, "text": %s}\n' "$json" "$("$bin" "${args[@]}" | json_string)"
    else
      # advise says "statebench: <reason>" on stderr; the page holds the reason.
      printf '"error": %s}\n' "$(sed 's/^statebench: //' "$out/advise.err" | head -1 | tr -d '\n' | json_string | sed 's/\\n"$/"/')"
    fi
    sep=","
  done
  echo "]"
} > "$out/expected.json"

# The harness page for the report at $1, written to $2.
harness() {
  {
    echo '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>browser check</title></head><body>'
    echo '<pre id="result">the check did not run</pre>'
    echo '<iframe id="page" title="the page under test" width="1280" height="900" src="file://'"$1"'"></iframe>'
    echo '<script type="application/json" id="expected">'
    sed 's#</#<\\/#g' "$out/expected.json"
    echo '</script><script>'
    cat scripts/browser-check.js
    echo '</script></body></html>'
  } > "$2"
}

chrome=("$browser" --headless --disable-gpu --hide-scrollbars --no-first-run
  --user-data-dir="$out/profile" --enable-logging=stderr --v=0)
[[ "$(id -u)" == "0" ]] && chrome+=(--no-sandbox)

# Prints Chromium's console lines of log $1 (it logs each as CONSOLE) under heading $2;
# status 1 when there is one.
quiet_console() {
  local logged
  logged="$(grep -a ':CONSOLE' "$1" || true)"
  if [[ -n "$logged" ]]; then
    echo "browser-check: the page wrote to the console $2:" >&2
    echo "$logged" >&2
    return 1
  fi
}

# Checks the page at $1, its files under the folder $2 (the verdict in $2/result.txt);
# status 1 when a check failed or the page wrote to the console.
check_page() {
  local page="$1" work="$2" ok=0
  mkdir -p "$work"
  rm -f "$work/dom.html" "$work/result.txt"
  harness "$page" "$work/harness.html"
  timeout 180 "${chrome[@]}" --allow-file-access-from-files --virtual-time-budget=30000 \
    --dump-dom "file://$work/harness.html" > "$work/dom.html" 2> "$work/chromium.log" || true
  sed -n '/BEGIN-RESULT/,/END-RESULT/{/-RESULT/d;p}' "$work/dom.html" \
    | sed 's/&gt;/>/g; s/&lt;/</g; s/&quot;/"/g; s/&amp;/\&/g' > "$work/result.txt"
  if ! grep -q "checks, 0 failed" "$work/result.txt"; then
    ok=1
  fi
  quiet_console "$work/chromium.log" "while checked" || ok=1
  return "$ok"
}

if [[ "$selftest" == 1 ]]; then
  # Each planted fault must fail the check; a check that passes them checks nothing.
  IFS=/ read -r w d c <<<"${cells[0]}"
  plant() {
    local name="$1" script="$2" copy="$out/planted-$1/report.html"
    mkdir -p "$out/planted-$name"
    cp "$page" "$copy"
    sed -i -E "$script" "$copy"
    if cmp -s "$page" "$copy"; then
      echo "browser-check: selftest: the plant $name changed nothing" >&2
      exit 1
    fi
    if check_page "$copy" "$out/planted-$name/check" 2> "$out/planted-$name/check.err"; then
      echo "browser-check: selftest: the check passed a page with $name planted" >&2
      exit 1
    fi
    echo "browser-check: selftest: $name planted, the check failed: $(grep -m1 -h '^FAIL\|CONSOLE' "$out/planted-$name/check/result.txt" "$out/planted-$name/check.err" | cut -c1-160)"
  }
  # The first cell's first row's throughput, ten times larger (a 9 after its first digit).
  plant figure "0,/(\"w\":\"$w\",\"i\":\"[^\"]*\",\"f\":\"[^\"]*\",\"d\":\"$d\",\"c\":$c,\"ops\":[0-9])/s//\19/"
  plant thrown "s/^  function cardView\(\) \{/  function cardView() { if (state.c === $c \&\& state.d === \"$d\") null.boom();/"
  plant fetch "s#<main>#<main><img alt=\"\" src=\"https://example.invalid/x.png\">#"
fi

status=0
check_page "$page" "$out" || status=1
cat "$out/result.txt"
if [[ "$status" != 0 ]]; then
  echo "browser-check: a check failed, the page wrote to the console, or the harness never finished (see $out/chromium.log)" >&2
fi

# Screenshots of the first cell, as a person opening a shared link would see it.
rm -f "$out"/page-*.png
IFS=/ read -r w d c <<<"${cells[0]}"
url="file://$page#w=$w&d=$d&c=$c"
for shot in "1280 3600 light" "390 6400 light" "1280 3600 dark" "390 6400 dark"; do
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
  quiet_console "$out/shot.log" "at $width px ($scheme)" || status=1
  echo "browser-check: screenshot $name"
done
exit "$status"
