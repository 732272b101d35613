#!/usr/bin/env bash
# Prints the path of a Chromium for scripts/browser-check.sh, installing Debian's package if
# need be.
#
#   scripts/install-chromium.sh      # the browser to use, on stdout (progress on stderr)
#
# Uses `chromium` (or `chromium-browser`, `google-chrome`) from PATH when there is one.
# Otherwise, as root on a machine with apt-get, installs Debian's `chromium` package without
# its recommends. Exit status 1, with the reason on stderr, when
# neither works.
set -euo pipefail
for name in chromium chromium-browser google-chrome; do
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no chromium on PATH and no apt-get to install Debian's package with" >&2
  exit 1
fi
if [[ "$(id -u)" != "0" ]]; then
  echo "install-chromium: no chromium on PATH, and installing Debian's package needs root" >&2
  exit 1
fi
echo "install-chromium: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for a dpkg lock held by another installer (unattended upgrades on a fresh VM).
install() { apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends chromium >&2; }
if ! install; then
  apt-get -o DPkg::Lock::Timeout=300 update -q >&2 || true
  if ! install; then
    echo "install-chromium: apt-get could not install chromium" >&2
    exit 1
  fi
fi
browser="$(command -v chromium || true)"
if [[ -z "$browser" ]]; then
  echo "install-chromium: the package installed, but no chromium is on PATH" >&2
  exit 1
fi
echo "$browser"
