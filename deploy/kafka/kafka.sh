#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft, combined broker+controller), no Docker.
#
# The broker jars come from the Maven repository via deploy/kafka/pom.xml
# (`mvn dependency:copy-dependencies`) and are cached in the lib dir; the broker
# runs as `java -cp "<lib>/*" kafka.Kafka <data dir>/server.properties`.
#
# Usage: deploy/kafka/kafka.sh start|stop|status|restart|fetch
#   start    fetch jars if needed, format storage on first use, start the broker in
#            the background and wait until it is ready (exit 0 if already running)
#   stop     stop the broker (TERM, then KILL after KAFKA_STOP_TIMEOUT seconds)
#   status   exit 0 when the broker of this data dir is running, 1 otherwise
#   restart  stop + start
#   fetch    only download the jars into the lib dir
#
# Environment (all optional):
#   KAFKA_PORT             PLAINTEXT listener port on 127.0.0.1          (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft CONTROLLER listener port on 127.0.0.1   (default 9093)
#   KAFKA_DATA_DIR         config, pid file, kafka.log and topic data      (default deploy/kafka/.data)
#   KAFKA_LIB_DIR          jar cache, shared by all data dirs             (default deploy/kafka/.cache/lib)
#   KAFKA_HEAP_OPTS        JVM heap options                               (default "-Xms256m -Xmx1g")
#   KAFKA_OPTS             extra JVM options appended to the java command (default empty)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness on start         (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait after TERM before KILL         (default 20)
#
# A throwaway broker for tests, next to the default one:
#   KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 KAFKA_DATA_DIR=/tmp/kafka-test deploy/kafka/kafka.sh start
#   KAFKA_DATA_DIR=/tmp/kafka-test deploy/kafka/kafka.sh stop
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/pom.xml"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"
LIB_DIR="${KAFKA_LIB_DIR:-$SCRIPT_DIR/.cache/lib}"
DATA_DIR="${KAFKA_DATA_DIR:-$SCRIPT_DIR/.data}"

READY_LINE="Kafka Server started"

log() { echo "kafka.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Make DATA_DIR / LIB_DIR absolute (the broker is started with cwd = DATA_DIR).
abspath() { mkdir -p "$1" && (cd "$1" && pwd); }

# --------------------------------------------------------------------------- tools
ensure_tools() {
    local missing=()
    command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null 2>&1 || missing+=(maven)
    if ((${#missing[@]})); then
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
            log "installing ${missing[*]} with apt-get"
            export DEBIAN_FRONTEND=noninteractive
            if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
                die "apt-get install ${missing[*]} failed"
            fi
        else
            die "missing tools: ${missing[*]} (need java 17+ and maven)"
        fi
    fi
}

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

libs_complete() {
    [[ -f "$LIB_MARKER" ]] && [[ "$(cat "$LIB_MARKER")" == "$(pom_hash)" ]]
}

fetch_jars() {
    if libs_complete; then
        return 0
    fi
    ensure_tools
    mkdir -p "$(dirname "$LIB_DIR")"
    # Serialize concurrent fetches (e.g. parallel test brokers).
    exec 8>"$LIB_DIR.lock"
    flock 8
    if libs_complete; then
        exec 8>&-
        return 0
    fi
    log "fetching Kafka jars into $LIB_DIR (mvn dependency:copy-dependencies)"
    local tmp="$LIB_DIR.tmp.$$"
    rm -rf "$tmp"
    local mvn_log="$LIB_DIR.mvn.log"
    if ! mvn -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
        tail -n 40 "$mvn_log" >&2
        rm -rf "$tmp"
        die "mvn dependency:copy-dependencies failed (full output: $mvn_log)"
    fi
    ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13 jar after mvn run"; }
    rm -rf "$LIB_DIR"
    mv "$tmp" "$LIB_DIR"
    pom_hash >"$LIB_MARKER"
    log "jars ready ($(find "$LIB_DIR" -name '*.jar' | wc -l) files)"
    exec 8>&-
}

# --------------------------------------------------------------------------- process
running_pid() {
    # Prints the pid and returns 0 if the broker of this data dir is alive.
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Guard against pid reuse: must be our java kafka.Kafka with our config.
    local cmdline
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmdline" == *"kafka.Kafka $CONFIG_FILE"* ]] || return 1
    echo "$pid"
}

port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

tail_log() {
    if [[ -f "$LOG_FILE" ]]; then
        log "last lines of $LOG_FILE:"
        tail -n 60 "$LOG_FILE" >&2 || true
    fi
}

# --------------------------------------------------------------------------- config
write_config() {
    cat >"$CONFIG_FILE" <<EOF
# Generated by deploy/kafka/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$LOG_DIRS
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
    cat >"$LOG4J_FILE" <<'EOF'
# Generated by deploy/kafka/kafka.sh. Everything goes to stdout, which is kafka.log.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
EOF
}

broker_argv() {
    # Fills JAVA_ARGV with the broker's java command line.
    local -a heap extra
    read -r -a heap <<<"$KAFKA_HEAP_OPTS"
    read -r -a extra <<<"$KAFKA_OPTS"
    JAVA_ARGV=(java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
        -Dlog4j2.configurationFile="$LOG4J_FILE" "${extra[@]}" -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG_FILE")
}

storage_tool() {
    # kafka.tools.StorageTool with a small fixed heap (independent of KAFKA_HEAP_OPTS).
    java -Xmx256m -Djava.awt.headless=true -Dlog4j2.configurationFile="$LOG4J_FILE" \
        -cp "$LIB_DIR/*" kafka.tools.StorageTool "$@"
}

format_storage() {
    if [[ -f "$LOG_DIRS/meta.properties" ]]; then
        return 0
    fi
    local cid
    if [[ -s "$CLUSTER_ID_FILE" ]]; then
        cid="$(cat "$CLUSTER_ID_FILE")"
    else
        local out
        out="$(storage_tool random-uuid 2>&1)" || { echo "$out" >&2; die "kafka.tools.StorageTool random-uuid failed"; }
        cid="$(echo "$out" | grep -E '^[A-Za-z0-9_-]{22}$' | tail -n1 || true)"
        [[ -n "$cid" ]] || { echo "$out" >&2; die "kafka.tools.StorageTool random-uuid printed no cluster id"; }
        echo "$cid" >"$CLUSTER_ID_FILE"
    fi
    log "formatting $LOG_DIRS (cluster id $cid)"
    # Static quorum (controller.quorum.voters), so no --standalone here: it lets
    # the same data dir be restarted later on other ports.
    storage_tool format -t "$cid" -c "$CONFIG_FILE" >>"$DATA_DIR/format.log" 2>&1 \
        || { cat "$DATA_DIR/format.log" >&2; die "kafka.tools.StorageTool format failed"; }
}

# --------------------------------------------------------------------------- commands
cmd_start() {
    local pid
    if pid="$(running_pid)"; then
        log "already running (pid $pid, data dir $DATA_DIR)"
        return 0
    fi
    rm -f "$PID_FILE"
    fetch_jars
    for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
        if port_open "$p"; then
            die "port 127.0.0.1:$p is already in use by another process (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
        fi
    done
    write_config
    format_storage

    [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.prev"
    local started=$SECONDS
    log "starting broker on 127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT), data dir $DATA_DIR"
    broker_argv
    # setsid: the broker must not die with the calling shell / terminal (Ctrl-C).
    (cd "$DATA_DIR" && exec setsid "${JAVA_ARGV[@]}" </dev/null >>"$LOG_FILE" 2>&1) &
    pid=$!
    echo "$pid" >"$PID_FILE"

    while ((SECONDS - started < KAFKA_START_TIMEOUT)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            tail_log
            die "broker process exited during startup"
        fi
        if grep -q "$READY_LINE" "$LOG_FILE" 2>/dev/null && port_open "$KAFKA_PORT"; then
            log "ready in $((SECONDS - started))s (pid $pid): bootstrap servers 127.0.0.1:$KAFKA_PORT"
            return 0
        fi
        sleep 0.5
    done
    tail_log
    log "not ready after ${KAFKA_START_TIMEOUT}s, stopping it"
    cmd_stop || true
    die "broker failed to become ready"
}

cmd_stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE"
        log "not running (data dir $DATA_DIR)"
        return 0
    fi
    log "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= KAFKA_STOP_TIMEOUT * 2)); then
            log "still alive after ${KAFKA_STOP_TIMEOUT}s, sending KILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    local pid
    if pid="$(running_pid)"; then
        local port
        port="$(sed -n 's#^advertised.listeners=PLAINTEXT://##p' "$CONFIG_FILE" 2>/dev/null || true)"
        echo "running (pid $pid, bootstrap ${port:-?}, data dir $DATA_DIR)"
        return 0
    fi
    echo "not running (data dir $DATA_DIR)"
    return 1
}

main() {
    local cmd="${1:-}"
    case "$cmd" in
    start | stop | status | restart | fetch) ;;
    *)
        echo "usage: $0 start|stop|status|restart|fetch" >&2
        exit 2
        ;;
    esac
    # Derived paths (absolute, so the pid check and the broker's cwd do not matter).
    DATA_DIR="$(abspath "$DATA_DIR")"
    LIB_DIR="$(abspath "$(dirname "$LIB_DIR")")/$(basename "$LIB_DIR")"
    PID_FILE="$DATA_DIR/kafka.pid"
    LOG_FILE="$DATA_DIR/kafka.log"
    CONFIG_FILE="$DATA_DIR/server.properties"
    LOG4J_FILE="$DATA_DIR/log4j2.properties"
    CLUSTER_ID_FILE="$DATA_DIR/cluster.id"
    LOG_DIRS="$DATA_DIR/kraft-combined-logs"
    LIB_MARKER="$LIB_DIR/.complete"
    case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart) cmd_stop && cmd_start ;;
    fetch) fetch_jars ;;
    esac
}

main "$@"
