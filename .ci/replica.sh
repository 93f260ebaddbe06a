#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL (127.0.0.1:5432) on 127.0.0.1:${REPLICA_PORT:-5433}, for the tests
# that read through READ_DATABASE_URL (issue 15).
#   bash .ci/replica.sh start   makes it (Debian's pg_createcluster + pg_basebackup -R) and starts it
#   bash .ci/replica.sh stop    stops it and drops the cluster it made
# The primary must accept replication connections from loopback: a `host replication all 127.0.0.1/32 trust` line
# is added to its pg_hba.conf when missing (the machine's PostgreSQL already trusts loopback for every database).
set -euo pipefail
port="${REPLICA_PORT:-5433}"
name="${REPLICA_CLUSTER:-responsiva_replica}"
version="$(ls /etc/postgresql | sort -n | tail -1)"

start() {
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    echo "host replication all 127.0.0.1/32 trust" >>"$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
  if pg_isready -h 127.0.0.1 -p "$port" -q; then
    if [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -Atc 'SELECT pg_is_in_recovery()')" = t ]; then
      echo "replica already running on 127.0.0.1:$port"
      return 0
    fi
    echo "127.0.0.1:$port answers but is not a standby" >&2
    return 1
  fi
  if pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version $name"; then
    pg_dropcluster --stop "$version" "$name" 2>/dev/null || true
  fi
  pg_createcluster "$version" "$name" -p "$port" >/dev/null
  local data="/var/lib/postgresql/$version/$name"
  # Emptied but kept (its parent may belong to root), owned by postgres with the server's mode.
  find "$data" -mindepth 1 -delete
  chown postgres:postgres "$data"
  chmod 700 "$data"
  runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p 5432 -U postgres -D "$data" -R -X stream -c fast
  # The same client rules as the primary (loopback trusted), not pg_createcluster's defaults.
  cp "$hba" "/etc/postgresql/$version/$name/pg_hba.conf"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p "$port" -q && break; sleep 1; done
  echo "replica streaming from 127.0.0.1:5432 on 127.0.0.1:$port"
}

stop() {
  if pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version $name"; then
    pg_dropcluster --stop "$version" "$name"
    echo "replica on 127.0.0.1:$port stopped and dropped"
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
  echo "usage: bash .ci/replica.sh start|stop" >&2
  exit 64
  ;;
esac
