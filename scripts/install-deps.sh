#!/usr/bin/env bash
# Installs what `make run` and `make test` need and is missing: Debian packages for libzmq and
# SQLite, and for tests headless Chromium with chromedriver and the Python test tools (pyzmq,
# aiosmtpd, PyYAML, Selenium, axe-core, oidc-provider-mock) used as independent peers.
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

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing missing system packages: ${missing[*]}"
  local SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

pip_install() {
  python3 -m pip install -q "$@" 2>/dev/null || python3 -m pip install -q --break-system-packages "$@"
}

if [ "${1:-}" = "--with-test-tools" ]; then
  # The browser tests: Debian's Chromium, driven headless through chromedriver.
  install_packages chromium chromium-driver
  if ! python3 -c "import zmq, aiosmtpd, yaml, selenium, axe_selenium_python, oidc_provider_mock" 2>/dev/null; then
    echo "Installing Python test tools: pyzmq aiosmtpd PyYAML selenium axe-selenium-python oidc-provider-mock"
    pip_install pyzmq aiosmtpd PyYAML "selenium>=4" axe-selenium-python oidc-provider-mock
  fi
  # The contract check (Tests/Contract): schemathesis, pinned so that a seeded run is repeatable.
  if ! command -v st >/dev/null 2>&1 || ! st --version 2>/dev/null | grep -q "4.32.5"; then
    echo "Installing schemathesis 4.32.5 (the contract check)"
    pip_install "schemathesis==4.32.5"
  fi
  # axe-core 4 (WCAG 2.1 and 2.2 rules): only the axe.min.js of this package is used, so its
  # Playwright dependency is not installed.
  if ! python3 -c "import importlib.util; assert importlib.util.find_spec('axe_playwright_python')" 2>/dev/null; then
    echo "Installing axe-core 4 (axe-playwright-python, without Playwright)"
    pip_install --no-deps axe-playwright-python
  fi
fi
