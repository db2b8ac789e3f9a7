#!/bin/sh
# PostgreSQL entrypoint that FailoverCluster copies into every container it starts, whatever the
# image (the official one, or one built from local binaries). Honours the official image's variables (POSTGRES_PASSWORD, POSTGRES_USER,
# POSTGRES_DB, POSTGRES_HOST_AUTH_METHOD, POSTGRES_INITDB_ARGS, PGDATA, /docker-entrypoint-initdb.d)
# and adds a replica role: POSTGRES_REPLICA_OF=host:port clones that primary with pg_basebackup
# and starts as its streaming standby.
set -eu
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

# Arguments that start with "-" are flags for postgres, as in the official image.
if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="${POSTGRES_USER:-postgres}"
  if [ -n "${POSTGRES_REPLICA_OF:-}" ]; then
    host="${POSTGRES_REPLICA_OF%:*}"
    port="${POSTGRES_REPLICA_OF##*:}"
    export PGPASSWORD="${POSTGRES_PASSWORD:-}"
    echo "replica: cloning $host:$port"
    until pg_basebackup -h "$host" -p "$port" -U "$user" -D "$PGDATA" -R -X stream -c fast; do
      echo "replica: primary $host:$port not ready, retrying"
      rm -rf "${PGDATA:?}"/*
      sleep 1
    done
    unset PGPASSWORD
  else
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
      echo "error: set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust to allow connections without one" >&2
      exit 1
    fi
    pwfile="/tmp/pgpass.$$"
    printf '%s\n' "${POSTGRES_PASSWORD:-postgres}" > "$pwfile"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of flags, as in the official image
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host="$auth" ${POSTGRES_INITDB_ARGS:-}
    rm -f "$pwfile"
    printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
    printf 'host all all all %s\nhost replication all all %s\n' "$auth" "$auth" >> "$PGDATA/pg_hba.conf"
    db="${POSTGRES_DB:-$user}"
    if [ "$db" != postgres ] || [ -n "$(ls -A /docker-entrypoint-initdb.d 2>/dev/null || true)" ]; then
      pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /var/run/postgresql" -w start
      if [ "$db" != postgres ]; then
        psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$user" -d postgres -c "CREATE DATABASE \"$db\""
      fi
      for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
          *.sql) psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$user" -d "$db" -f "$f" ;;
          *.sh) . "$f" ;;
        esac
      done
      pg_ctl -D "$PGDATA" -m fast -w stop
    fi
  fi
fi

exec "$@"
