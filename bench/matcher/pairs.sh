#!/bin/sh
# pairs.sh BASE NEW [N] [ARGS...]: runs two builds of this bench (say main's
# and a branch's) at the same time, one pinned to each core, N times (4 by
# default), swapping the cores each time, and prints each figure of NEW over
# BASE's. On a machine shared with others, two runs minutes apart meet
# different neighbours; two runs side by side meet the same ones.
#
#   go build -o /tmp/matcher-new . && (cd <main checkout>/bench/matcher && go build -o /tmp/matcher-base .)
#   ./pairs.sh /tmp/matcher-base /tmp/matcher-new 6
#
# ARGS go to both (default: -peer=false -lookups 500000). Needs taskset
# (util-linux) and two cores; output files go to a temporary directory
# that is removed at the end, also when interrupted.
set -eu
base=$1 new=$2 n=${3:-4}
shift 2; [ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- -peer=false -lookups 500000
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
i=1
while [ "$i" -le "$n" ]; do
	if [ $((i % 2)) -eq 1 ]; then cb=0 cn=1; else cb=1 cn=0; fi
	load=$(cut -d' ' -f1 /proc/loadavg)
	taskset -c $cb "$base" "$@" >"$dir/base" 2>&1 &
	taskset -c $cn "$new" "$@" >"$dir/new" 2>&1 &
	wait
	for f in base new; do
		sed -n 's/^honeygate intel: MatchHost \([0-9]*\) .*MatchURL \([0-9]*\) .*unlisted hosts \([0-9]*\) .*/\1 \2 \3/p' "$dir/$f" | head -1 >"$dir/$f.r"
		sed -n 's/.*build \(.*\) wall (\(.*\) CPU).* = \([0-9.]*\) bytes\/indicator.*/\2 \3/p' "$dir/$f" | head -1 >>"$dir/$f.r"
		sed -n 's/.*through the overlay: .*MatchURL \([0-9]*\) .*/\1 0 0/p' "$dir/$f" | head -1 >>"$dir/$f.r"
		# hot queries (a build of the bench without the row prints none)
		h=$(sed -n 's/.*hot queries .*MatchHost \([0-9]*\) .*MatchURL \([0-9]*\) .*unlisted hosts \([0-9]*\) .*overlay MatchURL \([0-9]*\) .*/\1 \2 \3 \4/p' "$dir/$f" | head -1)
		echo "${h:-0 0 0 0}" >>"$dir/$f.r"
	done
	echo "pair $i (load $load): base cpu$cb, new cpu$cn"
	paste "$dir/base.r" "$dir/new.r" | awk '
		function row(name, b, n) { if (b > 0) printf "  %s: %.2f M / %.2f M = %.2f\n", name, b/1e6, n/1e6, n/b }
		NR==1 { row("URL lookups, listed hosts", $2, $5); row("URL lookups, unlisted hosts", $3, $6); row("host lookups", $1, $4) }
		NR==2 { printf "  build CPU: %s / %s; bytes an indicator: %s / %s\n", $1, $3, $2, $4 }
		NR==3 { row("overlay URL lookups", $1, $4) }
		NR==4 { row("hot: URL lookups, listed hosts", $2, $6); row("hot: URL lookups, unlisted hosts", $3, $7); row("hot: host lookups", $1, $5); row("hot: overlay URL lookups", $4, $8) }'
	i=$((i + 1))
done
