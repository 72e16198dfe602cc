#!/usr/bin/env bash
# SSH sensor benchmark, beside telnet in the same run: builds honeygate and
# bench/ssh, starts `honeygate serve` on loopback (web, one telnet and
# one ssh listener) with a temporary data directory, measures memory per
# idle logged-in session and short sessions (logins) per second for SSH and
# then telnet, stops the server and cleans up.
#
#   bash bench/ssh/run.sh                               # from the repository root
#   HOLD=500 LOGINS=500 CONCURRENCY=20 bash bench/ssh/run.sh
#
# Environment (defaults in brackets):
#   HOLD [2000]          idle logged-in sessions held at once, per protocol
#   LOGINS [2000]        short sessions (login, one command, hang up) per protocol
#   CONCURRENCY [50]     short sessions in flight
#   SOURCES [249]        loopback source addresses (127.0.0.2 ...)
#   TIMEOUT [10m]        sshload's overall limit
#   KEEP [0]             1: keep the temp dir (data, server log)
set -euo pipefail

HOLD=${HOLD:-2000}
LOGINS=${LOGINS:-2000}
CONCURRENCY=${CONCURRENCY:-50}
SOURCES=${SOURCES:-249}
TIMEOUT=${TIMEOUT:-10m}
KEEP=${KEEP:-0}

cd "$(dirname "$0")/../.."
root=$(pwd)

echo "# honeygate ssh benchmark (beside telnet)"
echo
echo "- date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "- commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)')"
echo "- cpus:    $(nproc) × $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
echo "- load:    $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine)"
echo "- go:      $(go version | cut -d' ' -f3-)"
echo "- params:  HOLD=$HOLD LOGINS=$LOGINS CONCURRENCY=$CONCURRENCY SOURCES=$SOURCES"
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
echo

tmp=$(mktemp -d "${TMPDIR:-/tmp}/honeygate-sshbench.XXXXXX")
server_pid=
cleanup() {
	local rc=$?
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ "$KEEP" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
	exit $rc
}
trap cleanup EXIT INT TERM

echo "building..." >&2
go build -o "$tmp/honeygate" ./cmd/honeygate
go build -o "$tmp/sshload" ./bench/ssh

token=bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
rc=0
# Each door gets a fresh server: memory a Go process freed is not given back
# to the system at once, so one door's sessions would hide the next one's.
for proto in ssh telnet; do
	rm -rf "$tmp/data"
	"$tmp/honeygate" serve --data "$tmp/data" --token "$token" \
		--listen web=127.0.0.1:0 --listen telnet=127.0.0.1:0 --listen ssh=127.0.0.1:0 >"$tmp/server-$proto.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 600); do
		[ -s "$tmp/data/listeners.json" ] && break
		kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server-$proto.log" >&2; exit 1; }
		sleep 0.1
	done
	"$tmp/sshload" -listeners "$tmp/data/listeners.json" -pid "$server_pid" -proto "$proto" \
		-hold "$HOLD" -logins "$LOGINS" -concurrency "$CONCURRENCY" -sources "$SOURCES" -timeout "$TIMEOUT" || rc=$?
	echo "$proto server: RSS at the end $(awk '/VmRSS/ {print $2, $3}' "/proc/$server_pid/status"), threads $(awk '/Threads/ {print $2}' "/proc/$server_pid/status")"
	echo
	kill -TERM "$server_pid"
	wait "$server_pid" 2>/dev/null || true
	server_pid=
done
cat "$tmp"/server-*.log >"$tmp/server.log"
errs=$(grep -c -E 'level=(ERROR|WARN)' "$tmp/server.log" || true)
if [ "$errs" != 0 ]; then
	echo "server log: $errs warnings/errors; first ones:"
	grep -E 'level=(ERROR|WARN)' "$tmp/server.log" | head -10
fi
exit $rc
