#!/usr/bin/env bash
# Local PostgreSQL for development and tests: our OWN cluster (not Debian's system
# cluster, no systemd needed), listening on 127.0.0.1 only.
#
# Usage: deploy/postgres/pg.sh start|stop|status|createdb NAME...|url [NAME...]|psql [ARGS...]
#   start            install Debian's postgresql package if missing, initdb on first use,
#                    start the server (exit 0 if already running), create role `bundling`
#                    (password `bundling`, superuser) and the default databases, print URLs
#   stop             pg_ctl stop -m fast
#   status           exit 0 when the server of this data dir is running
#   createdb NAME... create databases owned by `bundling` if missing (server must be running)
#   url [NAME...]    print the SQLAlchemy asyncpg URLs (default: the default databases)
#   psql [ARGS...]   psql as `bundling` over TCP, e.g. `pg.sh psql -d demand -c 'select 1'`
#
# Environment (all optional):
#   PG_PORT        TCP port on 127.0.0.1                                   (default 54329)
#   PG_DATA_DIR    holds pgdata/, postgres.log, run/ (socket)              (default deploy/postgres/.data)
#                  If the postgres OS user cannot reach it (we run as root, the server
#                  must not), a dir under /var/tmp/bundling-postgres/ is used instead
#                  and its path is printed.
#   PG_DATABASES   databases created by `start`            (default "demand contracts notifications")
#   PG_AUTH        auth method for TCP connections from 127.0.0.1: trust | scram-sha-256 | md5
#                  (default trust; the role has password `bundling` either way)
#   PG_FAST=1      fsync=off, synchronous_commit=off, full_page_writes=off (tests only)
#
# URLs look like postgresql+asyncpg://bundling:bundling@127.0.0.1:54329/demand
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

PG_PORT="${PG_PORT:-54329}"
PG_DATABASES="${PG_DATABASES:-demand contracts notifications}"
PG_AUTH="${PG_AUTH:-trust}"
PG_FAST="${PG_FAST:-0}"
APP_ROLE="bundling"
APP_PASSWORD="bundling"
REQUESTED_DATA_DIR="${PG_DATA_DIR:-$SCRIPT_DIR/.data}"

log() { echo "pg.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "PG_PORT must be a number, got '$PG_PORT'"
case "$PG_AUTH" in trust | scram-sha-256 | md5) ;; *) die "PG_AUTH must be trust, scram-sha-256 or md5" ;; esac

IS_ROOT=0
[[ $(id -u) -eq 0 ]] && IS_ROOT=1

# Run a command as the OS user that owns the cluster (postgres when we are root).
as_pg() {
    if ((IS_ROOT)); then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# --------------------------------------------------------------------------- install
find_bindir() {
    # Newest Debian-packaged server, or the one matching an existing cluster.
    local want="" candidate
    if [[ -n "${CLUSTER_DIR:-}" && -f "$CLUSTER_DIR/PG_VERSION" ]]; then
        want="$(cat "$CLUSTER_DIR/PG_VERSION")"
        if [[ -x "/usr/lib/postgresql/$want/bin/postgres" ]]; then
            echo "/usr/lib/postgresql/$want/bin"
            return 0
        fi
    fi
    candidate="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | sort -V | tail -n1)"
    [[ -n "$candidate" ]] || return 1
    if [[ -n "$want" ]]; then
        die "cluster in $CLUSTER_DIR is PostgreSQL $want but only $(dirname "$candidate") is installed (remove the data dir or install postgresql-$want)"
    fi
    dirname "$candidate"
}

ensure_installed() {
    if BINDIR="$(find_bindir)"; then
        return 0
    fi
    ((IS_ROOT)) || die "PostgreSQL server is not installed and we are not root to apt-get install it"
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL server is not installed and apt-get is not available"
    log "installing Debian package postgresql (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq postgresql >/tmp/pg-sh-apt.log 2>&1; }; then
        tail -n 30 /tmp/pg-sh-apt.log >&2 || true
        die "apt-get install postgresql failed (log: /tmp/pg-sh-apt.log)"
    fi
    BINDIR="$(find_bindir)" || die "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found"
    log "installed $("$BINDIR/postgres" --version)"
}

# --------------------------------------------------------------------------- paths
resolve_data_dir() {
    # Sets DATA_DIR (absolute), CLUSTER_DIR, LOG_FILE, SOCKET_DIR.
    mkdir -p "$REQUESTED_DATA_DIR"
    DATA_DIR="$(cd "$REQUESTED_DATA_DIR" && pwd)"
    if ((IS_ROOT)); then
        id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (is Debian's postgresql package installed?)"
        # postgres must be able to traverse every parent of the data dir.
        if ! as_pg test -x "$(dirname "$DATA_DIR")"; then
            local fallback
            fallback="/var/tmp/bundling-postgres/$(printf '%s' "$DATA_DIR" | sha1sum | cut -c1-12)"
            log "postgres user cannot reach $DATA_DIR; using $fallback instead"
            mkdir -p "$fallback"
            chmod 755 /var/tmp/bundling-postgres
            DATA_DIR="$fallback"
        fi
        chown postgres:postgres "$DATA_DIR"
        chmod 755 "$DATA_DIR"
    fi
    CLUSTER_DIR="$DATA_DIR/pgdata"
    LOG_FILE="$DATA_DIR/postgres.log"
    SOCKET_DIR="$DATA_DIR/run"
    # Unix socket paths are limited to ~107 bytes.
    if ((${#SOCKET_DIR} > 80)); then
        SOCKET_DIR="/tmp"
    else
        as_pg mkdir -p "$SOCKET_DIR"
    fi
}

# Locate the installed server and the data dir; returns 1 if PostgreSQL is not installed.
setup() {
    BINDIR="$(find_bindir)" || return 1
    resolve_data_dir
    BINDIR="$(find_bindir)" # an existing cluster pins its major version
}

# --------------------------------------------------------------------------- server
is_running() {
    [[ -f "$CLUSTER_DIR/PG_VERSION" ]] || return 1
    as_pg "$BINDIR/pg_ctl" status -D "$CLUSTER_DIR" >/dev/null 2>&1
}

running_port() {
    # Port of the running server of this data dir (line 4 of postmaster.pid).
    sed -n 4p "$CLUSTER_DIR/postmaster.pid" 2>/dev/null || true
}

port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

init_cluster() {
    if [[ -f "$CLUSTER_DIR/PG_VERSION" ]]; then
        return 0
    fi
    log "initdb $CLUSTER_DIR ($("$BINDIR/postgres" --version))"
    # --no-locale: locale C, no dependency on generated locales.
    if ! as_pg "$BINDIR/initdb" -D "$CLUSTER_DIR" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=trust >"$DATA_DIR/initdb.log" 2>&1; then
        cat "$DATA_DIR/initdb.log" >&2
        die "initdb failed"
    fi
    echo "include_if_exists = 'bundling.conf'" | as_pg tee -a "$CLUSTER_DIR/postgresql.conf" >/dev/null
}

write_config() {
    local fast
    if [[ "$PG_FAST" == "1" ]]; then
        fast=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off'
    else
        fast=$'fsync = on\nsynchronous_commit = on\nfull_page_writes = on'
    fi
    as_pg tee "$CLUSTER_DIR/bundling.conf" >/dev/null <<EOF
# Generated by deploy/postgres/pg.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SOCKET_DIR'
max_connections = 200
$fast
EOF
    as_pg tee "$CLUSTER_DIR/pg_hba.conf" >/dev/null <<EOF
# Generated by deploy/postgres/pg.sh on every start; edits are overwritten.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   $PG_AUTH
EOF
}

# Admin psql: unix socket as the postgres superuser (local trust).
admin_psql() {
    as_pg "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$(running_port)" -U postgres -d postgres "$@"
}

ensure_role() {
    admin_psql >/dev/null <<EOF
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE') THEN
    CREATE ROLE $APP_ROLE LOGIN SUPERUSER CREATEDB PASSWORD '$APP_PASSWORD';
  ELSE
    ALTER ROLE $APP_ROLE LOGIN SUPERUSER CREATEDB PASSWORD '$APP_PASSWORD';
  END IF;
END
\$\$;
EOF
}

create_databases() {
    local db
    for db in "$@"; do
        [[ "$db" =~ ^[A-Za-z_][A-Za-z0-9_-]{0,62}$ ]] || die "invalid database name '$db'"
        admin_psql -v db="$db" >/dev/null <<EOF
SELECT format('CREATE DATABASE %I OWNER $APP_ROLE', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
EOF
    done
}

print_urls() {
    local port db
    port="$(running_port)"
    port="${port:-$PG_PORT}"
    for db in "$@"; do
        echo "postgresql+asyncpg://$APP_ROLE:$APP_PASSWORD@127.0.0.1:$port/$db"
    done
}

# --------------------------------------------------------------------------- commands
cmd_start() {
    ensure_installed
    setup
    # shellcheck disable=SC2086
    set -- $PG_DATABASES
    if is_running; then
        log "already running (port $(running_port), data dir $CLUSTER_DIR)"
    else
        if port_open "$PG_PORT"; then
            die "port 127.0.0.1:$PG_PORT is already in use by another server (set PG_PORT)"
        fi
        init_cluster
        write_config
        log "starting PostgreSQL on 127.0.0.1:$PG_PORT (data dir $CLUSTER_DIR, log $LOG_FILE)"
        as_pg touch "$LOG_FILE"
        if ! as_pg "$BINDIR/pg_ctl" -D "$CLUSTER_DIR" -l "$LOG_FILE" -w -t 60 start >/dev/null; then
            tail -n 40 "$LOG_FILE" >&2 || true
            die "pg_ctl start failed"
        fi
        log "started"
    fi
    ensure_role
    create_databases "$@"
    print_urls "$@"
}

cmd_stop() {
    setup || { log "PostgreSQL is not installed; nothing to stop"; return 0; }
    if ! is_running; then
        log "not running (data dir $CLUSTER_DIR)"
        return 0
    fi
    log "stopping PostgreSQL (data dir $CLUSTER_DIR)"
    as_pg "$BINDIR/pg_ctl" -D "$CLUSTER_DIR" -m fast -w -t 60 stop >/dev/null
    log "stopped"
}

cmd_status() {
    if setup; then
        if is_running; then
            echo "running (port $(running_port), data dir $CLUSTER_DIR)"
            return 0
        fi
        echo "not running (data dir $CLUSTER_DIR)"
    else
        echo "not running (PostgreSQL not installed)"
    fi
    return 1
}

require_running() {
    setup || die "PostgreSQL is not installed; run '$0 start' first"
    is_running || die "not running (data dir $CLUSTER_DIR); run '$0 start' first"
}

cmd_createdb() {
    (($#)) || die "usage: $0 createdb NAME..."
    require_running
    ensure_role
    create_databases "$@"
    print_urls "$@"
}

cmd_url() {
    if (($# == 0)); then
        # shellcheck disable=SC2086
        set -- $PG_DATABASES
    fi
    setup || true
    print_urls "$@"
}

cmd_psql() {
    require_running
    PGPASSWORD="$APP_PASSWORD" "$BINDIR/psql" -h 127.0.0.1 -p "$(running_port)" -U "$APP_ROLE" "$@"
}

main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    createdb) cmd_createdb "$@" ;;
    url) cmd_url "$@" ;;
    psql) cmd_psql "$@" ;;
    *)
        echo "usage: $0 start|stop|status|createdb NAME...|url [NAME...]|psql [ARGS...]" >&2
        exit 2
        ;;
    esac
}

main "$@"
