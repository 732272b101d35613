#!/usr/bin/env bash
# Measures what the test suites catch: plants one known bug at a time into a scratch copy of
# the committed tree, runs the tests named for it, and reports caught / missed.
#
# The bugs are scripts/mutants/NN-name.patch, each a `git diff` with a header:
#   # plant: what the bug is, in one line
#   # test: a command that should fail with the bug planted (one line each; run in order)
#   # equivalent: why a miss is no bug at all (optional; then a miss is expected)
# A patch that no longer applies, or a plant that does not build, is an error: the list is
# kept in step with the code or the run fails.
#
# Usage: scripts/mutants.sh [--full] [--only RE] [--out FILE]
#   --full        run `cargo test --workspace` for every plant instead of its own tests
#   --only RE     only the plants whose file name matches the extended regex RE
#   --out FILE    also write the Markdown table there (default target/mutants/mutants.md)
#
# Before any plant, every test command is run once on the unplanted copy and must pass:
# otherwise "caught" would mean nothing. The scratch copy and its build live in
# target/mutants (the build is kept between runs, so a second run is incremental).
# docs/RELIABILITY.md publishes the table of the last full run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "mutants.sh: $*" >&2; exit 2; }

full=0 only="" out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --full) full=1 ;;
    --only) [[ $# -ge 2 ]] || die "--only needs a value"; only="$2"; shift ;;
    --out) [[ $# -ge 2 ]] || die "--out needs a file"; out="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

work="$root/target/mutants"
src="$work/src"
logs="$work/logs"
out="${out:-$work/mutants.md}"
export CARGO_TARGET_DIR="$work/target"
mkdir -p "$logs"

mapfile -t patches < <(find "$root/scripts/mutants" -name '*.patch' | sort | grep -E -- "$only" || true)
[[ ${#patches[@]} -gt 0 ]] || die "no plant matches '$only'"

header() { sed -n "s/^# $2: //p" "$1"; }
commands_of() {
  if [[ $full -eq 1 ]]; then echo "cargo test --workspace"; else header "$1" test; fi
}

# A fresh copy of the committed tree (what CI tests), so that plants apply to known code.
rm -rf "$src"
git clone -q "$root" "$src"
echo "scratch copy of $(git -C "$src" log -1 --format='%h %s' | cut -c1-72) in $src"

# Each command is run from the copy with a bound, its output kept in a log.
run() { # log command...
  local log="$1"; shift
  (cd "$src" && timeout 1800 bash -c "$*") >"$log" 2>&1
}

declare -A baseline_done=()
for patch in "${patches[@]}"; do
  while IFS= read -r cmd; do
    [[ -n "$cmd" && -z "${baseline_done[$cmd]:-}" ]] || continue
    baseline_done[$cmd]=1
    printf 'baseline: %s ... ' "$cmd"
    log="$logs/baseline-${#baseline_done[@]}.log"
    start=$SECONDS
    if ! run "$log" "$cmd"; then
      echo "FAILED"
      echo "mutants.sh: the unplanted copy fails '$cmd' (log: $log); fix that first" >&2
      exit 1
    fi
    echo "passes ($((SECONDS - start)) s)"
  done < <(commands_of "$patch")
done

{
  echo "| # | planted bug | caught by |"
  echo "|---|---|---|"
} >"$out"
missed=0 broken=0 n=0
for patch in "${patches[@]}"; do
  n=$((n + 1))
  name="$(basename "$patch" .patch)"
  what="$(header "$patch" plant)"
  equivalent="$(header "$patch" equivalent)"
  git -C "$src" checkout -q -- .
  if ! git -C "$src" apply "$patch" 2>"$logs/$name.apply"; then
    echo "[$n/${#patches[@]}] $name: DOES NOT APPLY ($(head -1 "$logs/$name.apply"))"
    echo "| ${name%%-*} | $what | **does not apply** |" >>"$out"
    broken=$((broken + 1))
    continue
  fi
  printf '[%d/%d] %s ... ' "$n" "${#patches[@]}" "$name"
  start=$SECONDS verdict="" log="$logs/$name.log"
  : >"$log"
  while IFS= read -r cmd; do
    if ! run "$log.part" "$cmd"; then
      cat "$log.part" >>"$log"
      if grep -q -E 'could not compile|^error\[E[0-9]+\]' "$log.part"; then
        verdict="does not build"
      else
        # The failing tests, by name, as libtest prints them.
        failed="$(sed -n 's/^test \(.*\) \.\.\. FAILED$/\1/p' "$log.part" | sort -u)"
        count="$(printf '%s\n' "$failed" | grep -c . || true)"
        first="$(printf '%s\n' "$failed" | head -3 | sed 's/^/`/; s/$/`/' | paste -sd, - | sed 's/,/, /g')"
        [[ $count -gt 3 ]] && first="$first and $((count - 3)) more"
        verdict="caught: ${first:-a failing run} (${cmd%% --*})"
      fi
      break
    fi
    cat "$log.part" >>"$log"
  done < <(commands_of "$patch")
  rm -f "$log.part"
  secs=$((SECONDS - start))
  case "$verdict" in
    "does not build")
      echo "DOES NOT BUILD ($secs s, log: $log)"
      echo "| ${name%%-*} | $what | **does not build** |" >>"$out"
      broken=$((broken + 1)) ;;
    caught*)
      echo "${verdict} ($secs s)"
      echo "| ${name%%-*} | $what | ${verdict#caught: } |" >>"$out" ;;
    *)
      if [[ -n "$equivalent" ]]; then
        echo "missed, as expected: $equivalent ($secs s)"
        echo "| ${name%%-*} | $what | missed — equivalent: $equivalent |" >>"$out"
      else
        echo "MISSED ($secs s)"
        echo "| ${name%%-*} | $what | **missed** |" >>"$out"
        missed=$((missed + 1))
      fi ;;
  esac
done
git -C "$src" checkout -q -- .

echo
cat "$out"
echo
echo "$n plants: $((n - missed - broken)) caught or equivalent, $missed missed, $broken broken (table: $out)"
[[ $missed -eq 0 && $broken -eq 0 ]]
