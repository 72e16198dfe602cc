#!/bin/bash
# rss.sh BIN PORT: peak RSS of `honeygate serve` while a subscribed feed of
# 1,000,000 domains loads (refresh 1) and is replaced by a disjoint million
# (refresh 2: 1 M added, 1 M removed). Loopback only; everything it writes
# is under one temporary directory, removed on exit or interrupt.
# Run two binaries alternated, pair by pair, e.g. before/after a change:
#   bench/feedrefresh/rss.sh /tmp/hg-after 18779; bench/feedrefresh/rss.sh /tmp/hg-before 18780
set -u
BIN=$1; PORT=$2; TOK=tok0123456789abcdef
D=$(mktemp -d /tmp/feedrefresh.XXXXXX)
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null; rm -rf "$D"' EXIT INT TERM
for s in a b; do
	awk -v s=$s 'BEGIN { for (i = 0; i < 1000000; i++) printf "%s%d.feed-%s.example\n", s, i, s }' > "$D/set$s.txt"
done
cp "$D/seta.txt" "$D/feed.txt"
mkdir "$D/data"
printf 'intel:\n  feeds:\n    - name: big\n      format: domains\n      url: %s/feed.txt\n      every: 5s\n' "$D" > "$D/cfg.yaml"
"$BIN" serve --data "$D/data" --config "$D/cfg.yaml" --token $TOK --listen web=127.0.0.1:$PORT --listen telnet=off --listen ssh=off > "$D/log" 2>&1 &
P=$!
t0=$(date +%s)
st() { curl -s -H "Authorization: Bearer $TOK" http://127.0.0.1:$PORT/api/v1/intel/feeds | grep -o '"refreshes":[0-9]*' | head -1 | cut -d: -f2; }
wait_for() { for _ in $(seq 1 600); do r=$(st); [ "${r:-0}" -ge "$1" ] && return; sleep 1; done; }
wait_for 1
echo "$(basename "$BIN") load 1M: $(( $(date +%s)-t0 ))s $(grep VmHWM /proc/$P/status)"
cp "$D/setb.txt" "$D/feed.txt"
r=$(st); wait_for $((r+1))
echo "$(basename "$BIN") replace 1M: $(( $(date +%s)-t0 ))s $(grep VmHWM /proc/$P/status) load $(cut -d' ' -f1-3 /proc/loadavg)"
