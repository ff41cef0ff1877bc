#!/usr/bin/env bash
# Local stack for development and tests: PostgreSQL 15, Redis 7 and Elasticsearch 8 core on 127.0.0.1.
# Usage: scripts/stack.sh up|down|status
# Installs what is missing (Debian packages, the Elasticsearch zip from Maven Central), keeps all
# data under $STACK_DIR (default: .stack in the project) and is safe to run repeatedly. Long steps
# show their progress on stderr (scripts/progress.sh). Each service runs in a session of its own,
# so it outlives the terminal or process group (`npm start`, Ctrl-C) that started it.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${STACK_DIR:-$PROJECT_DIR/.stack}"
STACK_USER="${STACK_USER:-alertgate}"
PG_PORT="${PG_PORT:-55432}"
REDIS_PORT="${REDIS_PORT:-56379}"
ES_PORT="${ES_PORT:-59200}"
ES_VERSION="${ES_VERSION:-8.19.21}"
PG_BIN="/usr/lib/postgresql/15/bin"
ES_HOME="$STACK_DIR/elasticsearch-$ES_VERSION"
MAVEN_REPO="${MAVEN_REPO:-$HOME/.m2/repository}"
# shellcheck source=scripts/progress.sh
source "$PROJECT_DIR/scripts/progress.sh"

log() { printf 'stack: %s\n' "$*" >&2; }
fail() { printf 'stack: ERROR: %s\n' "$*" >&2; exit 1; }
as_user() { runuser -u "$STACK_USER" -- "$@"; }

ensure_packages() {
  local missing=()
  [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15 postgresql-contrib)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -n "$(java_home)" ] || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v unzip >/dev/null || missing+=(unzip)
  command -v curl >/dev/null || missing+=(curl)
  # Headless browser for the admin page's end-to-end test (test/e2e).
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # Real Prometheus and Alertmanager for the Alertmanager API's end-to-end test (test/e2e).
  [ -x /usr/bin/prometheus ] || missing+=(prometheus)
  [ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  APT_STATUS="$(mktemp)"
  run_step "apt-get update" apt_detail apt-get update -q -o APT::Status-Fd=3 3>"$APT_STATUS" \
    || fail "apt-get update failed"
  run_step "apt-get install" apt_detail without_service_starts \
    apt-get install -y -q --no-install-recommends -o APT::Status-Fd=3 "${missing[@]}" 3>"$APT_STATUS" \
    || fail "could not install ${missing[*]}"
  rm -f "$APT_STATUS"
}

# apt's machine-readable progress (APT::Status-Fd): "dlstatus:<n>:<percent>:Retrieving file 3 of 40"
# while downloading, "pmstatus:<package>:<percent>:Unpacking <package> (…)" while installing.
apt_detail() {
  local kind percent message
  IFS=: read -r kind _ percent message < <(tail -n 1 "$APT_STATUS") || return 0
  case "$kind" in
    dlstatus) printf 'downloading %s%% (%s)' "${percent%%.*}" "$message" ;;
    pmstatus) printf 'installing %s%% (%s)' "${percent%%.*}" "$message" ;;
  esac
}

# Runs a command while Debian's maintainer scripts may not start services: the packages' own
# daemons (PostgreSQL on 5432, Prometheus on 9090, Alertmanager on 9093, …) are not wanted, since
# the stack and the tests run their own. An existing policy is left as it is.
without_service_starts() {
  local policy=/usr/sbin/policy-rc.d
  if [ -e "$policy" ]; then
    "$@"
    return
  fi
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  local code=0
  "$@" || code=$?
  rm -f "$policy"
  return "$code"
}

java_home() {
  local dir
  for dir in /usr/lib/jvm/java-17-openjdk-*; do
    [ -x "$dir/bin/java" ] && { echo "$dir"; return; }
  done
}

ensure_user() {
  id -u "$STACK_USER" >/dev/null 2>&1 && return
  log "creating system user $STACK_USER (PostgreSQL and Elasticsearch refuse to run as root)"
  useradd --system --no-create-home --shell /usr/sbin/nologin "$STACK_USER"
}

ensure_stack_dir() {
  mkdir -p "$STACK_DIR"
  chown "$STACK_USER" "$STACK_DIR"
  as_user test -w "$STACK_DIR" || fail "$STACK_DIR is not reachable by user $STACK_USER; set STACK_DIR to a directory it can write"
}

# --- PostgreSQL ---------------------------------------------------------------------------------
pg_data() { echo "$STACK_DIR/postgres"; }

pg_up() {
  local data
  data="$(pg_data)"
  if pg_status; then
    pg_ensure_database
    return
  fi
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data" && chown "$STACK_USER" "$data" && chmod 700 "$data"
    run_step "initializing PostgreSQL cluster in $data" - \
      as_user "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      || fail "initdb failed for $data"
  fi
  if ! as_user "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    run_step "starting PostgreSQL on 127.0.0.1:$PG_PORT" - \
      as_user setsid --wait "$PG_BIN/pg_ctl" -D "$data" -l "$STACK_DIR/postgres.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $data -c max_connections=300 -c shared_buffers=512MB -c synchronous_commit=on -c default_toast_compression=lz4" \
      || fail "PostgreSQL did not start; see $STACK_DIR/postgres.log"
  fi
  "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -t 30 >/dev/null || fail "PostgreSQL is not ready; see $STACK_DIR/postgres.log"
  pg_ensure_database
}

pg_ensure_database() {
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='alertgate'")" != 1 ]; then
    "${psql[@]}" -c "create role alertgate login password 'alertgate' createdb" >/dev/null
  fi
  if [ "$("${psql[@]}" -c "select 1 from pg_database where datname='alertgate'")" != 1 ]; then
    "${psql[@]}" -c "create database alertgate owner alertgate" >/dev/null
  fi
}

pg_down() {
  [ -s "$(pg_data)/PG_VERSION" ] || return 0
  as_user "$PG_BIN/pg_ctl" -D "$(pg_data)" status >/dev/null 2>&1 || return 0
  log "stopping PostgreSQL"
  as_user "$PG_BIN/pg_ctl" -D "$(pg_data)" -m fast -w stop >/dev/null
}

pg_status() { "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

# --- Redis --------------------------------------------------------------------------------------
redis_up() {
  if redis_status; then return; fi
  log "starting Redis on 127.0.0.1:$REDIS_PORT (AOF, appendfsync everysec)"
  mkdir -p "$STACK_DIR/redis" && chown "$STACK_USER" "$STACK_DIR/redis"
  as_user setsid --wait redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$STACK_DIR/redis" \
    --appendonly yes --appendfsync everysec --save '' --maxmemory-policy noeviction \
    --daemonize yes --pidfile "$STACK_DIR/redis/redis.pid" --logfile "$STACK_DIR/redis.log"
  local i
  for i in $(seq 1 50); do redis_status && return; sleep 0.2; done
  fail "Redis did not answer PING; see $STACK_DIR/redis.log"
}

redis_down() {
  redis_status || return 0
  log "stopping Redis"
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
}

redis_status() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

# --- Elasticsearch ------------------------------------------------------------------------------
ES_ARTIFACT_PATH="org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION"

es_install() {
  [ -x "$ES_HOME/bin/elasticsearch" ] && return
  local artifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
  # The size Maven Central announces, for "x of y MB"; left out when it cannot be asked.
  ES_ZIP_BYTES="$(curl -fsSI --max-time 5 "https://repo.maven.apache.org/maven2/$ES_ARTIFACT_PATH/elasticsearch-$ES_VERSION.zip" 2>/dev/null \
    | awk 'tolower($1) == "content-length:" { print $2 + 0 }')" || ES_ZIP_BYTES=""
  mkdir -p "$STACK_DIR/downloads"
  log "fetching $artifact"
  run_step "downloading Elasticsearch $ES_VERSION from Maven Central" es_download_detail es_fetch "$artifact" \
    || fail "could not fetch $artifact with Maven"
  run_step "unpacking Elasticsearch" es_unpack_detail \
    unzip -q -o "$STACK_DIR/downloads/elasticsearch-$ES_VERSION.zip" -d "$STACK_DIR" \
    || fail "could not unpack $STACK_DIR/downloads/elasticsearch-$ES_VERSION.zip"
  chown -R "$STACK_USER" "$ES_HOME"
}

# Maven in batch mode without colours; Maven 3.8 still writes stray ESC[0m resets, removed here so
# its output (shown when it fails) is plain text.
es_fetch() {
  mvn -B -Dstyle.color=never dependency:copy -Dartifact="$1" -DoutputDirectory="$STACK_DIR/downloads" 2>&1 \
    | sed 's/\x1b\[[0-9;]*m//g'
}

# Bytes of the zip in Maven's local repository so far (Maven downloads it there, then copies it);
# before the first byte, Maven is still starting and resolving its dependency plugin.
es_download_detail() {
  local sizes bytes
  sizes="$(find "$MAVEN_REPO/$ES_ARTIFACT_PATH" -maxdepth 1 -name "elasticsearch-$ES_VERSION.zip*" ! -name '*.sha1' \
    -printf '%s\n' 2>/dev/null)"
  if [ -z "$sizes" ]; then
    printf 'Maven starting'
    return
  fi
  bytes="$(awk '{ sum += $1 } END { print sum + 0 }' <<<"$sizes")"
  printf '%s' "$(megabytes "$bytes")"
  if [ -n "${ES_ZIP_BYTES:-}" ]; then printf ' of %s' "$(megabytes "$ES_ZIP_BYTES")"; fi
}

es_unpack_detail() { printf '%s written' "$(megabytes "$(du -sb "$ES_HOME" 2>/dev/null | cut -f1)")"; }

es_up() {
  if es_status; then return; fi
  es_install
  mkdir -p "$STACK_DIR/es-data" "$STACK_DIR/es-logs"
  chown "$STACK_USER" "$STACK_DIR/es-data" "$STACK_DIR/es-logs"
  run_step "starting Elasticsearch $ES_VERSION on 127.0.0.1:$ES_PORT" es_start_detail es_start
}

es_start() {
  as_user env ES_JAVA_HOME="$(java_home)" ES_JAVA_OPTS="${ES_JAVA_OPTS:--Xms512m -Xmx512m}" \
  setsid --wait "$ES_HOME/bin/elasticsearch" -d -p "$STACK_DIR/es.pid" \
    -E discovery.type=single-node -E network.host=127.0.0.1 -E http.port="$ES_PORT" \
    -E xpack.security.enabled=false -E path.data="$STACK_DIR/es-data" -E path.logs="$STACK_DIR/es-logs" \
    -E cluster.routing.allocation.disk.threshold_enabled=false \
    >"$STACK_DIR/es-start.log" 2>&1 || fail "Elasticsearch did not start; see $STACK_DIR/es-start.log and $STACK_DIR/es-logs"
  local i
  for i in $(seq 1 120); do es_status && return; sleep 1; done
  fail "Elasticsearch did not reach yellow within 120 s; see $STACK_DIR/es-logs"
}

es_start_detail() {
  if curl -fsS --max-time 1 "http://127.0.0.1:$ES_PORT/" >/dev/null 2>&1; then
    echo 'node answering, waiting for cluster health yellow'
  else
    echo 'node starting (JVM, plugins, cluster state)'
  fi
}

es_down() {
  [ -s "$STACK_DIR/es.pid" ] || return 0
  local pid
  pid="$(cat "$STACK_DIR/es.pid")"
  kill -0 "$pid" 2>/dev/null || return 0
  log "stopping Elasticsearch"
  kill "$pid"
  local i
  for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

es_status() {
  curl -fsS --max-time 5 "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=3s" >/dev/null 2>&1
}

# --- commands -----------------------------------------------------------------------------------
print_urls() {
  cat <<EOF
DATABASE_URL=postgres://alertgate:alertgate@127.0.0.1:$PG_PORT/alertgate
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
ELASTICSEARCH_URL=http://127.0.0.1:$ES_PORT
EOF
}

case "${1:-}" in
  up)
    [ "$(id -u)" = 0 ] || { pg_status && redis_status && es_status && print_urls && exit 0; fail "run as root to install and start the stack"; }
    ensure_packages
    ensure_user
    ensure_stack_dir
    pg_up
    redis_up
    es_up
    print_urls
    ;;
  down)
    es_down
    redis_down
    pg_down
    ;;
  status)
    code=0
    if pg_status; then echo "postgres: up (127.0.0.1:$PG_PORT)"; else echo "postgres: down (log $STACK_DIR/postgres.log)"; code=1; fi
    if redis_status; then echo "redis: up (127.0.0.1:$REDIS_PORT)"; else echo "redis: down (log $STACK_DIR/redis.log)"; code=1; fi
    if es_status; then echo "elasticsearch: up (127.0.0.1:$ES_PORT)"; else echo "elasticsearch: down (logs $STACK_DIR/es-logs)"; code=1; fi
    exit "$code"
    ;;
  env) print_urls ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
