#!/usr/bin/env bash
# Installs what `make run` and `make test` need and is missing: Debian packages for libzmq and
# SQLite, and the Python test tools (pyzmq, aiosmtpd, PyYAML) used as independent peers in tests.
set -euo pipefail

packages=(libzmq3-dev libsqlite3-dev pkg-config tzdata python3 python3-pip curl openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing missing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--with-test-tools" ]; then
  if ! python3 -c "import zmq, aiosmtpd, yaml" 2>/dev/null; then
    echo "Installing Python test tools: pyzmq aiosmtpd PyYAML"
    python3 -m pip install -q pyzmq aiosmtpd PyYAML 2>/dev/null \
      || python3 -m pip install -q --break-system-packages pyzmq aiosmtpd PyYAML
  fi
fi
