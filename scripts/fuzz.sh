#!/usr/bin/env bash
# Runs each fuzz target of a package for FUZZTIME (make fuzz).
#
#   scripts/fuzz.sh PACKAGE_DIR FUZZTIME TARGET...
#
# A failure that saved a failing input under testdata/fuzz/ is a finding and
# fails at once. A failure that saved none (the fuzzing engine lost a worker,
# which Go reports without an input) is run again once; a second failure
# fails.
set -euo pipefail
dir=$1 fuzztime=$2; shift 2

saved() { { find "$dir/testdata/fuzz/$1" -type f 2>/dev/null || true; } | sort; }

for target in "$@"; do
  for try in 1 2; do
    before=$(saved "$target")
    if go test -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime" "./$dir"; then
      break
    fi
    if [ "$(saved "$target")" != "$before" ]; then
      echo "fuzz: $target found a failing input (saved in $dir/testdata/fuzz/$target)" >&2
      exit 1
    fi
    if [ "$try" = 2 ]; then
      echo "fuzz: $target failed twice without a failing input" >&2
      exit 1
    fi
    echo "fuzz: $target failed without saving a failing input; running it again" >&2
  done
done
