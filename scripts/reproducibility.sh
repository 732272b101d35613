#!/usr/bin/env bash
# Runs the main job (statebench report) N times on this machine, one after another, and prints
# how far the runs agree: per-cell ranking agreement (Kendall tau), leader agreement, and the
# report's claims that every run repeats or one reverses (statebench agreement).
#
#   scripts/reproducibility.sh [N] [report options...]     N defaults to 3
#
# Each run's folder is kept under target/reproducibility/<options>/run-K/ (<options> is
# "default", or the report options joined, e.g. "--repeat_16"), so series of other settings never
# mix; a run whose folder already holds results is not run again, so an interrupted series
# resumes where it stopped (delete the folder to start over). Each run has a seed of its own
# (--seed 24301 + 1000·K, unless the options give --seed or --like), so that a claim must hold
# over fresh shuffles and operation plans, not only over the same ones again. Run it on a quiet
# machine: anything else running is measured too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs="${1:-3}"
shift || true
if ! [[ "$runs" =~ ^[0-9]+$ ]] || (( runs < 2 )); then
  echo "usage: scripts/reproducibility.sh [N >= 2] [report options...]" >&2
  exit 2
fi

echo "== building (release)"
cargo build --release --quiet
bin=target/release/statebench
label="default"
if (( $# > 0 )); then
  label=$(printf '%s_' "$@" | tr -c 'A-Za-z0-9._=-' '_')
  label="${label%_}"
fi
dir="target/reproducibility/$label"
mkdir -p "$dir"

folders=()
for ((k = 1; k <= runs; k++)); do
  out="$dir/run-$k"
  folders+=("$out")
  if [[ -f "$out/results.json" ]]; then
    echo "== run $k of $runs: already in $out, kept"
    continue
  fi
  rm -rf "$out"
  echo "== run $k of $runs -> $out"
  start=$(date +%s)
  seed=()
  if ! printf '%s\n' "$@" | grep -qE '^--(seed|like)(=|$)'; then
    seed=(--seed $((24301 + 1000 * k)))
  fi
  "$bin" report --out "$out" "${seed[@]}" "$@" > "$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
  echo "   took $(( $(date +%s) - start )) s"
done

echo "== agreement of ${#folders[@]} runs"
"$bin" agreement "${folders[@]}"
