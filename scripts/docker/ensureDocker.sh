#!/usr/bin/env bash
# Makes a Docker engine available for the failover suite: installs docker.io from Debian if
# needed, starts dockerd if none answers, and builds the local PostgreSQL image when no
# registry can provide the official one. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then echo "dockerd is missing and this is not root: install docker.io yourself" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  mkdir -p /var/log
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info --format 'docker {{.ServerVersion}} ({{.Driver}})'

# The official image where a registry answers; otherwise one built from this machine's PostgreSQL.
# The choice goes to .failover-image, which the failover harness reads (POSTGRES_IMAGE overrides it).
official="${POSTGRES_OFFICIAL_IMAGE:-postgres:15}"
if [ -n "${POSTGRES_IMAGE:-}" ]; then
  echo "$POSTGRES_IMAGE" > .failover-image
elif timeout 300 docker pull -q "$official" >/dev/null 2>&1; then
  echo "using the official image $official"
  echo "$official" > .failover-image
else
  echo "no registry for $official: building the local image"
  bash scripts/docker/buildPostgresImage.sh
  echo "masterdata-postgres:15-local" > .failover-image
fi
