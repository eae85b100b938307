#!/usr/bin/env bash
# `make containers`: builds the image from the project's Dockerfile, starts the project's
# compose.yaml with podman, and checks it black box (Tests/Containers/check.py).
#
# Installs what is missing (podman, runc, debootstrap, podman-compose); builds the base image
# locally with debootstrap when there is no registry to pull it from (kept in podman's storage
# between runs); takes the five executables from this machine's build (the Dockerfile's
# EXECUTABLES=host), since compiling inside a container on two cores would take too long for CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH=/opt/swift/usr/bin:$PATH
export CONTAINERS_CONF="$ROOT/deploy/containers.conf"
BASE=localhost/debian:bookworm-slim
started=$(date +%s)

missing=()
for tool in podman runc debootstrap ss openssl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing missing system packages: podman runc debootstrap iproute2 openssl"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap iproute2 openssl >/dev/null
fi
command -v podman-compose >/dev/null || { echo "Installing podman-compose"; pip install -q podman-compose 2>/dev/null || pip install -q --break-system-packages podman-compose; }

if ! podman image exists "$BASE"; then
    echo "Building the base image $BASE with debootstrap (no registry to pull it from)"
    rootfs=$(mktemp -d)
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
    tar -C "$rootfs" -c . | podman import - "$BASE" >/dev/null
    rm -rf "$rootfs"
fi

echo "Staging the executables from this machine's build"
# With --build-tests, as `make test` builds: the same build, so nothing is compiled again.
swift build --build-tests >/dev/null
BIN=$(swift build --build-tests --show-bin-path)
rm -rf .containers && mkdir -p .containers/bin .containers/lib .containers/mail
for service in claims-intake payments audit-sampling notifications web; do cp "$BIN/$service" .containers/bin/; done
cp -R "$BIN"/MentorClaims_*.resources .containers/bin/
# The Swift libraries they link (the image's Debian provides the rest).
ldd .containers/bin/claims-intake .containers/bin/payments .containers/bin/audit-sampling .containers/bin/notifications .containers/bin/web \
    | awk '$3 ~ /^\/opt\/swift/ {print $3}' | sort -u | xargs -r cp -t .containers/lib/

echo "Building mentor-claims:latest from the Dockerfile"
podman build -q --build-arg RUNTIME_IMAGE="$BASE" --build-arg EXECUTABLES=host -t mentor-claims:latest . >/dev/null
podman build -q --build-arg RUNTIME_IMAGE="$BASE" -t mentor-claims-check-tools:latest -f deploy/check-tools/Containerfile Tests/Scripts >/dev/null

# Steps 2 to 4 of the README's "Containers" section, run as written there (step 1, the image, is
# above with this machine's base image and executables). Only the environment differs:
# COMPOSE_FILE adds the override that swaps Mailpit for the local SMTP server, and
# COMPOSE_PROJECT_NAME names the containers the check looks at.
export COMPOSE_FILE=compose.yaml:deploy/compose.check.yaml COMPOSE_PROJECT_NAME=mentorclaims
podman-compose down -v >/dev/null 2>&1 || true
rm -rf secrets
python3 - > .containers/readme-steps.sh <<'STEPS'
import re
text = open("README.md", encoding="utf-8").read()
section = text.split("\n### Containers\n", 1)[1].split("\n## ", 1)[0]
blocks = [re.sub(r"(?m)^   ", "", block) for block in re.findall(r"```sh\n(.*?)\n\s*```", section, re.S)]
if len(blocks) != 4:
    raise SystemExit(f"the README's Containers section has {len(blocks)} shell blocks, not the 4 steps")
for number, block in enumerate(blocks[1:], start=2):
    print(f"echo 'README step {number}:'; sed 's/^/    /' <<'BLOCK'\n{block}\nBLOCK")
    print(block)
STEPS
trap 'podman-compose down -v >/dev/null 2>&1 || true' EXIT
echo "Following the README's container steps 2 to 4 ($(( $(date +%s) - started )) s so far)"
# shellcheck source=/dev/null
source .containers/readme-steps.sh
python3 Tests/Containers/check.py "$BIN"
