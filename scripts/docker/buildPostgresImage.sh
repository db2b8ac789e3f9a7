#!/usr/bin/env bash
# Builds the local PostgreSQL image (FROM scratch + rootfs.tar) from this machine's PostgreSQL
# binaries, their shared libraries and a few shell tools. Rebuilds only when its inputs change.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE="${POSTGRES_IMAGE:-masterdata-postgres:15-local}"
PG_HOME="${PG_HOME:-/usr/lib/postgresql/15}"
PG_SHARE="${PG_SHARE:-/usr/share/postgresql/15}"
TOOLS=(sh dash mkdir chown chmod cat rm ls sleep id env setpriv mv cp tr head)

hash=$( { cat docker/postgres/Dockerfile packages/failover-testkit/assets/postgres-entrypoint.sh "$0"; "$PG_HOME/bin/postgres" --version; } | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{ index .Config.Labels "masterdata.source-hash" }}' "$IMAGE" 2>/dev/null || true)" = "$hash" ]; then
  echo "image $IMAGE is up to date ($hash)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{bin,usr/bin,usr/local/bin,etc/ssl/certs,etc/ssl/private,tmp,var/run/postgresql,var/lib/postgresql,docker-entrypoint-initdb.d,usr/lib/locale}
chmod 1777 "$root/tmp"

for d in "$PG_HOME" "$PG_SHARE" /usr/share/zoneinfo; do
  mkdir -p "$root$(dirname "$d")"
  cp -a "$d" "$root$(dirname "$d")/"
done
# No JIT: llvmjit drags in libLLVM (over 100 MB) for a feature a test server does not need.
rm -f "$root$PG_HOME"/lib/llvmjit*
rm -rf "$root$PG_HOME"/lib/bitcode
[ -d /usr/lib/locale/C.utf8 ] && cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"

elves=("$PG_HOME"/bin/* "$root$PG_HOME"/lib/*.so)
for tool in "${TOOLS[@]}"; do
  path=$(command -v "$tool")
  cp -L "$path" "$root/usr/bin/$tool"
  elves+=("$path")
done
ln -sf /usr/bin/dash "$root/bin/sh"

# Every shared library the binaries need, and the dynamic loader.
for lib in $(for f in "${elves[@]}"; do ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\s*\/lib/{print $1}'; done | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
mkdir -p "$root/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh
PASSWD
printf 'root:x:0:\npostgres:x:999:\n' > "$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"

# The same snakeoil paths as the official image, so the harness enables SSL the same way on both.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=postgres' \
  -keyout "$root/etc/ssl/private/ssl-cert-snakeoil.key" -out "$root/etc/ssl/certs/ssl-cert-snakeoil.pem" 2>/dev/null
chmod 600 "$root/etc/ssl/private/ssl-cert-snakeoil.key"
chown 999:999 "$root/etc/ssl/private/ssl-cert-snakeoil.key" "$root/var/run/postgresql" "$root/var/lib/postgresql"

cp packages/failover-testkit/assets/postgres-entrypoint.sh "$root/usr/local/bin/docker-entrypoint.sh"
tar --numeric-owner -C "$root" -cf "$work/rootfs.tar" .
cp docker/postgres/Dockerfile "$work/Dockerfile"
docker build -q --label "masterdata.source-hash=$hash" -t "$IMAGE" "$work" >/dev/null
echo "built $IMAGE ($hash, $(du -h "$work/rootfs.tar" | cut -f1) rootfs)"
