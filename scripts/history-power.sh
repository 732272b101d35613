#!/usr/bin/env bash
# How often is the nightly alarm (`statebench history`) right on this machine? Collects the
# pools of runs `statebench history power` draws its series from, both tiers, then runs it:
#
#   noise        the nightly's own commands (`run --suite ci`; `instructions`), nothing planted:
#                every alarm on a series drawn from them is a false one
#   narrow       the same commands narrowed to mutex_std (`--impl mutex_std`), nothing planted
#   plant-S      the narrow commands with S spins planted in mutex_std's lock on every operation
#                (the `calibrate` feature, STATEBENCH_PLANT_SPINS=S), interleaved with `narrow`
#                so that the machine's drift falls on both alike
#   owners, owners-plant-S   the instruction tier narrowed to owner_tokio from tasks (an owner
#                it counts exactly), without and with S spins planted in the owner's serving of
#                each call (STATEBENCH_PLANT_IN=owners)
#
# False alarms are counted on `noise` (every record of both tiers) and on `owners`; detection
# and delay on `narrow` with each `plant-S` (and `owners` with each `owners-plant-S`) from
# night --at on, binned by the step each record measured.
#
#   scripts/history-power.sh [options]
#
# --wall-noise N        runs of the wall-clock `ci` suite [20]
# --wall-runs N         runs of each narrow wall-clock pool [16]
# --wall-plants LIST    spins of the wall-clock plants ["4 16 64"]
# --ins-noise N         runs of the instruction tier [6]
# --ins-runs N          runs of each narrow instruction pool [8]
# --ins-plants LIST     spins of the instruction-tier plants ["1 2 4"]
# --owner-runs N        runs of each owner pool [8]
# --owner-plants LIST   spins of the owner plants ["48 128"]
# --bin PATH            a `calibrate` build to use [built here with the quick profile]
# --dir DIR             where the pools go [target/history-power]
# --out DIR             where the power figures go [DIR/out]
# Other options (--nights, --at, --within, --trials, --seed, --threshold, --alpha) go to
# `statebench history power`.
#
# A run already in its pool is not run again, so an interrupted collection resumes: keep one
# binary for a whole collection (a pool of two builds would measure the builds' difference).
# The figures are the machine's: run on a quiet machine, never beside a build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() { echo "history-power.sh: $*" >&2; exit 2; }
wall_noise=20 wall_runs=16 wall_plants="4 16 64" ins_noise=6 ins_runs=8 ins_plants="1 2 4"
owner_runs=8 owner_plants="48 128"
bin="" dir=target/history-power out="" pass=()
while (( $# > 0 )); do
  case "$1" in
    --wall-noise|--wall-runs|--wall-plants|--ins-noise|--ins-runs|--ins-plants|--owner-runs|\
    --owner-plants|--bin|--dir|--out)
      (( $# >= 2 )) || usage "$1 needs a value"
      v=${1#--}; declare "${v//-/_}=$2"; shift 2 ;;
    --nights|--at|--within|--trials|--seed|--threshold|--alpha)
      (( $# >= 2 )) || usage "$1 needs a value"; pass+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,37p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown option $1" ;;
  esac
done
for n in "$wall_noise" "$wall_runs" "$ins_noise" "$ins_runs" "$owner_runs"; do
  [[ "$n" =~ ^[0-9]+$ ]] || usage "run counts are whole numbers, got $n"
done
for s in $wall_plants $ins_plants $owner_plants; do
  [[ "$s" =~ ^[1-9][0-9]*$ ]] || usage "plants are whole numbers of spins from 1, got $s"
done
out=${out:-$dir/out}

if [[ -z "$bin" ]]; then
  echo "== building statebench with the calibrate feature"
  CARGO_TARGET_DIR="$dir/build" cargo build --profile quick --quiet --locked --bin statebench \
    --features calibrate
  bin="$dir/build/quick/statebench"
fi
[[ -x "$bin" ]] || usage "--bin $bin is not a program"

# Runs one pool's K-th run unless it is there: $1 pool folder, $2 spins, $3 K, then the command;
# the spins are planted where $site says.
site=mutex_std
take() {
  local pool=$1 spins=$2 k=$3; shift 3
  local file="$pool/run-$(printf %02d "$k").json"
  [[ -f "$file" ]] && return 0
  mkdir -p "$pool"
  echo "== $pool, run $k"
  if (( spins > 0 )); then
    STATEBENCH_PLANT_SPINS=$spins STATEBENCH_PLANT_IN=$site "$bin" "$@" -o "$file.part" \
      > "$file.log" 2>&1
  else
    env -u STATEBENCH_PLANT_SPINS -u STATEBENCH_PLANT_IN "$bin" "$@" -o "$file.part" \
      > "$file.log" 2>&1
  fi || { cat "$file.log" >&2; exit 3; }
  mv "$file.part" "$file"
}

wall=(run --suite ci) ins=(instructions)
# The narrow pools first, round by round; then the suites' noise.
for ((k = 1; k <= wall_runs; k++)); do
  take "$dir/wall/narrow" 0 "$k" "${wall[@]}" --impl mutex_std
  for s in $wall_plants; do take "$dir/wall/plant-$s" "$s" "$k" "${wall[@]}" --impl mutex_std; done
done
for ((k = 1; k <= ins_runs; k++)); do
  take "$dir/instructions/narrow" 0 "$k" "${ins[@]}" --impl mutex_std
  for s in $ins_plants; do
    take "$dir/instructions/plant-$s" "$s" "$k" "${ins[@]}" --impl mutex_std
  done
done
site=owners
owner=(instructions --impl owner_tokio --driver tasks)
for ((k = 1; k <= owner_runs; k++)); do
  take "$dir/instructions/owners" 0 "$k" "${owner[@]}"
  for s in $owner_plants; do take "$dir/instructions/owners-plant-$s" "$s" "$k" "${owner[@]}"; done
done
site=mutex_std
for ((k = 1; k <= wall_noise; k++)); do take "$dir/wall/noise" 0 "$k" "${wall[@]}"; done
for ((k = 1; k <= ins_noise; k++)); do take "$dir/instructions/noise" 0 "$k" "${ins[@]}"; done

mkdir -p "$out"
spins() { if (( $1 == 1 )); then echo "1 spin"; else echo "$1 spins"; fi; }
for tier in wall instructions; do
  plants=$wall_plants
  [[ $tier == wall ]] || plants=$ins_plants
  planted=()
  for s in $plants; do planted+=(--planted "$(spins "$s")=$dir/$tier/plant-$s"); done
  for format in table json; do
    "$bin" history power --noise "$dir/$tier/noise" ${pass[@]+"${pass[@]}"} --format "$format" \
      > "$out/$tier-false-alarms.$format"
    "$bin" history power --noise "$dir/$tier/narrow" ${planted[@]+"${planted[@]}"} ${pass[@]+"${pass[@]}"} \
      --format "$format" > "$out/$tier-detection.$format"
  done
  cat "$out/$tier-false-alarms.table" "$out/$tier-detection.table"
done
planted=()
for s in $owner_plants; do
  planted+=(--planted "$(spins "$s")=$dir/instructions/owners-plant-$s")
done
for format in table json; do
  "$bin" history power --noise "$dir/instructions/owners" ${planted[@]+"${planted[@]}"} ${pass[@]+"${pass[@]}"} \
    --format "$format" > "$out/owners-detection.$format"
done
cat "$out/owners-detection.table"
