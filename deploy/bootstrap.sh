#!/usr/bin/env bash
# Makes sure this machine has what the platform needs: Python 3.11+, uv, a JDK and Maven
# (for the local Kafka broker), and the project's virtual environment. Sourced by
# deploy/run.sh and deploy/test.sh; installs what is missing and fails loudly otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

apt_install() {
  command -v apt-get >/dev/null || die "missing $*, and no apt-get to install it with"
  [ "$(id -u)" = 0 ] || die "missing $*: install it, or run as root so apt-get can"
  say "installing $* with apt-get"
  if [ -z "${_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

command -v python3 >/dev/null || apt_install python3 python3-pip
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || die "Python 3.11 or newer is required (found $(python3 --version))"
command -v java >/dev/null || apt_install openjdk-17-jre-headless
command -v mvn >/dev/null || apt_install maven
command -v faketime >/dev/null || apt_install faketime  # deploy/test.sh runs the fast tests on a later day

if ! command -v uv >/dev/null; then
  say "installing uv"
  python3 -m pip install --quiet uv || python3 -m pip install --quiet --break-system-packages uv \
    || die "could not install uv with pip"
fi
command -v uv >/dev/null || export PATH="$HOME/.local/bin:$PATH"
command -v uv >/dev/null || die "uv installed but not on PATH"

cd "$ROOT"
say "syncing the Python environment (uv sync --frozen)"
uv sync --frozen --quiet || die "uv sync failed"
