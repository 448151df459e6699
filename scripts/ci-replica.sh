#!/usr/bin/env bash
# A throw-away streaming replica of the local PostgreSQL, for the read-replica tests and for trying
# DATABASE_READ_URLS by hand. The replica is a second cluster made with `pg_basebackup -R` from the
# primary, run by the `postgres` OS user on its own port from its own data directory.
#
#   scripts/ci-replica.sh allow-replication          # primary: let 127.0.0.1 connect for replication (idempotent; run by .ci/run)
#   scripts/ci-replica.sh check                      # exit 0 when a replica can be made here, else say why on stderr
#   scripts/ci-replica.sh start <data-dir> <port>    # base backup + start; waits until it streams
#   scripts/ci-replica.sh stop <data-dir>            # stop it (immediate) and remove its data directory
#   scripts/ci-replica.sh ctl <data-dir> <args...>   # pg_ctl -D <data-dir> <args...> as postgres (tests stop and restart it)
#
# Environment: PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432), PG_BIN (/usr/lib/postgresql/<newest>/bin).
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
if [[ -z ${PG_BIN:-} ]]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi

say() { printf '[replica] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# Runs a command as the postgres OS user (the server refuses to run as root).
as_postgres() {
  if [[ $(id -un) == postgres ]]; then
    "$@"
  elif [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    die "must run as root or postgres to start a PostgreSQL server (running as $(id -un))"
  fi
}

psql_primary() { psql -X -v ON_ERROR_STOP=1 -U postgres -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -d postgres "$@"; }

check() {
  [[ -n $PG_BIN && -x $PG_BIN/pg_basebackup && -x $PG_BIN/pg_ctl ]] || { say "no PostgreSQL server binaries (pg_basebackup, pg_ctl) under /usr/lib/postgresql/*/bin"; return 1; }
  [[ $(id -u) == 0 || $(id -un) == postgres ]] || { say "must run as root or postgres (running as $(id -un))"; return 1; }
  id postgres >/dev/null 2>&1 || { say "no postgres OS user"; return 1; }
  psql_primary -tAc 'select 1' >/dev/null 2>&1 || { say "primary $PRIMARY_HOST:$PRIMARY_PORT does not answer"; return 1; }
  local level
  level=$(psql_primary -tAc 'show wal_level')
  [[ $level == replica || $level == logical ]] || { say "primary's wal_level is $level (needs replica)"; return 1; }
  # A replication connection that the primary's pg_hba.conf refuses fails here, with its reason.
  local out
  if ! out=$(psql -X "host=$PRIMARY_HOST port=$PRIMARY_PORT user=postgres replication=true dbname=postgres" -tAc 'IDENTIFY_SYSTEM' 2>&1); then
    say "the primary refuses replication connections from $PRIMARY_HOST: $out"
    say "run: scripts/ci-replica.sh allow-replication"
    return 1
  fi
}

# Adds `host replication all 127.0.0.1/32 trust` to the primary's pg_hba.conf when no replication
# line for 127.0.0.1 is there yet, and reloads. Loopback only, as the primary already trusts
# loopback for every database.
allow_replication() {
  local hba
  hba=$(psql_primary -tAc 'show hba_file')
  [[ -f $hba ]] || die "pg_hba.conf at $hba is not on this machine"
  if grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    say "replication from 127.0.0.1 already allowed in $hba"
  else
    say "allowing replication from 127.0.0.1 in $hba"
    printf '\n# fjord CI: the read-replica tests stream a local replica (scripts/ci-replica.sh)\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
    psql_primary -qtAc 'select pg_reload_conf()' >/dev/null
  fi
}

start() {
  local dir=$1 port=$2
  check || die "cannot make a replica here"
  [[ ! -e $dir ]] || die "$dir already exists"
  mkdir -p "$dir"
  chown postgres: "$dir" 2>/dev/null || true
  chmod 700 "$dir"
  say "base backup of $PRIMARY_HOST:$PRIMARY_PORT into $dir"
  # -X stream: the WAL of the copy travels with it; -R: standby.signal + primary_conninfo.
  as_postgres "$PG_BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$dir" -R -X stream -c fast --no-sync
  # Debian keeps postgresql.conf and pg_hba.conf outside the data directory, so the copy has none
  # of its own: it gets a small configuration here, with its own port and socket directory, and the
  # settings a hot standby needs at least as high as the primary's.
  local name value
  {
    printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" "$port" "$dir"
    printf "hot_standby = on\nfsync = off\nshared_buffers = 32MB\nlogging_collector = off\n"
    # A recovery conflict cancels the read after 1 s instead of holding replay (fjord then reads from the primary).
    printf "max_standby_streaming_delay = 1s\n"
    for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
      value=$(psql_primary -tAc "show $name")
      printf "%s = %s\n" "$name" "$value"
    done
  } >"$dir/postgresql.conf"
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$dir/pg_hba.conf"
  : >"$dir/pg_ident.conf"
  chown postgres: "$dir/postgresql.conf" "$dir/pg_hba.conf" "$dir/pg_ident.conf" 2>/dev/null || true
  as_postgres "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { tail -n 30 "$dir/server.log" >&2 || true; die "the replica did not start"; }
  local waited=0
  until [[ $(psql -X -U postgres -h 127.0.0.1 -p "$port" -d postgres -tAc "select status from pg_stat_wal_receiver" 2>/dev/null) == streaming ]]; do
    ((waited >= 60)) && { tail -n 30 "$dir/server.log" >&2 || true; die "the replica did not start streaming within 60s"; }
    sleep 0.5
    waited=$((waited + 1))
  done
  say "streaming replica on 127.0.0.1:$port"
}

stop() {
  local dir=$1
  [[ -n $dir && $dir != / ]] || die "refusing to remove '$dir'"
  if [[ -f $dir/postmaster.pid ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$dir" -m immediate -w -t 30 stop >/dev/null 2>&1 || say "pg_ctl stop exited $? (already stopped?)"
  fi
  rm -rf "$dir"
}

case ${1:-} in
  allow-replication) allow_replication ;;
  check) check ;;
  start) [[ $# -eq 3 ]] || die "usage: $0 start <data-dir> <port>"; start "$2" "$3" ;;
  ctl) [[ $# -ge 3 ]] || die "usage: $0 ctl <data-dir> <pg_ctl args...>"; dir=$2; shift 2; as_postgres "$PG_BIN/pg_ctl" -D "$dir" "$@" ;;
  stop) [[ $# -eq 2 ]] || die "usage: $0 stop <data-dir>"; stop "$2" ;;
  *) die "usage: $0 allow-replication | check | start <data-dir> <port> | stop <data-dir>" ;;
esac
