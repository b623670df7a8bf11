#!/usr/bin/env bash
# bench-compare.sh: one package's benchmarks at two revisions, side by side
# in one run. Builds the package's test binary from each revision (git
# archive into a temporary folder, removed on exit), runs them alternately
# (before/after, then after/before, …) ROUNDS times each with the same
# flags, and prints the medians as a Markdown table: time per op, the
# after/before ratio, bytes and allocations per op, then every other
# metric the benchmarks report. Each run's lines and the load average go
# to stderr.
#
#   scripts/bench-compare.sh <before-rev> <after-rev> <pkg-dir> <bench-regexp> <rounds> [test binary flags]
#   scripts/bench-compare.sh 5e2519b main services/indexer 'Pipeline' 6 -test.benchtime 20x
#
# The corpus is $DRIVEMON_CORPUS, else ../shared/corpus next to the
# checkout (or next to the main checkout of a worktree); both trees see it
# at ../shared/corpus too. A run in which no benchmark ran stops the script.
set -euo pipefail

if [ $# -lt 5 ]; then
	sed -n '11,12p' "$0" >&2
	exit 2
fi
before=$1 after=$2 pkg=${3%/} bench=$4 rounds=$5
shift 5
root=$(git rev-parse --show-toplevel)
main=$(dirname "$(git rev-parse --path-format=absolute --git-common-dir)")
corpus=${DRIVEMON_CORPUS:-$root/../shared/corpus}
[ -d "$corpus" ] || corpus=$main/../shared/corpus # a worktree: next to the main checkout

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

if [ -d "$corpus" ]; then
	corpus=$(cd "$corpus" && pwd -P)
	export DRIVEMON_CORPUS=$corpus
	# the folder, not the corpus, is the link: filepath.WalkDir does not
	# follow a link given as its root
	[ "$(basename "$corpus")" = corpus ] && ln -s "$(dirname "$corpus")" "$tmp/shared"
fi

for side in before after; do
	rev=${!side}
	mkdir "$tmp/$side"
	git -C "$root" archive "$rev" | tar -x -C "$tmp/$side"
	echo "building $pkg at $rev ($(git -C "$root" rev-parse --short "$rev"))" >&2
	(cd "$tmp/$side/$pkg" && go test -c -o "$tmp/$side.test" .)
done

run() { # side round flags...
	echo "== round $2 $1, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
	(cd "$tmp/$1/$pkg" && "$tmp/$1.test" -test.run '^$' -test.bench "$bench" \
		-test.benchmem -test.count 1 "${@:3}") >"$tmp/out" 2>&1 || {
		cat "$tmp/out" >&2
		echo "the $1 binary failed" >&2
		exit 1
	}
	if ! grep -q '^Benchmark.*ns/op' "$tmp/out"; then
		cat "$tmp/out" >&2
		echo "no benchmark ran on the $1 side (none matches, or skipped: test env, corpus?)" >&2
		exit 1
	fi
	awk -v side="$1" '/^Benchmark.*ns\/op/ { print side, $0 }' "$tmp/out" | tee -a "$tmp/runs" >&2
}

for ((r = 1; r <= rounds; r++)); do
	if ((r % 2)); then
		run before "$r" "$@"
		run after "$r" "$@"
	else
		run after "$r" "$@"
		run before "$r" "$@"
	fi
done
echo "== done, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# one line per side, benchmark, unit and value; then the median of each
awk '{ for (i = 4; i < NF; i += 2) print $2, $(i + 1), $1, $i }' "$tmp/runs" |
	sort -k1,1 -k2,2 -k3,3 -k4,4g |
	awk '
	function flush() {
		if (n == 0) return
		m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		print key, m, v[1], v[n], n
		n = 0
	}
	{ k = $1 " " $2 " " $3; if (k != key) { flush(); key = k }; v[++n] = $4 }
	END { flush() }' |
	awk '
	function t(ns) {
		if (ns >= 1e9) return sprintf("%.2f s", ns / 1e9)
		if (ns >= 1e6) return sprintf("%.1f ms", ns / 1e6)
		if (ns >= 1e3) return sprintf("%.1f µs", ns / 1e3)
		return sprintf("%.0f ns", ns)
	}
	function num(x) { return (x == "") ? "absent" : (x >= 100 || x == int(x)) ? sprintf("%.0f", x) : sprintf("%.4g", x) }
	function ratio(a, b) { return (a > 0) ? sprintf("×%.2f", b / a) : "–" }
	# name unit side median min max n
	{
		if (!($1 in seen)) { seen[$1] = 1; names[++nn] = $1 }
		if (!(($1, $2) in useen)) { useen[$1, $2] = 1; units[$1] = units[$1] " " $2 }
		med[$1, $2, $3] = $4; lo[$1, $2, $3] = $5; hi[$1, $2, $3] = $6; cnt[$1, $3] = $7
	}
	END {
		print "| benchmark | before | after | ratio | before range | after range | allocs before → after | bytes before → after | runs |"
		print "|---|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= nn; i++) {
			b = names[i]
			nb = med[b, "ns/op", "before"]; na = med[b, "ns/op", "after"]
			printf "| %s | %s | %s | %s | %s–%s | %s–%s | %s → %s | %s → %s | %d / %d |\n", b,
				(b, "ns/op", "before") in med ? t(nb) : "absent",
				(b, "ns/op", "after") in med ? t(na) : "absent",
				((b, "ns/op", "before") in med && (b, "ns/op", "after") in med) ? ratio(nb, na) : "–",
				t(lo[b, "ns/op", "before"]), t(hi[b, "ns/op", "before"]),
				t(lo[b, "ns/op", "after"]), t(hi[b, "ns/op", "after"]),
				num(med[b, "allocs/op", "before"]), num(med[b, "allocs/op", "after"]),
				num(med[b, "B/op", "before"]), num(med[b, "B/op", "after"]),
				cnt[b, "before"], cnt[b, "after"]
		}
		other = 0
		for (i = 1; i <= nn; i++) {
			b = names[i]; m = split(units[b], us, " ")
			for (j = 1; j <= m; j++) {
				u = us[j]
				if (u == "ns/op" || u == "B/op" || u == "allocs/op") continue
				if (!other) { print ""; print "| benchmark | metric | before | after | ratio |"; print "|---|---|---|---|---|"; other = 1 }
				printf "| %s | %s | %s | %s | %s |\n", b, u, num(med[b, u, "before"]), num(med[b, u, "after"]),
					ratio(med[b, u, "before"], med[b, u, "after"])
			}
		}
	}'
