#!/usr/bin/env bash
# Starts (or stops) the real servers the integration tests use: PostgreSQL 15
# (the Debian binaries, run as user postgres) and MinIO (built from source once
# and cached) with its NATS/JetStream notification target. Writes the
# addresses to $DRIVEMON_TESTENV/env, which `make test` sources.
#
#   scripts/testenv.sh start    start both (idempotent), print the env file
#   scripts/testenv.sh stop     stop both
#
# MinIO has two NATS/JetStream notification targets, both on
# 127.0.0.1:$MINIO_NATS_PORT (the tests that check notifications start an
# embedded JetStream server on that port), as deploy/README.md recommends:
#   FAST     no queue directory, subject raw.s3.fast: sent at once
#            (milliseconds), lost while NATS is unreachable;
#   DURABLE  a queue directory, subject raw.s3.durable: kept through NATS
#            outages, replayed on MinIO's fixed 3 s tick.
# A bucket set to notify both gets every event twice; the detector keeps
# the first copy.
set -euo pipefail

ROOT=${DRIVEMON_TESTENV:-/tmp/drivemon-testenv}
CACHE=${DRIVEMON_CACHE:-$HOME/.cache/drivemon}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-15432}
MINIO_PORT=${MINIO_PORT:-19000}
MINIO_NATS_PORT=${MINIO_NATS_PORT:-14222}
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_USER=drivemon
MINIO_PASSWORD=drivemon-secret

log() { echo "testenv: $*" >&2; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds what
  for _ in $(seq 1 $(( $2 * 10 ))); do port_busy "$1" && return 0; sleep 0.1; done
  log "$3 did not listen on port $1 within $2 s"; return 1
}

start_pg() {
  local dir=$ROOT/pg
  if port_busy "$PG_PORT"; then log "PostgreSQL already on $PG_PORT"; return; fi
  [ -x "$PG_BIN/initdb" ] || { log "no PostgreSQL binaries in $PG_BIN"; return 1; }
  mkdir -p "$dir"; chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  log "PostgreSQL on 127.0.0.1:$PG_PORT"
}

minio_bin() {
  local bin=$CACHE/bin/minio
  if [ ! -x "$bin" ]; then
    log "building MinIO $MINIO_VERSION (about 3 minutes, once; cached in $CACHE)"
    mkdir -p "$CACHE/bin"
    (cd /tmp && GOBIN=$CACHE/bin GOFLAGS=-mod=mod GOWORK=off go install "github.com/minio/minio@$MINIO_VERSION") >&2
  fi
  echo "$bin"
}

# The notification targets, written to $ROOT/minio/targets when MinIO is
# started, so that the env file describes the running server (a MinIO
# started by an older version of this script had one target, DRIVEMON, on
# raw.s3).
TARGETS="FAST=arn:minio:sqs::FAST:nats DURABLE=arn:minio:sqs::DURABLE:nats"
LEGACY_TARGETS="DRIVEMON=arn:minio:sqs::DRIVEMON:nats"

start_minio() {
  local dir=$ROOT/minio bin
  if port_busy "$MINIO_PORT"; then
    log "MinIO already on $MINIO_PORT"
    if [ "$(running_targets)" != "$TARGETS" ]; then
      log "it runs older notification targets ($(running_targets)); '$0 stop; $0 start' restarts it with $TARGETS"
    fi
    return
  fi
  bin=$(minio_bin)
  mkdir -p "$dir/data" "$dir/queue"
  MINIO_NOTIFY_NATS_ENABLE_FAST=on \
  MINIO_NOTIFY_NATS_ADDRESS_FAST=127.0.0.1:$MINIO_NATS_PORT \
  MINIO_NOTIFY_NATS_SUBJECT_FAST=raw.s3.fast \
  MINIO_NOTIFY_NATS_JETSTREAM_FAST=on \
  MINIO_NOTIFY_NATS_ENABLE_DURABLE=on \
  MINIO_NOTIFY_NATS_ADDRESS_DURABLE=127.0.0.1:$MINIO_NATS_PORT \
  MINIO_NOTIFY_NATS_SUBJECT_DURABLE=raw.s3.durable \
  MINIO_NOTIFY_NATS_JETSTREAM_DURABLE=on \
  MINIO_NOTIFY_NATS_QUEUE_DIR_DURABLE="$dir/queue" \
  MINIO_NOTIFY_NATS_QUEUE_LIMIT_DURABLE=100000 \
  MINIO_ROOT_USER=$MINIO_USER MINIO_ROOT_PASSWORD=$MINIO_PASSWORD \
  MINIO_BROWSER=off MINIO_UPDATE=off \
    setsid "$bin" server "$dir/data" --address "127.0.0.1:$MINIO_PORT" --quiet >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  echo "$TARGETS" >"$dir/targets"
  wait_port "$MINIO_PORT" 60 MinIO || { cat "$dir/server.log" >&2; return 1; }
  log "MinIO on 127.0.0.1:$MINIO_PORT (notifications to NATS 127.0.0.1:$MINIO_NATS_PORT: FAST on raw.s3.fast, DURABLE on raw.s3.durable)"
}

running_targets() {
  if [ -f "$ROOT/minio/targets" ]; then cat "$ROOT/minio/targets"; else echo "$LEGACY_TARGETS"; fi
}

write_env() {
  local arns="" fast="" durable="" t
  for t in $(running_targets); do
    arns=${arns:+$arns,}${t#*=}
    case $t in FAST=*) fast=${t#*=} ;; DURABLE=*) durable=${t#*=} ;; esac
  done
  cat >"$ROOT/env" <<ENV
export DRIVEMON_TEST_PG_DSN=postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable
export DRIVEMON_TEST_S3_ENDPOINT=127.0.0.1:$MINIO_PORT
export DRIVEMON_TEST_S3_ACCESS_KEY=$MINIO_USER
export DRIVEMON_TEST_S3_SECRET_KEY=$MINIO_PASSWORD
export DRIVEMON_TEST_S3_NATS_ADDR=127.0.0.1:$MINIO_NATS_PORT
export DRIVEMON_TEST_S3_NOTIFY_ARN=$arns
export DRIVEMON_TEST_S3_NOTIFY_ARN_FAST=$fast
export DRIVEMON_TEST_S3_NOTIFY_ARN_DURABLE=$durable
export DRIVEMON_TEST_S3_NOTIFY_SUBJECT=raw.s3
ENV
  cat "$ROOT/env"
}

stop_all() {
  if [ -f "$ROOT/minio/pid" ]; then
    local pid; pid=$(cat "$ROOT/minio/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$ROOT/minio/pid" "$ROOT/minio/targets"
  fi
  if [ -f "$ROOT/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$ROOT/pg/data" -m fast stop >/dev/null 2>&1 || true
  fi
  log "stopped"
}

mkdir -p "$ROOT"
case "${1:-start}" in
  start) start_pg; start_minio; write_env ;;
  stop) stop_all ;;
  env) cat "$ROOT/env" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
