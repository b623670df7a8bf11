#!/bin/sh
# Benchmarks `drivemon sync` against rclone side by side in one run and
# prints the table of docs/BENCHMARKS.md ("Sync"). Needs the test MinIO
# (scripts/testenv.sh start) and rclone on PATH or in $RCLONE:
#   go install github.com/rclone/rclone@v1.76.0
# Flags go to the program: -files N (10000), -edits N (100), -bisyncs N (5).
set -eu
cd "$(dirname "$0")/.."
if [ -z "${DRIVEMON_TEST_S3_ENDPOINT:-}" ]; then
	set -a; . /tmp/drivemon-testenv/env; set +a
fi
RCLONE=${RCLONE:-$(command -v rclone || echo "$(go env GOPATH)/bin/rclone")}
exec go run ./pkg/botsync/internal/syncbench -rclone "$RCLONE" "$@"
