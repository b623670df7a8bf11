#!/usr/bin/env bash
# compose-test.sh - boots deploy/compose/docker-compose.yml for real and
# checks it from outside; .ci/run calls it after `make test`.
#
#   1. Docker: starts a daemon as ../shared/tools/compose-standins/README.md
#      shows, unless one answers (apt-get installs docker.io, docker-compose,
#      debootstrap and busybox-static when missing).
#   2. Images: the stand-ins of the official images (standins.sh, beside
#      this repository in ../shared) tagged as the pins of the compose file
#      and the Dockerfiles; Qdrant's stand-in from internal/qdrantfake
#      (deploy/docker/qdrant-standin.Dockerfile); the five service images.
#      MinIO: not deploy/docker/minio.Dockerfile (building MinIO takes 3-8
#      minutes, over the budget) but the stand-in built from the binary
#      scripts/testenv.sh built (~/.cache/drivemon/bin/minio, the same
#      MinIO version as the pin) with the pinned mc, checked by its labels
#      and tagged drivemon/minio:<pin>.
#   3. The stack on free host ports, every container healthy, then the
#      checks of test/reliability/compose (go test -tags compose): a .bas,
#      a KB document and a CSS file produce a tool on both compilers, a
#      search hit on both indexers (one Qdrant index), a theme.css event on
#      both themers; 200 uploads with a compiler and an indexer killed in
#      the middle all end compiled/indexed at the bucket's ETag, DEAD
#      empty; `restart nats` recovers; `up -d` again keeps an edited
#      object; then `down -v` must leave no container, volume or network.
# Each check prints PASS or FAIL with what it saw; any FAIL exits non-zero.
# On exit the logs of failing services are printed and the stack removed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STANDINS=${STANDINS_DIR:-$ROOT/../shared/tools/compose-standins}
PROJECT=${COMPOSE_TEST_PROJECT:-drivemonct}
DOCKER_ROOT=${COMPOSE_TEST_DOCKER_ROOT:-/var/lib/drivemon-compose-test}
FILES=("$ROOT/deploy/compose/docker-compose.yml" "$STANDINS/compose.offline-build.yml")
MINIO_PIN=drivemon/minio:20260212-7aac2a2
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c # scripts/testenv.sh's
MC_VERSION=v0.0.0-20251106162529-77f82e18b540    # deploy/docker/minio.Dockerfile's
NICE=(nice -n 15)
# docker-compose 1.29 builds through the API (classic builder): the
# Dockerfiles need no BuildKit, and the builds take the host's network.
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 DEBIAN_FRONTEND=noninteractive

t0=$(date +%s)
say() { echo "compose-test [$(($(date +%s) - t0))s] $*"; }
die() { say "FAIL $*"; exit 1; }
DC=(docker-compose -p "$PROJECT")
for f in "${FILES[@]}"; do DC+=(-f "$f"); done
dc() { "${DC[@]}" "$@"; }
failed=0
stack_up=0
dockerd_pid=

cleanup() {
  local rc=$?
  if [ "$stack_up" = 1 ]; then
    if [ $rc != 0 ] || [ $failed != 0 ]; then
      local bad
      bad=$(unhealthy_services)
      [ -n "$bad" ] || bad="detector compiler indexer themer files"
      say "logs of $bad:"
      dc logs --no-color --tail=60 $bad 2>&1 || true
    fi
    dc down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  if [ -n "$dockerd_pid" ]; then kill "$dockerd_pid" 2>/dev/null || true; fi
  say "done in $(($(date +%s) - t0)) s (exit $rc)"
}
trap cleanup EXIT

# ---- 1. Docker ------------------------------------------------------------
[ -d "$STANDINS" ] || die "no stand-ins at $STANDINS: the compose test needs ../shared/tools/compose-standins beside the repository (set STANDINS_DIR)"
need=()
for c in docker:docker.io docker-compose:docker-compose debootstrap:debootstrap; do
  command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c#*:}")
done
[ -x /bin/busybox ] || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  mkdir -p "$DOCKER_ROOT"
  say "starting dockerd (data root $DOCKER_ROOT/data, log $DOCKER_ROOT/dockerd.log)"
  dockerd --iptables=false --bridge=none --storage-driver=vfs --data-root "$DOCKER_ROOT/data" \
    --exec-root "$DOCKER_ROOT/exec" >"$DOCKER_ROOT/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 "$DOCKER_ROOT/dockerd.log"; die "dockerd did not answer in 60 s"; }
fi
say "docker $(docker version -f '{{.Server.Version}}'), $(docker-compose version --short)"

# ---- 2. Images ------------------------------------------------------------
say "stand-ins (standins.sh all)"
NATS_VERSION=v2.15.2 MC_VERSION=$MC_VERSION MINIO_VERSION=$MINIO_VERSION "$STANDINS/standins.sh" all
retag() { # FROM TO [LABEL VALUE]: tag a stand-in as a pin, after checking its label
  if [ $# = 4 ]; then
    local have
    have=$(docker image inspect -f "{{index .Config.Labels \"$3\"}}" "$1")
    [ "$have" = "$4" ] || die "stand-in $1 has $3=$have, not $4: it cannot stand for $2"
  fi
  docker tag "$1" "$2"
}
retag nats:2.11-alpine nats:2.15.2-alpine standin.nats-server v2.15.2
retag postgres:15-alpine postgres:15.18-alpine # Debian bookworm's postgresql-15
retag golang:1.26-bookworm golang:1.26.8-bookworm standin.go 1.26.8
retag drivemon-standin/busybox:latest busybox:1.37.0 # the host's busybox-static
retag minio/minio:latest "$MINIO_PIN" standin.minio "$MINIO_VERSION"
retag minio/minio:latest "$MINIO_PIN" standin.mc "$MC_VERSION"

say "the five service images (one go build, in the layer cache for the next)"
"${NICE[@]}" "${DC[@]}" build -q detector compiler indexer themer files

say "qdrant/qdrant:v1.13.6 from internal/qdrantfake (the same build step)"
"${NICE[@]}" docker build -q --network host -f deploy/docker/qdrant-standin.Dockerfile \
  -t qdrant/qdrant:v1.13.6 . >/tmp/compose-test-build.log 2>&1 ||
  { cat /tmp/compose-test-build.log; die "docker build of the Qdrant stand-in"; }
# ---- 3. The stack ---------------------------------------------------------
# Host ports: the first block of 40 free ones from 31000 (others on this
# machine hold 4222, 9000, 8080, 14222, 15432, 19000...).
port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }
base=
for b in $(seq 31000 100 39000); do
  ok=1
  for p in $(seq "$b" $((b + 39))); do port_free "$p" || { ok=0; break; }; done
  [ $ok = 1 ] && { base=$b; break; }
done
[ -n "$base" ] || die "no block of 40 free host ports in 31000-39039"
export NATS_HOST_PORT=$base NATS_MONITOR_HOST_PORT=$((base + 1)) \
  MINIO_HOST_PORT=$((base + 2)) MINIO_CONSOLE_HOST_PORT=$((base + 3)) \
  QDRANT_HOST_PORT=$((base + 4)) DETECTOR_HOST_PORT=$((base + 5)) FILES_HOST_PORT=$((base + 6)) \
  COMPILER_HOST_PORTS=$((base + 10))-$((base + 11)) INDEXER_HOST_PORTS=$((base + 20))-$((base + 21)) \
  THEMER_HOST_PORTS=$((base + 30))-$((base + 31))
say "host ports from $base"

# unhealthy_services: services with a container that is not running
# healthy (init: not exited 0).
unhealthy_services() {
  docker ps -a --filter "label=com.docker.compose.project=$PROJECT" -q | xargs -r docker inspect -f \
    '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' |
    awk '$1 == "init" { if (!($2 == "exited" && $3 == 0)) print $1; next } $4 != "healthy" { print $1 }' | sort -u | tr '\n' ' '
}

dc down -v --remove-orphans >/dev/null 2>&1 || true # a previous run's leftovers
stack_up=1
say "up -d"
dc up -d
want=13 # nats minio init postgres qdrant detector files, compiler indexer themer twice
t_up=$(date +%s)
while :; do
  n=$(docker ps -a -q --filter "label=com.docker.compose.project=$PROJECT" | wc -l)
  bad=$(unhealthy_services)
  [ "$n" = $want ] && [ -z "$bad" ] && break
  if [ $(($(date +%s) - t_up)) -gt 300 ]; then
    failed=1
    die "stack healthy: after 300 s, $n of $want containers, not healthy: $bad"
  fi
  sleep 3
done
say "PASS stack healthy: $want containers (init exited 0) in $(($(date +%s) - t_up)) s"
dc ps

say "checks from outside (test/reliability/compose)"
log=$(mktemp)
rc=0
DRIVEMON_COMPOSE_PROJECT=$PROJECT DRIVEMON_COMPOSE_FILES="${FILES[*]}" \
  "${NICE[@]}" go test -tags compose -count=1 -timeout 20m -v -run '^TestComposeStack$' \
  ./test/reliability/compose/ >"$log" 2>&1 || rc=$?
grep -E '^(PASS |FAIL |INFO |--- |ok )' "$log" || true
if [ $rc != 0 ]; then
  failed=1
  say "FAIL go test exited $rc; its last lines:"
  tail -30 "$log"
fi
rm -f "$log"

bad=$(unhealthy_services)
if [ -n "$bad" ]; then
  failed=1
  say "FAIL stack healthy after the checks: not healthy: $bad"
fi

say "down -v"
dc down -v --remove-orphans
stack_up=0
left=$(
  docker ps -a -q --filter "label=com.docker.compose.project=$PROJECT"
  docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT"
  docker network ls -q --filter "label=com.docker.compose.project=$PROJECT"
)
if [ -z "$left" ]; then
  say "PASS down -v leaves nothing: no container, volume or network of $PROJECT"
else
  failed=1
  say "FAIL down -v leaves: $(echo $left)"
fi

[ $failed = 0 ] || die "some checks failed (above)"
say "PASS all checks"
