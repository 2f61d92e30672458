#!/usr/bin/env bash
# The whole platform on one machine: Kafka, the three services, a webhook receiver and a
# demo scenario that plays two real bundling cases through the APIs.
#
# Usage:
#   deploy/run.sh             start everything, run the demo, stay in the foreground;
#                             Ctrl-C stops everything
#   deploy/run.sh --detach    start everything, run the demo, leave it all running
#   deploy/run.sh --demo-only start everything, run the demo, stop everything again
#                             (exit status = the demo's)
#   deploy/run.sh --no-demo   like the default, without the demo (combine with --detach)
#   deploy/run.sh demo        run the demo again against the running platform
#   deploy/run.sh status      what runs, with pids
#   deploy/run.sh stop        stop the supervisor, the services, the receiver and Kafka
#   deploy/run.sh reset       stop, then delete the databases, Kafka data and logs under var/
#
# What it does: installs uv with pip if missing, `uv sync --frozen`, starts the local Kafka
# broker (deploy/kafka/kafka.sh; needs Java 17+ and Maven, apt-installed when run as root),
# starts demand (8001), contracts (8002), notifications (8003), the console (8004) and the
# demo receiver (8099)
# with `python -m <service>` from the project's virtualenv, waits for /ready of each, runs
# deploy/demo/scenario.py. State lives under var/: SQLite databases var/*.db, Kafka data
# var/kafka, logs var/log/*.log, pid files var/run/*.pid.
#
# While the platform runs (in the foreground, or with --detach in a supervisor process of
# its own, log var/log/supervisor.log), a component that stops is started again, as
# `restart: unless-stopped` does in Compose: after RESTART_FIRST_DELAY seconds (1), then
# twice as long after each further stop up to RESTART_MAX_DELAY (60), back to the first
# delay once it ran RESTART_STABLE_SECONDS (60). Each restart is announced on the output.
#
# Environment (optional): DEMAND_PORT, CONTRACTS_PORT, NOTIFICATIONS_PORT, CONSOLE_PORT, RECEIVER_PORT,
# KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR (var/kafka),
# READY_TIMEOUT (seconds for all services to become ready, 120), DEMO_TIMEOUT (seconds
# per demo wait, 60), RESTART_FIRST_DELAY, RESTART_MAX_DELAY, RESTART_STABLE_SECONDS,
# and every service setting (DEMAND_DATABASE_URL, AUTH_JWT_SECRET, ...).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VAR_DIR="$ROOT/var"
RUN_DIR="$VAR_DIR/run"
LOG_DIR="$VAR_DIR/log"

# Development mode: HS256 tokens signed with AUTH_JWT_SECRET are accepted (a service in
# production mode refuses to start without AUTH_JWKS_URL and an issuer of its own).
export AUTH_MODE="${AUTH_MODE:-development}"
export DEMAND_PORT="${DEMAND_PORT:-8001}"
export CONTRACTS_PORT="${CONTRACTS_PORT:-8002}"
export NOTIFICATIONS_PORT="${NOTIFICATIONS_PORT:-8003}"
export CONSOLE_PORT="${CONSOLE_PORT:-8004}"
export RECEIVER_PORT="${RECEIVER_PORT:-8099}"
export RECEIVER_HOST="${RECEIVER_HOST:-127.0.0.1}"
export RECEIVER_LOG_FILE="${RECEIVER_LOG_FILE:-$LOG_DIR/webhooks.jsonl}"
export RECEIVER_SECRETS_FILE="${RECEIVER_SECRETS_FILE:-$RUN_DIR/receiver-secrets.json}"
export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
export KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$VAR_DIR/kafka}"
export KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$KAFKA_PORT}"
# The receiver is on this machine: let the notifications service call plain-HTTP loopback.
export NOTIFICATIONS_ALLOWED_HOSTS="${NOTIFICATIONS_ALLOWED_HOSTS:-127.0.0.1,localhost}"
export NOTIFICATIONS_ALLOW_HTTP="${NOTIFICATIONS_ALLOW_HTTP:-true}"
export NOTIFICATIONS_CONTRACT_LINK_TEMPLATE="${NOTIFICATIONS_CONTRACT_LINK_TEMPLATE:-http://127.0.0.1:$CONTRACTS_PORT/v1/contracts/{contract_id}}"
# Look at contracts nearing their end every few seconds, not every hour: the demo shows the
# follow-on round of the 155 mm contract while it runs.
export CONTRACTS_EXPIRY_SCAN_SECONDS="${CONTRACTS_EXPIRY_SCAN_SECONDS:-5}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"
STOP_TIMEOUT="${STOP_TIMEOUT:-20}"
export RESTART_FIRST_DELAY="${RESTART_FIRST_DELAY:-1}"
export RESTART_MAX_DELAY="${RESTART_MAX_DELAY:-60}"
export RESTART_STABLE_SECONDS="${RESTART_STABLE_SECONDS:-60}"
SUPERVISE_INTERVAL="${SUPERVISE_INTERVAL:-1}"

DEMAND_URL="http://127.0.0.1:$DEMAND_PORT"
CONTRACTS_URL="http://127.0.0.1:$CONTRACTS_PORT"
NOTIFICATIONS_URL="http://127.0.0.1:$NOTIFICATIONS_PORT"
CONSOLE_URL="http://127.0.0.1:$CONSOLE_PORT"
RECEIVER_URL="http://127.0.0.1:$RECEIVER_PORT"
# The console reaches the services here and offers the development sign-in.
export CONSOLE_DEMAND_URL="${CONSOLE_DEMAND_URL:-$DEMAND_URL}"
export CONSOLE_CONTRACTS_URL="${CONSOLE_CONTRACTS_URL:-$CONTRACTS_URL}"
export CONSOLE_NOTIFICATIONS_URL="${CONSOLE_NOTIFICATIONS_URL:-$NOTIFICATIONS_URL}"
export CONSOLE_DEV_SIGN_IN="${CONSOLE_DEV_SIGN_IN:-true}"

# Started in this order, stopped in the reverse one.
COMPONENTS=(demand contracts notifications console receiver)

CLEANUP_ON_EXIT=0
PY=""

say() { echo "run.sh: $*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
}

# --------------------------------------------------------------------------- helpers
port_of() {
    case "$1" in
    demand) echo "$DEMAND_PORT" ;;
    contracts) echo "$CONTRACTS_PORT" ;;
    notifications) echo "$NOTIFICATIONS_PORT" ;;
    console) echo "$CONSOLE_PORT" ;;
    receiver) echo "$RECEIVER_PORT" ;;
    esac
}

probe_url() {
    # Readiness URL: the services check Kafka and their database; the receiver is alive or not.
    case "$1" in
    receiver) echo "$RECEIVER_URL/health" ;;
    *) echo "http://127.0.0.1:$(port_of "$1")/ready" ;;
    esac
}

marker_of() {
    # What the command line of a component contains (guards against pid reuse).
    case "$1" in
    receiver) echo "deploy/demo/receiver.py" ;;
    *) echo "-m $1" ;;
    esac
}

port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

alive_pid() {
    # Prints the pid of a component started by this script and returns 0 when it runs.
    local pidfile="$RUN_DIR/$1.pid" pid cmdline
    [[ -f "$pidfile" ]] || return 1
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmdline" == *"$(marker_of "$1")"* ]] || return 1
    echo "$pid"
}

log_tail() {
    local log="$LOG_DIR/$1.log"
    if [[ -f "$log" ]]; then
        say "last lines of $log:"
        tail -n "${2:-40}" "$log" >&2 || true
    fi
}

kafka() {
    "$ROOT/deploy/kafka/kafka.sh" "$@"
}

# --------------------------------------------------------------------------- setup
ensure_uv() {
    if command -v uv >/dev/null 2>&1; then
        return 0
    fi
    local py
    py="$(command -v python3 || command -v python || true)"
    [[ -n "$py" ]] || die "neither uv nor python3 is installed: install Python 3.11+ and then 'pip install uv'"
    say "uv not found: installing it with '$py -m pip install --user uv'"
    if ! "$py" -m pip install --user uv; then
        die "pip could not install uv (on a system Python that refuses pip, use 'pipx install uv'); install uv and re-run"
    fi
    PATH="$("$py" -m site --user-base)/bin:$PATH"
    export PATH
    command -v uv >/dev/null 2>&1 || die "uv was installed but is not on PATH (looked in $("$py" -m site --user-base)/bin)"
}

sync_env() {
    ensure_uv
    say "installing the project's dependencies (uv sync --frozen)"
    if ! uv sync --frozen; then
        die "'uv sync --frozen' failed. If uv.lock is out of date with a pyproject.toml, run 'uv lock' and commit uv.lock"
    fi
    PY="$(uv run --frozen --no-sync python -c 'import sys; print(sys.executable)')"
    local name
    for name in demand contracts notifications console; do
        "$PY" -c "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('$name.__main__') else 1)" \
            2>/dev/null || die "the $name service cannot be started: 'python -m $name' has no module $name.__main__ yet"
    done
}

find_python() {
    # The project's interpreter, for the commands that need no sync (demo, stop).
    if [[ -z "$PY" ]]; then
        ensure_uv
        PY="$(uv run --frozen --no-sync python -c 'import sys; print(sys.executable)')" \
            || die "no project environment: run deploy/run.sh first"
    fi
}

# --------------------------------------------------------------------------- start
component_command() {
    # Sets CMD to the command line of a component.
    if [[ "$1" == receiver ]]; then
        CMD=("$PY" "$ROOT/deploy/demo/receiver.py")
    else
        CMD=("$PY" -m "$1")
    fi
}

start_component() {
    # A second argument "append" keeps the log (a restart), rather than moving it to .prev.
    local name="$1" pid port log
    port="$(port_of "$name")"
    log="$LOG_DIR/$name.log"
    if pid="$(alive_pid "$name")"; then
        say "$name is already running (pid $pid)"
        return 0
    fi
    rm -f "$RUN_DIR/$name.pid"
    if port_open "$port"; then
        die "port 127.0.0.1:$port (for $name) is used by another process: $(ss -ltnpH "sport = :$port" 2>/dev/null | head -n1). Stop it or set ${name^^}_PORT"
    fi
    if [[ "${2:-}" != append && -f "$log" ]]; then
        mv -f "$log" "$log.prev"
    fi
    local -a CMD
    component_command "$name"
    # setsid: own session and process group, so a Ctrl-C in this terminal reaches only this
    # script (which then stops everything in order) and --detach survives the terminal.
    setsid "${CMD[@]}" </dev/null >>"$log" 2>&1 &
    echo "$!" >"$RUN_DIR/$name.pid"
    say "started $name (pid $!, port $port, log ${log#"$ROOT/"})"
}

wait_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT)) name pid url code body
    for name in "${COMPONENTS[@]}"; do
        url="$(probe_url "$name")"
        while true; do
            if ! pid="$(alive_pid "$name")"; then
                log_tail "$name" 60
                die "$name exited during start-up (log: var/log/$name.log)"
            fi
            body="$(curl -s -m 3 -o - -w '\n%{http_code}' "$url" 2>/dev/null || true)"
            code="${body##*$'\n'}"
            if [[ "$code" == 200 ]]; then
                say "$name is ready ($url)"
                break
            fi
            if ((SECONDS >= deadline)); then
                log_tail "$name" 60
                say "$url answered: ${body%$'\n'*}"
                die "$name did not become ready within ${READY_TIMEOUT}s (log: var/log/$name.log)"
            fi
            sleep 0.5
        done
    done
}

preflight_ports() {
    # Fail before starting anything when a port the platform needs is taken by someone else.
    local name port
    for name in "${COMPONENTS[@]}"; do
        port="$(port_of "$name")"
        if ! alive_pid "$name" >/dev/null && port_open "$port"; then
            die "port 127.0.0.1:$port (for $name) is used by another process: $(ss -ltnpH "sport = :$port" 2>/dev/null | head -n1). Stop it or set ${name^^}_PORT"
        fi
    done
    if ! kafka status >/dev/null 2>&1; then
        for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
            if port_open "$port"; then
                die "port 127.0.0.1:$port (for Kafka) is used by another process: $(ss -ltnpH "sport = :$port" 2>/dev/null | head -n1). Stop it or set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
            fi
        done
    fi
}

start_all() {
    mkdir -p "$RUN_DIR" "$LOG_DIR"
    preflight_ports
    sync_env
    say "starting Kafka on 127.0.0.1:$KAFKA_PORT (data ${KAFKA_DATA_DIR#"$ROOT/"})"
    kafka start || die "Kafka did not start (see the lines above; log: $KAFKA_DATA_DIR/kafka.log)"
    local name
    for name in "${COMPONENTS[@]}"; do
        start_component "$name"
    done
    wait_ready
}

# --------------------------------------------------------------------------- supervise
declare -A STOPS=() RESTART_AT=() STARTED_AT=()

restart_dead() {
    # One look at every component: one found stopped is announced and started again once
    # its back-off has run out; a component that stops again at once waits twice as long
    # each time (up to RESTART_MAX_DELAY), one that ran RESTART_STABLE_SECONDS starts over.
    local name delay stops
    for name in "${COMPONENTS[@]}"; do
        if alive_pid "$name" >/dev/null; then
            continue
        fi
        if [[ -z "${RESTART_AT[$name]:-}" ]]; then
            stops="${STOPS[$name]:-0}"
            if ((SECONDS - ${STARTED_AT[$name]:-0} >= RESTART_STABLE_SECONDS)); then
                stops=0
            fi
            delay=$((RESTART_FIRST_DELAY * (1 << (stops < 16 ? stops : 16))))
            ((delay <= RESTART_MAX_DELAY)) || delay=$RESTART_MAX_DELAY
            STOPS[$name]=$((stops + 1))
            RESTART_AT[$name]=$((SECONDS + delay))
            say "$name has stopped (stop $((stops + 1)) in a row); restarting it in ${delay}s (log: ${LOG_DIR#"$ROOT/"}/$name.log)"
            log_tail "$name" 20
        fi
        if ((SECONDS >= RESTART_AT[$name])); then
            unset "RESTART_AT[$name]"
            STARTED_AT[$name]=$SECONDS
            # In a subshell: a component that cannot start (its port taken) is tried again later.
            (start_component "$name" append) || say "$name could not be restarted; trying again"
        fi
    done
}

supervise() {
    # Until stopped: restart what stops. Components running now count as just started.
    local name
    for name in "${COMPONENTS[@]}"; do
        STARTED_AT[$name]=$SECONDS
    done
    while true; do
        restart_dead
        sleep "$SUPERVISE_INTERVAL"
    done
}

supervisor_pid() {
    local pid
    pid="$(cat "$RUN_DIR/supervisor.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)" == *"run.sh"* ]] || return 1
    echo "$pid"
}

start_supervisor() {
    # --detach: the restarting goes on in a process of its own once this script has returned.
    local log="$LOG_DIR/supervisor.log"
    setsid "$ROOT/deploy/run.sh" supervise </dev/null >>"$log" 2>&1 &
    echo "$!" >"$RUN_DIR/supervisor.pid"
    say "started the supervisor (pid $!, log ${log#"$ROOT/"}): a component that stops is started again"
}

stop_supervisor() {
    # The supervisor, or the run.sh in the foreground, first: it would restart what stops next.
    local pid
    if pid="$(supervisor_pid)" && ((pid != $$)); then
        kill -TERM "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do
            sleep 0.1
        done
    fi
    rm -f "$RUN_DIR/supervisor.pid"
}

# --------------------------------------------------------------------------- stop
stop_components() {
    local name pid
    local -a pids=() names=()
    for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
        name="${COMPONENTS[$i]}"
        if pid="$(alive_pid "$name")"; then
            say "stopping $name (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
            names+=("$name")
        fi
    done
    local deadline=$((SECONDS + STOP_TIMEOUT)) j
    for j in "${!pids[@]}"; do
        while kill -0 "${pids[$j]}" 2>/dev/null; do
            if ((SECONDS >= deadline)); then
                say "${names[$j]} still running after ${STOP_TIMEOUT}s: killing it"
                # Its own process group (setsid), so this reaches only it and its children.
                kill -KILL -- "-${pids[$j]}" 2>/dev/null || kill -KILL "${pids[$j]}" 2>/dev/null || true
                break
            fi
            sleep 0.2
        done
        rm -f "$RUN_DIR/${names[$j]}.pid"
    done
    for name in "${COMPONENTS[@]}"; do
        if [[ -f "$RUN_DIR/$name.pid" ]] && ! alive_pid "$name" >/dev/null; then
            rm -f "$RUN_DIR/$name.pid"
        fi
    done
}

stop_all() {
    stop_supervisor
    stop_components
    kafka stop || say "kafka.sh stop failed"
}

on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    if ((CLEANUP_ON_EXIT)); then
        echo >&2
        say "stopping everything"
        stop_all
    fi
    exit "$rc"
}

# --------------------------------------------------------------------------- demo
run_demo() {
    find_python
    local webhook_base="${WEBHOOK_BASE_URL:-$RECEIVER_URL}"
    DEMAND_URL="$DEMAND_URL" CONTRACTS_URL="$CONTRACTS_URL" NOTIFICATIONS_URL="$NOTIFICATIONS_URL" \
        RECEIVER_URL="$RECEIVER_URL" WEBHOOK_BASE_URL="$webhook_base" \
        "$PY" "$ROOT/deploy/demo/scenario.py"
}

print_where() {
    cat >&2 <<EOF

The platform runs on this machine:
  console         $CONSOLE_URL   (sign in as a desk, a coordinator or a company)
  API docs        demand        $DEMAND_URL/docs
                  contracts     $CONTRACTS_URL/docs
                  notifications $NOTIFICATIONS_URL/docs
  webhooks        $RECEIVER_URL/_received   (receiver for /webhooks/<org>)
  Kafka           $KAFKA_BOOTSTRAP_SERVERS   (data ${KAFKA_DATA_DIR#"$ROOT/"}, log ${KAFKA_DATA_DIR#"$ROOT/"}/kafka.log)
  databases       ${DEMAND_DATABASE_URL:-var/demand.db}, ${CONTRACTS_DATABASE_URL:-var/contracts.db}, ${NOTIFICATIONS_DATABASE_URL:-var/notifications.db}
  logs            var/log/{demand,contracts,notifications,console,receiver}.log, var/log/webhooks.jsonl
  a token         uv run bundling-token --role nation_desk --nation NLD
  demo again      deploy/run.sh demo
EOF
}

status() {
    local name pid rc=0
    for name in "${COMPONENTS[@]}"; do
        if pid="$(alive_pid "$name")"; then
            printf '%-14s running (pid %s, port %s)\n' "$name" "$pid" "$(port_of "$name")"
        else
            printf '%-14s not running\n' "$name"
            rc=1
        fi
    done
    if pid="$(supervisor_pid)"; then
        printf '%-14s running (pid %s): restarts a component that stops\n' supervisor "$pid"
    else
        printf '%-14s not running: a component that stops stays stopped\n' supervisor
    fi
    printf '%-14s ' kafka
    kafka status || rc=1
    return "$rc"
}

foreground() {
    say "running in the foreground: Ctrl-C stops everything; a component that stops is restarted"
    echo "$$" >"$RUN_DIR/supervisor.pid"
    supervise
}

# --------------------------------------------------------------------------- main
main() {
    local mode=foreground demo=1 arg
    for arg in "$@"; do
        case "$arg" in
        --detach) mode=detach ;;
        --demo-only) mode="demo-only" ;;
        --no-demo) demo=0 ;;
        stop | status | demo | reset | supervise)
            mode="$arg"
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage
            die "unknown argument: $arg"
            ;;
        esac
    done

    case "$mode" in
    stop)
        stop_all
        say "stopped"
        return 0
        ;;
    status)
        status
        return $?
        ;;
    demo)
        run_demo
        return $?
        ;;
    supervise)
        find_python
        trap 'exit 0' TERM INT
        supervise
        ;;
    reset)
        stop_all
        rm -rf "$VAR_DIR"/{demand,contracts,notifications}.db{,-wal,-shm} "$KAFKA_DATA_DIR" "$LOG_DIR" "$RUN_DIR"
        say "deleted the databases, Kafka data, logs and pid files under var/"
        return 0
        ;;
    esac

    local started=$SECONDS
    CLEANUP_ON_EXIT=1
    trap on_exit EXIT
    trap 'exit 130' INT TERM
    start_all
    say "everything is ready after $((SECONDS - started))s"

    local demo_rc=0
    if ((demo)); then
        run_demo || demo_rc=$?
    fi
    if ((demo_rc != 0)); then
        say "the demo FAILED (exit $demo_rc); logs: var/log/*.log"
        if [[ "$mode" == detach ]]; then
            CLEANUP_ON_EXIT=0
            say "left running for inspection; stop it with: deploy/run.sh stop"
        fi
        return "$demo_rc"
    fi

    case "$mode" in
    demo-only)
        say "demo passed; stopping everything (total $((SECONDS - started))s)"
        return 0
        ;;
    detach)
        CLEANUP_ON_EXIT=0
        start_supervisor
        print_where
        say "up in $((SECONDS - started))s and left running; stop it with: deploy/run.sh stop"
        return 0
        ;;
    esac
    print_where
    say "  stop            Ctrl-C here (or deploy/run.sh stop from another terminal)"
    foreground
}

# Sourced (by the tests of the supervision), it only defines the functions.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
