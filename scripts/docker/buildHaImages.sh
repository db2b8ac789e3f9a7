#!/usr/bin/env bash
# Builds, without any registry, the images docker-compose.yml runs:
#   masterdata-ha-base:bookworm  Debian bookworm (debootstrap from the apt mirror) with
#                                postgresql-15, patroni and etcd-server: etcd and the Patroni nodes
#   masterdata-service:local     that base + Node 24 (the `node` devDependency) + the service
# Each is rebuilt only when its inputs change. Needs root (debootstrap) and a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE=masterdata-ha-base:bookworm
SERVICE=masterdata-service:local
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES=postgresql-15,patroni,etcd-server,etcd-client,ca-certificates

label() { docker image inspect -f '{{ index .Config.Labels "masterdata.source-hash" }}' "$1" 2>/dev/null || true; }

base_hash=$(printf '%s %s' "$PACKAGES" "$(sha256sum "$0" | cut -c1-16)" | sha256sum | cut -c1-16)
if [ "$(label "$BASE")" != "$base_hash" ]; then
  command -v debootstrap >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq debootstrap >/dev/null; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$work/root" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/root/var/cache/apt/archives"/*.deb "$work/root/var/lib/apt/lists"/*
  # Debian's package made a cluster of its own; Patroni initialises its own data directory.
  rm -rf "$work/root/var/lib/postgresql/15" "$work/root/etc/postgresql/15"
  tar --numeric-owner -C "$work/root" -c . | docker import \
    -c "LABEL masterdata.source-hash=$base_hash" -c 'ENV LANG=C.UTF-8' -c 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
  rm -rf "$work"
  trap - EXIT
  echo "built $BASE ($base_hash)"
else
  echo "image $BASE is up to date ($base_hash)"
fi

# The service: production dependencies only (pruned from a copy of node_modules, no download).
service_hash=$( { echo "$base_hash"; cat package-lock.json docker/service/Dockerfile; git ls-files -s src proto prisma packages; git diff HEAD -- src proto prisma packages; } | sha256sum | cut -c1-16)
if [ "$(label "$SERVICE")" != "$service_hash" ]; then
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/app"
  cp -L node_modules/.bin/node "$ctx/node"
  # packages/: the workspaces (built on install) that node_modules/@pos-masterdata/* link to.
  cp -a package.json package-lock.json prisma.config.ts prisma proto src packages "$ctx/app/"
  cp -a node_modules "$ctx/app/node_modules"
  (cd "$ctx/app" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null 2>&1)
  cp docker/service/Dockerfile "$ctx/Dockerfile"
  docker build -q --label "masterdata.source-hash=$service_hash" -t "$SERVICE" "$ctx" >/dev/null
  echo "built $SERVICE ($service_hash)"
else
  echo "image $SERVICE is up to date ($service_hash)"
fi
