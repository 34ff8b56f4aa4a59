#!/usr/bin/env bash
# scripts/services.sh — install, start, check and stop the real services that roadpulse's
# integration tests, CI and people use: Apache Kafka (single KRaft node), InfluxDB 1.x and
# Mosquitto. Loopback only, non-default ports, all state/data/logs under .services/.
#
#   bash scripts/services.sh start [kafka|influxdb|mosquitto ...]   # install if missing, start, wait until ready
#   bash scripts/services.sh stop|status|install|env|clean [service ...]
#   bash scripts/services.sh kafka-tool topics --list              # run a Kafka CLI tool against the test broker
#
# See scripts/README.md for ports, environment variables and log locations.
set -euo pipefail

readonly ALL_SERVICES=(kafka influxdb mosquitto)
readonly HOST=127.0.0.1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly SVC_DIR="$ROOT/.services"
readonly KAFKA_POM="$ROOT/scripts/kafka/pom.xml"

# --- settings (each overridable from the environment) --------------------------------------
KAFKA_PORT=${ROADPULSE_TEST_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${ROADPULSE_TEST_KAFKA_CONTROLLER_PORT:-19093}
KAFKA_HEAP=${ROADPULSE_TEST_KAFKA_HEAP:-768m}
KAFKA_AUTO_CREATE_TOPICS=${ROADPULSE_TEST_KAFKA_AUTO_CREATE_TOPICS:-false}
INFLUX_PORT=${ROADPULSE_TEST_INFLUX_PORT:-18086}
INFLUX_RPC_PORT=${ROADPULSE_TEST_INFLUX_RPC_PORT:-18088}
INFLUX_DB=${ROADPULSE_TEST_INFLUX_DB:-roadpulse_test}
INFLUX_USER=${ROADPULSE_TEST_INFLUX_USER:-roadpulse}
INFLUX_PASSWORD=${ROADPULSE_TEST_INFLUX_PASSWORD:-roadpulse-test}
MQTT_PORT=${ROADPULSE_TEST_MQTT_PORT:-11883}
START_TIMEOUT=${ROADPULSE_SERVICES_TIMEOUT:-120}   # seconds to wait for each service to become ready
STOP_TIMEOUT=60                                      # seconds before a stop turns into SIGKILL

readonly KAFKA_DIR="$SVC_DIR/kafka" INFLUX_DIR="$SVC_DIR/influxdb" MQTT_DIR="$SVC_DIR/mosquitto"
readonly INSTALL_LOG="$SVC_DIR/install.log"
readonly KAFKA_HEALTH_TOPIC=_roadpulse_healthcheck

# --- output helpers ------------------------------------------------------------------------
PROG="scripts/services.sh"
line() { printf '%-10s %s\n' "$1" "$2"; }              # the one line per service on success
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
# die_log SERVICE MESSAGE LOGFILE... — error plus what the logs say: their ERROR/FATAL lines and
# their tail (a log not written since this run launched the service is skipped as stale)
die_log() {
  local svc=$1 msg=$2 f stamp
  shift 2
  printf '%s: error: %s: %s\n' "$PROG" "$svc" "$msg" >&2
  stamp="$SVC_DIR/$svc/.launched"
  for f in "$@"; do
    [[ -s $f ]] || continue
    [[ -f $stamp && ! $f -nt $stamp && $f != "$INSTALL_LOG" ]] && continue
    if grep -qE '\b(ERROR|FATAL)\b|lvl=error' "$f"; then
      printf -- '--- last errors in %s ---\n' "${f#"$ROOT"/}" >&2
      grep -E '\b(ERROR|FATAL)\b|lvl=error' "$f" | tail -n 10 | cut -c1-400 | sed 's/^/  | /' >&2
    fi
    printf -- '--- last 25 lines of %s ---\n' "${f#"$ROOT"/}" >&2
    tail -n 25 "$f" | cut -c1-400 | sed 's/^/  | /' >&2
  done
  exit 1
}
now_ms() { date +%s%3N; }
secs_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%ds' $((d / 1000)) $(((d % 1000) / 100)); }

usage() {
  cat <<EOF
usage: $PROG COMMAND [SERVICE ...]

commands (SERVICE is any of: ${ALL_SERVICES[*]}; default all):
  install   install what is missing (apt packages, Kafka jars via Maven)
  start     install if missing, start if not running, wait until really ready (no-op if healthy)
  stop      stop cleanly (fine if nothing runs)
  status    show state and health; exit 3 if any named service is not running and healthy
  env       print export lines for the tests: eval "\$(bash $PROG env)"
  clean     stop and delete data (keeps installed packages and Kafka jars)
  kafka-tool TOOL [ARGS]   run a Kafka CLI tool from the broker's jars against the test broker,
            TOOL = topics | console-producer | console-consumer | consumer-groups | a class name
EOF
}

# --- generic process handling -------------------------------------------------------------
pidfile() { echo "$SVC_DIR/$1/$1.pid"; }
# marker: a string that must be in the process's command line (its config file), so a reused
# PID never passes for ours
marker() {
  case $1 in
    kafka) echo "$KAFKA_DIR/server.properties" ;;
    influxdb) echo "$INFLUX_DIR/influxdb.conf" ;;
    mosquitto) echo "$MQTT_DIR/mosquitto.conf" ;;
  esac
}
# prints the PID if the service runs, else returns 1. Trusts the PID file only if that process's
# command line names our config file; finds (and re-records) a daemon whose PID file was lost.
running_pid() {
  local svc=$1 pf pid="" cmd m
  pf=$(pidfile "$svc")
  m=$(marker "$svc")
  [[ -f $pf ]] && pid=$(<"$pf")
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid"; then
    cmd=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
    if [[ $cmd == *"$m"* ]]; then
      echo "$pid"
      return 0
    fi
  fi
  rm -f "$pf"
  command -v pgrep >/dev/null 2>&1 || return 1
  for pid in $(pgrep -f -- "$m" || true); do
    if ((pid == $$)) || ! alive "$pid"; then continue; fi
    cmd=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
    # the daemon itself, not a tool that was handed the same file (StorageTool format -c ...)
    case $svc in
      kafka) [[ $cmd == *" kafka.Kafka $m"* ]] || continue ;;
      *) [[ $cmd == *" $m"* ]] || continue ;;
    esac
    [[ -d $(dirname "$pf") ]] && echo "$pid" >"$pf"
    echo "$pid"
    return 0
  done
  return 1
}
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
# fail early, with a useful message, if something else holds a port we need
require_free_port() {
  local svc=$1 port=$2 var=$3 who=""
  port_open "$port" || return 0
  if command -v ss >/dev/null 2>&1; then
    who=$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'users:(([^)]*' | head -n1 | sed 's/users:((//') || true
  fi
  die "$svc: port $HOST:$port is already in use${who:+ by $who} (not a service started by this script); stop that process or pick another port with $var=..."
}
# launch SERVICE LOGFILE CMD... — detached from this shell (survives it, ignores its signals)
launch() {
  local svc=$1 log=$2
  shift 2
  [[ -f $log ]] && mv -f "$log" "$log.1"
  touch "$SVC_DIR/$svc/.launched"
  setsid nohup "$@" >"$log" 2>&1 </dev/null 9>&- &   # 9 is the lock: the daemon must not hold it
  echo $! >"$(pidfile "$svc")"
}
# alive = exists and is not a zombie waiting for its (re)parent to reap it
alive() { [[ -r /proc/$1/stat ]] && [[ $(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) != Z ]]; }
stop_pid() {
  local svc=$1 pid=$2 t0 waited=0
  t0=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid"; do
    if ((waited >= STOP_TIMEOUT * 10)); then
      warn "$svc (pid $pid) did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$(pidfile "$svc")"
  STOPPED_IN=$(secs_since "$t0")
}

# --- installing ----------------------------------------------------------------------------
deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
# apt_install PACKAGE... — installs the missing ones, quietly (output in .services/install.log)
apt_install() {
  local missing=() p sudo=() rc=0 made_policy=0
  for p in "$@"; do deb_installed "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "need Debian packages ${missing[*]} but apt-get is not available; install them by hand"
  if ((EUID != 0)); then
    if ! { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; then
      die "need Debian packages ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' (or run this script as root)"
    fi
    sudo=(sudo -n)
  fi
  # Debian's maintainer scripts would start system-wide daemons (mosquitto on :1883, roadpulse's
  # own port; influxd on :8086). A policy-rc.d that says 101 stops that; add one if none is there.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, from roadpulse scripts/services.sh\nexit 101\n' |
      "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null && "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q
    -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  {
    echo "=== $(date -Is) apt-get install ${missing[*]}"
    "${apt[@]}" install --no-install-recommends "${missing[@]}" ||
      { echo "=== retrying after apt-get update"; "${apt[@]}" update && "${apt[@]}" install --no-install-recommends "${missing[@]}"; }
  } >>"$INSTALL_LOG" 2>&1 || rc=$?
  ((made_policy)) && "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die_log apt "apt-get install ${missing[*]} failed" "$INSTALL_LOG"
  APT_DID="${APT_DID:+$APT_DID }${missing[*]}"
}

java_bin() { if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then echo "$JAVA_HOME/bin/java"; else echo java; fi; }
java_major() { "$(java_bin)" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\(\.[^"]*\)\{0,1\}".*/\1/p' | head -n1; }
kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n1; }
kafka_pom_sum() { sha256sum "$KAFKA_POM" | cut -d' ' -f1; }
kafka_installed() { [[ -f $KAFKA_DIR/libs/.pom.sha256 && $(<"$KAFKA_DIR/libs/.pom.sha256") == "$(kafka_pom_sum)" ]]; }

install_kafka() {
  local t0 major pid tmp
  t0=$(now_ms)
  major=$(java_major || true)
  if [[ -z $major ]]; then
    apt_install openjdk-17-jre-headless
    major=$(java_major || true)
  fi
  [[ -n $major && $major -ge 17 ]] || die "kafka: needs Java 17 or newer, found '$("$(java_bin)" -version 2>&1 | head -n1)' (set JAVA_HOME)"
  if kafka_installed; then
    INSTALL_NOTE=""
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || apt_install maven
  # jars are about to change: never swap them under a running broker
  if pid=$(running_pid kafka); then stop_pid kafka "$pid"; fi
  mkdir -p "$KAFKA_DIR"
  tmp="$KAFKA_DIR/libs.tmp"
  rm -rf "$tmp"
  {
    echo "=== $(date -Is) mvn dependency:copy-dependencies (Kafka $(kafka_version))"
    mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp"
  } >>"$INSTALL_LOG" 2>&1 || die_log kafka "fetching the Kafka jars with Maven failed" "$INSTALL_LOG"
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die_log kafka "Maven ran but no kafka_2.13 jar arrived in $tmp" "$INSTALL_LOG"
  kafka_pom_sum >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_DIR/libs"
  mv "$tmp" "$KAFKA_DIR/libs"
  INSTALL_NOTE="installed Kafka $(kafka_version): $(find "$KAFKA_DIR/libs" -name '*.jar' | wc -l) jars, $(du -sh "$KAFKA_DIR/libs" | cut -f1) in $(secs_since "$t0")"
}
install_influxdb() {
  local t0
  t0=$(now_ms)
  INSTALL_NOTE="" APT_DID=""
  command -v influxd >/dev/null 2>&1 || apt_install influxdb
  command -v curl >/dev/null 2>&1 || apt_install curl
  command -v influxd >/dev/null 2>&1 || die_log influxdb "package influxdb installed but no influxd on PATH" "$INSTALL_LOG"
  [[ -z $APT_DID ]] || INSTALL_NOTE="apt-get installed $APT_DID in $(secs_since "$t0")"
}
install_mosquitto() {
  local t0
  t0=$(now_ms)
  INSTALL_NOTE="" APT_DID=""
  [[ -n $(mosquitto_bin) ]] || apt_install mosquitto
  if ! { command -v mosquitto_pub && command -v mosquitto_sub; } >/dev/null 2>&1; then apt_install mosquitto-clients; fi
  [[ -n $(mosquitto_bin) ]] || die_log mosquitto "package mosquitto installed but no mosquitto binary found" "$INSTALL_LOG"
  [[ -z $APT_DID ]] || INSTALL_NOTE="apt-get installed $APT_DID in $(secs_since "$t0")"
}
mosquitto_bin() { command -v mosquitto 2>/dev/null || { [[ -x /usr/sbin/mosquitto ]] && echo /usr/sbin/mosquitto; } || true; }

# --- Kafka ---------------------------------------------------------------------------------
kafka_write_config() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# generated by scripts/services.sh on every start — edit the script, not this file
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/data
# a single node: every internal topic has one replica
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
num.partitions=1
auto.create.topics.enable=$KAFKA_AUTO_CREATE_TOPICS
delete.topic.enable=true
# tests: no 3 s wait before the first consumer-group rebalance
group.initial.rebalance.delay.ms=0
# a 2-core machine shared with the tests
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$KAFKA_DIR/log4j2.properties" <<EOF
# generated by scripts/services.sh — broker logs go to logs/server.log (rolled at 20 MB)
status = warn
# keep logging while Kafka's own shutdown hook runs (the appender flushes every line)
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $KAFKA_DIR/logs/server.log
appender.file.filePattern = $KAFKA_DIR/logs/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
EOF
  cat >"$KAFKA_DIR/tools-log4j2.properties" <<'EOF'
# generated by scripts/services.sh — CLI tools: warnings and errors to stderr only
status = error
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
  cat >"$KAFKA_DIR/tools.properties" <<'EOF'
# generated by scripts/services.sh — admin client settings for the readiness check
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}
# kafka_java MAIN_CLASS ARGS... — a short-lived JVM on the broker's classpath (CLI tools)
kafka_java() {
  timeout "${KAFKA_TOOL_TIMEOUT:-0}" "$(java_bin)" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.properties" -cp "$KAFKA_DIR/libs/*" "$@"
}
kafka_format_if_needed() {
  [[ -f $KAFKA_DIR/data/meta.properties ]] && return 0
  local id
  if [[ -s $KAFKA_DIR/cluster.id ]]; then
    id=$(<"$KAFKA_DIR/cluster.id")
  else
    id=$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_DIR/logs/format.log") ||
      die_log kafka "could not generate a cluster id" "$KAFKA_DIR/logs/format.log"
    echo "$id" >"$KAFKA_DIR/cluster.id"
  fi
  kafka_java kafka.tools.StorageTool format --ignore-formatted -t "$id" -c "$KAFKA_DIR/server.properties" \
    >>"$KAFKA_DIR/logs/format.log" 2>&1 || die_log kafka "formatting the KRaft storage failed" "$KAFKA_DIR/logs/format.log"
}
kafka_launch() {
  require_free_port kafka "$KAFKA_PORT" ROADPULSE_TEST_KAFKA_PORT
  require_free_port kafka "$KAFKA_CONTROLLER_PORT" ROADPULSE_TEST_KAFKA_CONTROLLER_PORT
  kafka_write_config
  kafka_format_if_needed
  launch kafka "$KAFKA_DIR/logs/stdout.log" "$(java_bin)" \
    -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dkafka.logs.dir="$KAFKA_DIR/logs" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -cp "$KAFKA_DIR/libs/*" kafka.Kafka "$KAFKA_DIR/server.properties"
}
# ready = the broker answers the admin API and can create (or already has) a topic
kafka_check() {
  port_open "$KAFKA_PORT" || return 1
  KAFKA_TOOL_TIMEOUT=40 kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$KAFKA_PORT" \
    --command-config "$KAFKA_DIR/tools.properties" --create --if-not-exists \
    --topic "$KAFKA_HEALTH_TOPIC" --partitions 1 --replication-factor 1 >"$KAFKA_DIR/logs/check.log" 2>&1
}
kafka_ready() { kafka_check; }
kafka_logs() { echo "$KAFKA_DIR/logs/stdout.log" "$KAFKA_DIR/logs/server.log"; }
kafka_addr() { echo "$HOST:$KAFKA_PORT"; }

# --- InfluxDB ------------------------------------------------------------------------------
influx_write_config() {
  mkdir -p "$INFLUX_DIR/meta" "$INFLUX_DIR/data" "$INFLUX_DIR/wal"
  cat >"$INFLUX_DIR/influxdb.conf" <<EOF
# generated by scripts/services.sh on every start — edit the script, not this file
# no usage reports: Debian's build reads reporting-enabled, upstream 1.x reads reporting-disabled
reporting-enabled = false
reporting-disabled = true
bind-address = "$HOST:$INFLUX_RPC_PORT"

[meta]
  dir = "$INFLUX_DIR/meta"
  logging-enabled = false

[data]
  dir = "$INFLUX_DIR/data"
  wal-dir = "$INFLUX_DIR/wal"
  query-log-enabled = false
  cache-max-memory-size = "256m"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "$HOST:$INFLUX_PORT"
  auth-enabled = true
  log-enabled = false
  pprof-enabled = false
  max-body-size = 25000000

[logging]
  format = "logfmt"
  level = "warn"
  suppress-logo = true

[subscriber]
  enabled = false

[continuous_queries]
  log-enabled = false
EOF
}
influx_launch() {
  require_free_port influxdb "$INFLUX_PORT" ROADPULSE_TEST_INFLUX_PORT
  require_free_port influxdb "$INFLUX_RPC_PORT" ROADPULSE_TEST_INFLUX_RPC_PORT
  influx_write_config
  launch influxdb "$INFLUX_DIR/influxd.log" influxd run -config "$INFLUX_DIR/influxdb.conf"
}
# influx_query [--auth] QUERY — POST /query, prints the body, returns non-zero unless HTTP 200
influx_query() {
  local auth=()
  if [[ $1 == --auth ]]; then auth=(-u "$INFLUX_USER:$INFLUX_PASSWORD"); shift; fi
  local out code
  out=$(curl -sS -m 10 "${auth[@]}" -w '\n%{http_code}' -XPOST "http://$HOST:$INFLUX_PORT/query" \
    --data-urlencode "q=$1" 2>&1) || { printf '%s\n' "$out"; return 1; }
  code=${out##*$'\n'}
  printf '%s\n' "${out%$'\n'*}"
  [[ $code == 200 ]] && [[ ${out%$'\n'*} != *'"error"'* ]]
}
influx_ping() { [[ $(curl -s -o /dev/null -m 3 -w '%{http_code}' "http://$HOST:$INFLUX_PORT/ping" 2>/dev/null) == 204 ]]; }
influx_ready() { influx_ping; }   # then influx_setup logs in (or creates the admin) and queries
influx_check() { influx_ping && influx_query --auth 'SHOW DATABASES' >/dev/null 2>&1; }
ql_str() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\\\'}"; }   # InfluxQL string literal
ql_id() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }     # InfluxQL identifier
# first start: the admin user (only allowed unauthenticated while no user exists), then the DB
influx_setup() {
  local out
  if ! influx_query --auth 'SHOW DATABASES' >/dev/null 2>&1; then
    out=$(influx_query "CREATE USER $(ql_id "$INFLUX_USER") WITH PASSWORD $(ql_str "$INFLUX_PASSWORD") WITH ALL PRIVILEGES" 2>&1) ||
      die_log influxdb "cannot log in as '$INFLUX_USER' and cannot create that admin user ($out); the data in ${INFLUX_DIR#"$ROOT"/} has other users or another password — use the credentials it was made with (ROADPULSE_TEST_INFLUX_USER/PASSWORD) or wipe it with: bash $PROG clean influxdb" "$INFLUX_DIR/influxd.log"
  fi
  out=$(influx_query --auth "CREATE DATABASE $(ql_id "$INFLUX_DB")" 2>&1) ||
    die_log influxdb "CREATE DATABASE $INFLUX_DB failed: $out" "$INFLUX_DIR/influxd.log"
  out=$(influx_query --auth 'SHOW DATABASES' 2>&1) || true
  [[ $out == *"\"$INFLUX_DB\""* ]] ||
    die_log influxdb "database $INFLUX_DB not listed after CREATE DATABASE: $out" "$INFLUX_DIR/influxd.log"
}
influx_logs() { echo "$INFLUX_DIR/influxd.log"; }
influx_addr() { echo "http://$HOST:$INFLUX_PORT"; }

# --- Mosquitto -----------------------------------------------------------------------------
mqtt_write_config() {
  mkdir -p "$MQTT_DIR/data"
  cat >"$MQTT_DIR/mosquitto.conf" <<EOF
# generated by scripts/services.sh on every start — edit the script, not this file
# stay the user who started it (as root the default would switch to 'mosquitto', who cannot
# write under the work tree)
user $(id -un)
per_listener_settings false
listener $MQTT_PORT $HOST
allow_anonymous true
max_connections -1
set_tcp_nodelay true

persistence true
persistence_location $MQTT_DIR/data/
autosave_interval 60

# generous limits for load tests
max_inflight_messages 1000
max_queued_messages 100000
max_queued_bytes 0
max_keepalive 65535

log_dest stdout
log_type error
log_type warning
log_type notice
connection_messages false
log_timestamp true
log_timestamp_format %Y-%m-%dT%H:%M:%S
EOF
}
mqtt_launch() {
  require_free_port mosquitto "$MQTT_PORT" ROADPULSE_TEST_MQTT_PORT
  mqtt_write_config
  launch mosquitto "$MQTT_DIR/mosquitto.log" "$(mosquitto_bin)" -c "$MQTT_DIR/mosquitto.conf"
}
# ready = a retained QoS 1 message published on a private topic comes back to a subscriber
mqtt_check() {
  port_open "$MQTT_PORT" || return 1
  local topic="roadpulse/_healthcheck/$$-$RANDOM" payload="ping-$RANDOM" got rc=0
  mosquitto_pub -h "$HOST" -p "$MQTT_PORT" -q 1 -r -t "$topic" -m "$payload" >/dev/null 2>&1 || return 1
  got=$(mosquitto_sub -h "$HOST" -p "$MQTT_PORT" -q 1 -t "$topic" -C 1 -W 5 2>/dev/null) || rc=1
  mosquitto_pub -h "$HOST" -p "$MQTT_PORT" -q 1 -r -n -t "$topic" >/dev/null 2>&1 || true  # clear it
  ((rc == 0)) && [[ $got == "$payload" ]]
}
mqtt_ready() { mqtt_check; }
mqtt_logs() { echo "$MQTT_DIR/mosquitto.log"; }
mqtt_addr() { echo "mqtt://$HOST:$MQTT_PORT"; }

# --- dispatch per service ------------------------------------------------------------------
fn() {   # fn SERVICE ACTION — name of the function that does ACTION for SERVICE
  case $1 in kafka) echo "kafka_$2" ;; influxdb) echo "influx_$2" ;; mosquitto) echo "mqtt_$2" ;; esac
}

wait_ready() {   # wait_ready SERVICE LAUNCHED(0/1)
  local svc=$1 launched=$2 deadline pid logs
  deadline=$(($(now_ms) + START_TIMEOUT * 1000))
  read -r -a logs <<<"$("$(fn "$svc" logs)")"
  while :; do
    if ! pid=$(running_pid "$svc"); then
      die_log "$svc" "exited during start-up" "${logs[@]}"
    fi
    if "$(fn "$svc" ready)"; then return 0; fi
    if (($(now_ms) > deadline)); then
      local extra=()
      [[ $svc == kafka && -s $KAFKA_DIR/logs/check.log ]] && extra=("$KAFKA_DIR/logs/check.log")
      if ((launched)); then stop_pid "$svc" "$pid"; fi
      die_log "$svc" "not ready after ${START_TIMEOUT}s (ROADPULSE_SERVICES_TIMEOUT)$( ((launched)) && echo '; stopped it again')" "${logs[@]}" "${extra[@]}"
    fi
    sleep 0.3
  done
}

cmd_install() {
  local svc
  for svc in "$@"; do
    INSTALL_NOTE=""
    "install_$svc"
    line "$svc" "${INSTALL_NOTE:-installed (nothing to do)}"
  done
}

cmd_start() {
  local svc pid notes=() launched=() t0=() i=0
  # 1. install + launch everything that is not running, so the JVM and the others boot in parallel
  for svc in "$@"; do
    INSTALL_NOTE=""
    "install_$svc"
    notes[i]=$INSTALL_NOTE
    t0[i]=$(now_ms)
    if pid=$(running_pid "$svc"); then
      launched[i]=0
    else
      "$(fn "$svc" launch)"
      launched[i]=1
    fi
    i=$((i + 1))
  done
  # 2. wait until each one really works — quickest first, so each reported time is its own
  local -A out=()
  local order=() k
  for k in mosquitto influxdb kafka; do [[ " $* " == *" $k "* ]] && order+=("$k"); done
  for svc in "${order[@]}"; do
    i=0
    for k in "$@"; do [[ $k == "$svc" ]] && break; i=$((i + 1)); done
    wait_ready "$svc" "${launched[i]}"
    [[ $svc == influxdb ]] && influx_setup
    pid=$(running_pid "$svc")
    if ((launched[i])); then
      out[$svc]="ready    $("$(fn "$svc" addr)")  (pid $pid, started in $(secs_since "${t0[i]}")${notes[i]:+; ${notes[i]}})"
    else
      out[$svc]="ready    $("$(fn "$svc" addr)")  (already running, pid $pid${notes[i]:+; ${notes[i]}})"
    fi
  done
  for svc in "$@"; do line "$svc" "${out[$svc]}"; done
}

cmd_stop() {
  local svc pid
  for svc in "$@"; do
    if pid=$(running_pid "$svc"); then
      stop_pid "$svc" "$pid"
      line "$svc" "stopped  (pid $pid, in $STOPPED_IN)"
    else
      line "$svc" "stopped  (was not running)"
    fi
  done
}

cmd_status() {
  local svc pid rc=0
  for svc in "$@"; do
    if pid=$(running_pid "$svc"); then
      if "$(fn "$svc" check)" >/dev/null 2>&1; then
        line "$svc" "running  $("$(fn "$svc" addr)")  pid $pid, healthy"
      else
        line "$svc" "running  $("$(fn "$svc" addr)")  pid $pid, NOT ready (logs: $("$(fn "$svc" logs)" | sed "s|$ROOT/||g"))"
        rc=3
      fi
    else
      line "$svc" "stopped"
      rc=3
    fi
  done
  return "$rc"
}

cmd_env() {
  local svc
  for svc in "$@"; do
    case $svc in
      kafka)
        printf 'export ROADPULSE_TEST_KAFKA_BROKERS=%q\n' "$HOST:$KAFKA_PORT" ;;
      influxdb)
        printf 'export ROADPULSE_TEST_INFLUX_URL=%q\n' "http://$HOST:$INFLUX_PORT"
        printf 'export ROADPULSE_TEST_INFLUX_DB=%q\n' "$INFLUX_DB"
        printf 'export ROADPULSE_TEST_INFLUX_USER=%q\n' "$INFLUX_USER"
        printf 'export ROADPULSE_TEST_INFLUX_PASSWORD=%q\n' "$INFLUX_PASSWORD" ;;
      mosquitto)
        printf 'export ROADPULSE_TEST_MQTT_URL=%q\n' "mqtt://$HOST:$MQTT_PORT" ;;
    esac
  done
}

cmd_clean() {
  local svc pid
  for svc in "$@"; do
    if pid=$(running_pid "$svc"); then stop_pid "$svc" "$pid"; fi
    case $svc in
      kafka) rm -rf "$KAFKA_DIR/data" "$KAFKA_DIR/cluster.id" "$KAFKA_DIR/logs" ;;
      influxdb) rm -rf "$INFLUX_DIR" ;;
      mosquitto) rm -rf "$MQTT_DIR" ;;
    esac
    line "$svc" "cleaned  (stopped; data and logs deleted)"
  done
}

cmd_kafka_tool() {
  (($#)) || die "usage: $PROG kafka-tool TOOL [ARGS...]  (TOOL: topics, console-producer, console-consumer, consumer-groups, or a class name)"
  local tool=$1 class
  shift
  case $tool in
    topics) class=org.apache.kafka.tools.TopicCommand ;;
    console-producer) class=org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer) class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    consumer-groups) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    *.*) class=$tool ;;
    *) die "unknown Kafka tool '$tool' (topics, console-producer, console-consumer, consumer-groups, or a class name)" ;;
  esac
  kafka_installed || die "kafka is not installed: run 'bash $PROG install kafka' first"
  [[ -f $KAFKA_DIR/tools-log4j2.properties ]] || kafka_write_config
  # --bootstrap-server defaults to the test broker
  local args=("$@")
  [[ " ${args[*]} " == *" --bootstrap-server "* ]] || args=(--bootstrap-server "$HOST:$KAFKA_PORT" "${args[@]}")
  exec "$(java_bin)" -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.properties" -cp "$KAFKA_DIR/libs/*" "$class" "${args[@]}"
}

# --- main ----------------------------------------------------------------------------------
main() {
  (($#)) || { usage >&2; exit 2; }
  local cmd=$1
  shift
  case $cmd in
    -h | --help | help) usage; return 0 ;;
    kafka-tool) cmd_kafka_tool "$@" ;;
    install | start | stop | status | env | clean) ;;
    *) usage >&2; exit 2 ;;
  esac
  local services=() s
  for s in "$@"; do
    case $s in
      kafka | influxdb | mosquitto) services+=("$s") ;;
      influx) services+=(influxdb) ;;
      mqtt) services+=(mosquitto) ;;
      *) die "unknown service '$s' (known: ${ALL_SERVICES[*]})" ;;
    esac
  done
  ((${#services[@]})) || services=("${ALL_SERVICES[@]}")
  # keep a fixed order whatever the command line said
  local ordered=()
  for s in "${ALL_SERVICES[@]}"; do [[ " ${services[*]} " == *" $s "* ]] && ordered+=("$s"); done

  case $cmd in
    env) cmd_env "${ordered[@]}"; return 0 ;;
    status) cmd_status "${ordered[@]}"; return ;;
  esac
  mkdir -p "$SVC_DIR"
  # one writer at a time: a second 'start' waits for the first instead of racing it
  exec 9>"$SVC_DIR/.lock"
  flock -w 900 9 || die "another $PROG is still running after 15 minutes (lock $SVC_DIR/.lock)"
  "cmd_$cmd" "${ordered[@]}"
}

main "$@"
