#!/usr/bin/env bash
# The project's own PostgreSQL 15 cluster, on 127.0.0.1:$PG_PORT, data in .local/pg.
# Usage: scripts/pg.sh start|stop|status|createdb NAME|dropdb NAME|datastore NAME MAIN_DB
source "$(dirname "$0")/lib.sh"
PGBIN=/usr/lib/postgresql/15/bin
DATA="$GOVOPEN_LOCAL/pg/data"
LOG="$GOVOPEN_LOCAL/pg/postgres.log"
SOCK="$GOVOPEN_LOCAL/pg/run"
# PostgreSQL refuses to run as root: run the server as the Debian 'postgres' user.
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_admin() { as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qAtX "$@"; }
answering() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

ensure_role() {
  if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'")" ]]; then
    psql_admin -c "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
  fi
}

case "${1:-}" in
  start)
    if answering; then
      step "PostgreSQL already answering on 127.0.0.1:$PG_PORT, reusing it"
    else
      [[ -x $PGBIN/initdb ]] || die "PostgreSQL 15 is not installed: run scripts/deps.sh"
      mkdir -p "$GOVOPEN_LOCAL/pg" "$SOCK"
      if [[ ! -f "$DATA/PG_VERSION" ]]; then
        step "Creating PostgreSQL cluster in $DATA"
        mkdir -p "$DATA"
        [[ $(id -u) == 0 ]] && chown -R postgres:postgres "$GOVOPEN_LOCAL/pg"
        as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 -A trust >/dev/null
      fi
      [[ $(id -u) == 0 ]] && chown -R postgres:postgres "$GOVOPEN_LOCAL/pg"
      step "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
      as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $SOCK -c fsync=off -c full_page_writes=off" start >/dev/null \
        || { tail -20 "$LOG" >&2; die "PostgreSQL did not start"; }
    fi
    ensure_role
    ;;
  stop)
    if [[ -f "$DATA/postmaster.pid" ]]; then
      step "Stopping PostgreSQL"
      as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
    fi
    ;;
  status) answering && echo "PostgreSQL answering on 127.0.0.1:$PG_PORT" || { echo "PostgreSQL not running"; exit 1; } ;;
  createdb)
    name="${2:?database name}"
    if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname='$name'")" ]]; then
      note "creating database $name"
      psql_admin -c "CREATE DATABASE \"$name\" OWNER $PG_USER ENCODING 'UTF8' TEMPLATE template0"
    fi
    ;;
  datastore)
    # The DataStore's own database NAME beside the portal's MAIN_DB: written by $PG_USER, read by
    # $PG_RO_USER, who may connect to nothing else and write nothing (CKAN's set_permissions.sql).
    name="${2:?datastore database name}"; main="${3:?main database name}"
    bash "$0" createdb "$name"
    if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='$PG_RO_USER'")" ]]; then
      psql_admin -c "CREATE ROLE $PG_RO_USER LOGIN PASSWORD '$PG_RO_PASSWORD'"
    fi
    # Every database grants CONNECT to PUBLIC: the read-only user is kept out of the others by
    # the script's REVOKE on the main database only, so take it from PUBLIC there too.
    psql_admin -c "REVOKE CONNECT ON DATABASE \"$main\" FROM PUBLIC; GRANT CONNECT ON DATABASE \"$main\" TO $PG_USER"
    "$GOVOPEN_VENV/bin/python" "$GOVOPEN_ROOT/scripts/datastore_permissions.py" "$main" "$name" "$PG_USER" "$PG_RO_USER" \
      | PGOPTIONS="-c client_min_messages=warning" as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$name" -qAtX -v ON_ERROR_STOP=1 >/dev/null
    ;;
  dropdb)
    name="${2:?database name}"
    psql_admin -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)"
    ;;
  *) die "usage: $0 start|stop|status|createdb NAME|dropdb NAME|datastore NAME MAIN_DB" ;;
esac
