#!/usr/bin/env bash
# Prints the path of a redis-server for the Redis rows, installing Debian's package if need be.
#
#   scripts/install-redis.sh         # the `redis-server` to use, on stdout (progress on stderr)
#
# Uses `redis-server` from PATH when it is version 7 or newer. Otherwise, as root on a machine
# with apt-get, installs Debian's `redis-server` package (7.0 on Debian 12) without its
# recommends; Debian's package also starts a system-wide server on port 6379, which statebench
# does not use (it starts its own on loopback ports it picks) and which this script stops.
# Exit status 1, with the reason on stderr, when neither works.
set -euo pipefail
minimum="7"
version_of() { { "$1" --version 2>/dev/null || true; } | sed -n 's/.* v=\([0-9.]*\).*/\1/p'; }
if command -v redis-server >/dev/null 2>&1; then
  have="$(version_of "$(command -v redis-server)")"
  if [[ -n "$have" && "${have%%.*}" -ge "$minimum" ]]; then
    command -v redis-server
    exit 0
  fi
  echo "install-redis: the redis-server on PATH is ${have:-of unknown version}, older than $minimum" >&2
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-redis: no redis-server $minimum+ on PATH and no apt-get to install Debian's package with" >&2
  exit 1
fi
if [[ "$(id -u)" != "0" ]]; then
  echo "install-redis: no redis-server $minimum+ on PATH, and installing Debian's package needs root" >&2
  exit 1
fi
echo "install-redis: installing Debian's redis-server package" >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for a dpkg lock held by another installer (unattended upgrades on a fresh VM).
install() { apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends redis-server >&2; }
if ! install; then
  apt-get -o DPkg::Lock::Timeout=300 update -q >&2 || true
  if ! install; then
    echo "install-redis: apt-get could not install redis-server" >&2
    exit 1
  fi
fi
# The package's own service is not ours: stop it where a service manager runs it.
if command -v service >/dev/null 2>&1; then
  service redis-server stop >/dev/null 2>&1 || true
fi
server="$(command -v redis-server || true)"
if [[ -z "$server" ]]; then
  echo "install-redis: the package installed, but no redis-server is on PATH" >&2
  exit 1
fi
echo "$server"
