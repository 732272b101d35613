#!/usr/bin/env bash
# How often is scripts/ci-regress.sh right on this machine? Runs its A/B measurement many times
# with one build of a revision: A/A trials (nothing planted: every "slower" is a false alarm)
# and trials with a slowdown planted in mutex_std's hot path on the NEW side (the `calibrate`
# feature, off in every default build; docs/CI.md). Each trial's comparison is kept, then
# `statebench power` tallies them: the false-alarm rate, and per cell how often each verdict
# came out.
#
#   scripts/ci-power.sh [--trials N] [--plants "0 S1 S2 …"] [--rev REV] [ci-regress options]
#
# --trials N       trials of each kind [20]
# --plants LIST    spins planted per operation, 0 meaning A/A ["0"]; see docs/CI.md for the
#                  slowdown each count makes
# --rev REV        the revision measured [HEAD]; keep one revision for a whole series
# Other options go to scripts/ci-regress.sh (--suite, --rounds, --repeat, --duration, …).
#
# Trials are kept under target/ci-power/plant-S/trial-K.json (target/ci-power-instructions/…
# with --tier instructions); a trial already there is not run again, so an interrupted series
# resumes. Run the wall-clock tier on a quiet machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

trials=20 plants="0" rev=HEAD tier=wall pass=()
while (( $# > 0 )); do
  case "$1" in
    --trials) trials=${2:?--trials needs a value}; shift 2 ;;
    --plants) plants=${2:?--plants needs a value}; shift 2 ;;
    --rev) rev=${2:?--rev needs a value}; shift 2 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --tier) tier=${2:?--tier needs a value}; pass+=("$1" "$2"); shift 2 ;;
    *) pass+=("$1"); shift ;;
  esac
done
[[ "$trials" =~ ^[1-9][0-9]*$ ]] || { echo "ci-power.sh: --trials must be a whole number from 1" >&2; exit 2; }
for p in $plants; do
  [[ "$p" =~ ^[0-9]+$ ]] || { echo "ci-power.sh: --plants takes whole numbers, got $p" >&2; exit 2; }
done

dir=target/ci-power
[[ "$tier" == wall ]] || dir=target/ci-power-$tier
for ((k = 1; k <= trials; k++)); do
  for p in $plants; do
    file="$dir/plant-$p/trial-$k.json"
    [[ -f "$file" ]] && continue
    mkdir -p "$dir/plant-$p"
    echo "== trial $k of $trials, $p spins planted"
    status=0
    scripts/ci-regress.sh --plant "$p" "${pass[@]}" "$rev" > "$dir/plant-$p/trial-$k.log" 2>&1 \
      || status=$?
    (( status <= 1 )) || { cat "$dir/plant-$p/trial-$k.log" >&2; exit "$status"; }
    cp target/ab/compare.json "$file"
  done
done

for p in $plants; do
  echo
  echo "== $p spins planted in mutex_std ($trials trials)"
  target/ab/bin/statebench-head power "$dir/plant-$p"/trial-*.json
done
