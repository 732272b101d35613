#!/usr/bin/env bash
# Recomputes the reference values that statebench's statistics are tested against
# (crates/statebench-harness/tests/reference-values.json) with SciPy, pinned, installed from
# Python's package index into .tools/reference-stats (a virtual environment of its own).
# The tests read the committed file; run this only to add or change a reference value.
#
# Usage: scripts/reference-stats.sh [--check]
#   --check   recompute into a temporary file and fail if it differs from the committed one
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/crates/statebench-harness/tests/reference-values.json"
scipy_version="1.17.1"
numpy_version="2.3.5"

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "reference-stats.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

venv="$root/.tools/reference-stats"
if ! "$venv/bin/python" -c "import scipy; assert scipy.__version__ == '$scipy_version'" 2>/dev/null; then
  echo "reference-stats: installing SciPy $scipy_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "scipy==$scipy_version" "numpy==$numpy_version"
fi

if [[ $check -eq 1 ]]; then
  tmp="$(mktemp)"
  trap 'rm -f "$tmp"' EXIT
  "$venv/bin/python" "$root/scripts/reference_stats.py" "$tmp"
  diff -u "$out" "$tmp" && echo "reference-stats: $out is what SciPy computes"
else
  "$venv/bin/python" "$root/scripts/reference_stats.py" "$out"
  echo "reference-stats: wrote $out"
fi
