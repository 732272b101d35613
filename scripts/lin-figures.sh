#!/usr/bin/env bash
# Turns the lines the linearizability tests print into the per-pair table of
# docs/RELIABILITY.md: for every (service, implementation), the share of calls that overlapped
# another call on the same key in the drawn scenarios and in the one-key race, per call style,
# and over both tests.
#
# Usage: cargo test --test linearizability -- --nocapture | scripts/lin-figures.sh
#    or: scripts/lin-figures.sh < saved-output.txt
set -euo pipefail
if [[ $# -gt 0 ]]; then
  case "$1" in
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "lin-figures.sh: takes no arguments, reads the test output on stdin (see --help)" >&2; exit 2 ;;
  esac
fi
awk '
  # "linearizable: kv owner_tokio Blocking 128 histories 4303 calls ( 1555 overlapping, 38.6 %) in 0.71 s"
  /^(linearizable|one key raced): / {
    test = ($1 == "linearizable:") ? "drawn" : "race"
    off = (test == "drawn") ? 0 : 2
    line = $0
    sub(/^[^:]*: +/, "", line)
    n = split(line, f, /[ (,]+/)
    service = f[1]; impl = f[2]; style = f[3]; calls = f[6]; overlap = f[8]
    key = service " " impl
    if (!(key in seen)) { seen[key] = 1; order[++pairs] = key }
    c[key, test, style] += calls; o[key, test, style] += overlap
    ct[key] += calls; ot[key] += overlap
    all_c[test] += calls; all_o[test] += overlap
  }
  function pct(over, calls) { return calls ? sprintf("%.1f", 100 * over / calls) : "—" }
  END {
    if (pairs == 0) { print "lin-figures.sh: no linearizability lines in the input" > "/dev/stderr"; exit 1 }
    print "| service | implementation | drawn, blocking | drawn, async | one key, blocking | one key, async | both tests |"
    print "|---|---|---:|---:|---:|---:|---:|"
    worst = 101
    for (i = 1; i <= pairs; i++) {
      k = order[i]; split(k, p, " ")
      both = 100 * ot[k] / ct[k]
      if (both < worst) { worst = both; worst_pair = k }
      printf "| %s | %s | %s %% | %s %% | %s %% | %s %% | %.1f %% |\n", p[1], p[2],
        pct(o[k, "drawn", "Blocking"], c[k, "drawn", "Blocking"]),
        pct(o[k, "drawn", "Async"], c[k, "drawn", "Async"]),
        pct(o[k, "race", "Blocking"], c[k, "race", "Blocking"]),
        pct(o[k, "race", "Async"], c[k, "race", "Async"]), both
    }
    printf "\n%d pairs; drawn scenarios %d calls, %s %% overlapping; one-key race %d calls, %s %% overlapping; lowest pair over both tests: %s (%.1f %%)\n",
      pairs, all_c["drawn"], pct(all_o["drawn"], all_c["drawn"]),
      all_c["race"], pct(all_o["race"], all_c["race"]), worst_pair, worst
  }
'
