#!/usr/bin/env bash
# Did a change make anything slower? Builds two revisions and measures them in one job,
# interleaved (A B B A …) so the machine's drift falls on both alike, then runs
# `statebench compare` on the pooled runs of each side.
#
#   scripts/ci-regress.sh [options] BASE_REV [HEAD_REV]       HEAD_REV defaults to HEAD
#   scripts/ci-regress.sh [options] --baseline RESULTS [HEAD_REV]
#
# --baseline compares against stored results (a file, a report folder or a folder of runs)
# instead of building BASE: the weaker mode, since the baseline ran at another time and maybe
# on another machine; compare says so in its output. HEAD is then measured as the baseline
# was (`run --like`: its warm-up, window, repetitions, sampling and seed; --repeat,
# --duration and --warmup do not apply), since compare refuses sides measured differently.
#
# Options (defaults in brackets):
#   --tier T            `wall` (throughput, interleaved runs) or `instructions` (instructions
#                       per operation under Valgrind, every pair at one client; --threshold
#                       then defaults to 1 % and --rounds, --suite, --duration, --warmup do
#                       not apply; --repeat counts each pair that many times, default 3) [wall]
#   --suite NAME        cells to measure [ci]: see `statebench run --help`
#   --impl NAME         only this implementation's cells of the suite (repeatable; with the
#                       instruction tier, its pairs) [all]. Fewer cells make a smaller
#                       Bonferroni family, so each interval is narrower than in the whole suite
#   --rounds N          A B pairs, alternating A B B A A B … [6]; compare takes each run as
#                       the unit of a cell's interval, so runs matter more than repetitions
#   --repeat K          repetitions of every cell in each run [6]
#   --duration D        measured window per repetition [20ms]
#   --warmup D          warm-up before each window [10ms]
#   --threshold P       the smallest change called a change [5%]
#   --alpha A           the chance that any interval misses [0.05]
#   --profile NAME      cargo profile of both builds [wall: quick, instructions: release].
#                       quick is release without fat LTO, which builds in less than half the
#                       time and keeps the wall tier within 10 minutes (docs/CI.md); `release`
#                       is the binary the report measures, and the instruction tier's default
#                       because a quick build's counts move when code only moves between
#                       modules (its 16 codegen units group functions by module)
#   --out DIR           where worktrees, builds, runs and verdicts go [target/ab]
#   --plant N           calibration only: build HEAD with the `calibrate` feature and run the
#                       NEW side with STATEBENCH_PLANT_SPINS=N (a slowdown planted in mutex_std;
#                       BASE is the same build without it). For measuring detection power.
#
# Writes DIR/compare.md (a pull-request comment), DIR/compare.json and prints the table.
# Exit status: 0 no regression, 1 a cell got slower beyond the threshold, 2 usage error,
# anything else a failed build or run.
#
# Both revisions build in their own git worktree (DIR/src-base, DIR/src-head) against one
# cargo target directory (DIR/target): the dependencies compile once, each revision's own crates
# compile apart (cargo keys them by their path), and each binary is copied out as soon as it is
# built, so neither build can replace the other's.
set -euo pipefail

usage() {
  echo "ci-regress.sh: $*" >&2
  echo "usage: scripts/ci-regress.sh [options] BASE_REV [HEAD_REV]" >&2
  echo "       scripts/ci-regress.sh [options] --baseline RESULTS [HEAD_REV]" >&2
  exit 2
}

tier=wall suite=ci rounds=6 repeat="" duration=20ms warmup=10ms threshold="" alpha=0.05
profile=""
out="" baseline="" plant="" revs=() impls=()
while (( $# > 0 )); do
  case "$1" in
    --tier|--suite|--rounds|--repeat|--duration|--warmup|--threshold|--alpha|--out|--baseline|--plant|--profile)
      (( $# >= 2 )) || usage "$1 needs a value"
      declare "${1#--}=$2"
      shift 2
      ;;
    --impl) (( $# >= 2 )) || usage "--impl needs a value"; impls+=(--impl "$2"); shift 2 ;;
    -h|--help) sed -n '2,/^# anything else/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage "unknown option $1" ;;
    *) revs+=("$1"); shift ;;
  esac
done
case "$tier" in
  wall) repeat=${repeat:-6} threshold=${threshold:-5%} profile=${profile:-quick} ;;
  instructions) repeat=${repeat:-3} threshold=${threshold:-1%} profile=${profile:-release} ;;
  *) usage "--tier must be wall or instructions, not $tier" ;;
esac
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || usage "--rounds must be a whole number from 1"
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || usage "--repeat must be a whole number from 1"
[[ -z "$plant" || "$plant" =~ ^[0-9]+$ ]] || usage "--plant must be a whole number of spins"

root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
out=${out:-$root/target/ab}
mkdir -p "$out"
out=$(cd "$out" && pwd)

rev() { git -C "$root" rev-parse --verify --quiet "$1^{commit}" || usage "$1 is not a revision"; }
if [[ -n "$plant" ]]; then
  [[ -z "$baseline" ]] || usage "--plant and --baseline do not combine"
  (( ${#revs[@]} <= 1 )) || usage "with --plant, give at most one revision (both sides build from it)"
  head=$(rev "${revs[0]:-HEAD}")
  base=$head
elif [[ -n "$baseline" ]]; then
  (( ${#revs[@]} <= 1 )) || usage "with --baseline, give at most HEAD_REV"
  [[ -e "$baseline" ]] || usage "--baseline $baseline does not exist"
  baseline=$(cd "$(dirname "$baseline")" && pwd)/$(basename "$baseline")
  head=$(rev "${revs[0]:-HEAD}")
else
  (( ${#revs[@]} >= 1 && ${#revs[@]} <= 2 )) || usage "give BASE_REV and optionally HEAD_REV"
  base=$(rev "${revs[0]}")
  head=$(rev "${revs[1]:-HEAD}")
fi

# Builds revision $2 in worktree DIR/src-$1 and copies its binary to DIR/bin/statebench-$1.
build() {
  local side=$1 commit=$2 tree="$out/src-$1"
  echo "== building $side ${commit:0:12}"
  if [[ -d "$tree" ]]; then
    git -C "$tree" checkout --quiet --detach "$commit"
  else
    git -C "$root" worktree add --quiet --detach "$tree" "$commit"
  fi
  local start=$SECONDS
  CARGO_TARGET_DIR="$out/target" cargo build --profile "$profile" --quiet --locked \
    --manifest-path "$tree/Cargo.toml" --bin statebench ${plant:+--features calibrate}
  mkdir -p "$out/bin"
  cp "$out/target/$profile/statebench" "$out/bin/statebench-$side"
  echo "   built in $(( SECONDS - start )) s"
}

build head "$head"
if [[ -z "$baseline" ]]; then
  if [[ -n "$plant" ]]; then
    echo "== calibration: one build; NEW runs with STATEBENCH_PLANT_SPINS=$plant, BASE without"
    cp "$out/bin/statebench-head" "$out/bin/statebench-base"
  elif [[ "$base" == "$head" ]]; then
    echo "== BASE is HEAD (${head:0:12}): an A/A comparison of one build"
    cp "$out/bin/statebench-head" "$out/bin/statebench-base"
  else
    build base "$base"
  fi
fi

rm -rf "$out/runs"
mkdir -p "$out/runs/base" "$out/runs/head"
if [[ -n "$baseline" ]]; then
  # The first run of the baseline stands for how it measured (compare pools only runs that
  # measured alike).
  like=$baseline
  if [[ -d "$baseline" && ! -f "$baseline/results.json" ]]; then
    like=$(find "$baseline" -maxdepth 1 -name '*.json' | sort | head -n 1)
    [[ -n "$like" ]] || usage "--baseline $baseline holds no results"
  fi
  args=(run --suite "$suite" "${impls[@]}" --like "$like")
else
  args=(run --suite "$suite" "${impls[@]}" --repeat "$repeat" --duration "$duration"
        --warmup "$warmup" --sample-every 1024)
fi
# Whether a side's binary waits for every client before a window closes (statebench from
# b8ff828 on: `--wait-for-clients`, 1 s by default). When one side does and the other cannot,
# the one that can closes its windows on time too, so that both measure alike (compare
# refuses sides whose windows waited differently).
# (The help is read whole before it is searched: `grep -q` leaving a pipe early would kill the
# writer, and pipefail would then answer no.)
waits() { [[ "$("$out/bin/statebench-$1" run --help 2>/dev/null)" == *--wait-for-clients* ]]; }
declare -A side_args=([base]="" [head]="")
if [[ -z "$baseline" && "$tier" == wall ]]; then
  if waits base && ! waits head; then side_args[base]="--wait-for-clients 0s"; fi
  if waits head && ! waits base; then side_args[head]="--wait-for-clients 0s"; fi
  for side in base head; do
    [[ -z "${side_args[$side]}" ]] \
      || echo "== $side closes its windows on time: the other side's binary cannot wait for every client"
  done
fi
measure() {
  local side=$1 k=$2
  echo "== run $k: $side"
  local extra=()
  [[ -n "${side_args[$side]:-}" ]] && read -r -a extra <<< "${side_args[$side]}"
  local env=()
  [[ -n "$plant" && "$side" == head ]] && env=(STATEBENCH_PLANT_SPINS="$plant")
  # From its own worktree, so that the commit each run records is the one it was built from.
  local tree="$out/src-$side"
  [[ -d "$tree" && -z "$plant" ]] || tree="$out/src-head"
  (cd "$tree" && env "${env[@]}" "$out/bin/statebench-$side" "${args[@]}" "${extra[@]}" \
    -o "$out/runs/$side/run-$k.json") > "$out/runs/$side/run-$k.log" 2>&1 \
    || { cat "$out/runs/$side/run-$k.log" >&2; exit 3; }
}
start=$SECONDS
if [[ "$tier" == instructions ]]; then
  # Counts do not depend on the load, so the sides need no interleaving: one count each.
  args=(instructions "${impls[@]}" --repeat "$repeat")
  rounds=1
fi
for ((k = 1; k <= rounds; k++)); do
  if [[ -n "$baseline" ]]; then
    measure head "$k"
  elif (( k % 2 == 1 )); then
    measure base "$k"; measure head "$k"
  else
    measure head "$k"; measure base "$k"
  fi
done
echo "   measured in $(( SECONDS - start )) s"

base_side=${baseline:-$out/runs/base}
cmp=("$out/bin/statebench-head" compare "$base_side" "$out/runs/head"
     --threshold "$threshold" --alpha "$alpha")
status=0
"${cmp[@]}" --format markdown > "$out/compare.md" || status=$?
(( status <= 1 )) || exit "$status"
"${cmp[@]}" --format json > "$out/compare.json" || true
"${cmp[@]}" --format table || true
echo "verdicts: $out/compare.md, $out/compare.json"
exit "$status"
