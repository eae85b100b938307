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
swift build >/dev/null
BIN=$(swift build --show-bin-path)
rm -rf .containers && mkdir -p .containers/bin .containers/lib .containers/mail
for service in claims-intake payments audit-sampling notifications web; do cp "$BIN/$service" .containers/bin/; done
cp -R "$BIN"/MentorClaims_*.resources .containers/bin/
# The Swift libraries they link (the image's Debian provides the rest).
ldd .containers/bin/claims-intake .containers/bin/payments .containers/bin/audit-sampling .containers/bin/notifications .containers/bin/web \
    | awk '$3 ~ /^\/opt\/swift/ {print $3}' | sort -u | xargs -r cp -t .containers/lib/

echo "Building mentor-claims:latest from the Dockerfile"
podman build -q --build-arg RUNTIME_IMAGE="$BASE" --build-arg EXECUTABLES=host -t mentor-claims:latest . >/dev/null
podman build -q --build-arg RUNTIME_IMAGE="$BASE" -t mentor-claims-check-tools:latest -f deploy/check-tools/Containerfile Tests/Scripts >/dev/null

compose=(podman-compose -p mentorclaims -f compose.yaml -f deploy/compose.check.yaml)
"${compose[@]}" down -v >/dev/null 2>&1 || true
rm -rf secrets

# Steps 2 to 4 of the README's "Containers" section, as an operator types them (step 1, the
# image, is above with this machine's base image and executables; the override swaps Mailpit).
mkdir secrets
podman run --rm --user 0 -v "$PWD/secrets:/keys" mentor-claims:latest claims-intake bus-keys --out /keys
chown 10001 secrets/*.key
export AUTH_JWT_SECRET=$(openssl rand -hex 32) PAYER_EMAIL_ADDRESSES=payer@example.invalid
export OIDC_ISSUER=http://127.0.0.1:9/unused OIDC_CLIENT_ID=mentor-claims OIDC_CLIENT_SECRET=unused
echo "Starting compose.yaml ($(( $(date +%s) - started )) s so far)"
"${compose[@]}" up -d >/dev/null
trap '"${compose[@]}" down -v >/dev/null 2>&1 || true' EXIT
python3 Tests/Containers/check.py "$BIN"
