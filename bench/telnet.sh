#!/usr/bin/env bash
# Telnet sensor benchmark: builds honeygate and bench/telnetload, starts
# `honeygate serve` on loopback with a temporary data directory, runs the
# three phases (idle sessions held, complete Mirai sessions, store
# throughput and zero-loss check), stops the server and cleans up.
#
#   bash bench/telnet.sh                         # from the repository root
#   HOLD=1000 SESSIONS=2000 CONCURRENCY=200 bash bench/telnet.sh
#
# Environment (defaults in brackets):
#   HOLD [10000]          phase 1: idle logged-in sessions held at once
#   SESSIONS [20000]      phase 2: complete Mirai sessions
#   CONCURRENCY [500]     phase 2: sessions in flight
#   TELNET_LISTENERS [2]  telnet listeners (all on 127.0.0.1:0)
#   SOURCES [249]         loopback source addresses (127.0.0.2 ...)
#   WARMUP [200]          sessions run before the memory baseline
#   TIMEOUT [10m]         telnetload's overall limit
#   NOFILE [200000]       file descriptor limit for both processes
#   CONFIG []             optional honeygate YAML config (--config)
#   JSON [0]              1: also print the summary as JSON
#   KEEP [0]              1: keep the temp dir (data, server log)
#   PROFILE [0]           1: run the server as bench/hgprof (honeygate + pprof on
#                         loopback), take a CPU profile during phase 2 and print
#                         its top functions; PROFILE_SECONDS [20], PROFILE_OUT
#                         [temp dir/cpu.pprof]
#   SERVER_TREE []        build the server from this checkout instead (for an
#                         A/B against older code with this load generator,
#                         e.g. a worktree at the commit before a change)
#   BENCH_TMP [$TMPDIR or /tmp]  where the temp dir is made (its file system matters for SQLite)
set -euo pipefail

HOLD=${HOLD:-10000}
SESSIONS=${SESSIONS:-20000}
CONCURRENCY=${CONCURRENCY:-500}
TELNET_LISTENERS=${TELNET_LISTENERS:-2}
SOURCES=${SOURCES:-249}
WARMUP=${WARMUP:-200}
TIMEOUT=${TIMEOUT:-10m}
NOFILE=${NOFILE:-200000}
CONFIG=${CONFIG:-}
JSON=${JSON:-0}
KEEP=${KEEP:-0}
PROFILE=${PROFILE:-0}
PROFILE_SECONDS=${PROFILE_SECONDS:-20}
SERVER_TREE=${SERVER_TREE:-}

cd "$(dirname "$0")/.."
root=$(pwd)
server_tree=${SERVER_TREE:-$root}

echo "# honeygate telnet benchmark"
echo
echo "- date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "- commit:  $(git -C "$server_tree" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$server_tree" diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)') ($server_tree)"
echo "- load:    $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown) (bench/telnetload)"
echo "- host:    $(uname -srm)"
echo "- cpus:    $(nproc) × $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
echo "- memory:  $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "- go:      $(go version | cut -d' ' -f3-)"
echo "- load avg: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; 2 means these 2 CPUs are full)"
echo "- params:  HOLD=$HOLD SESSIONS=$SESSIONS CONCURRENCY=$CONCURRENCY TELNET_LISTENERS=$TELNET_LISTENERS SOURCES=$SOURCES WARMUP=$WARMUP"

# File descriptors: 10,000+ sockets on each side of loopback.
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$NOFILE" ]; then
	ulimit -Hn "$NOFILE" 2>/dev/null || echo "warning: cannot raise the hard fd limit to $NOFILE (needs root with CAP_SYS_RESOURCE); staying at $(ulimit -Hn)"
fi
ulimit -Sn "$NOFILE" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
echo "- nofile:  $(ulimit -Sn)"

tmp=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/honeygate-bench.XXXXXX")
echo "- data:    $tmp/data ($(df -T "$tmp" | awk 'NR==2 {print $2}'))"
echo
server_pid=
cleanup() {
	local rc=$?
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 1 300); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$server_pid" 2>/dev/null; then
			echo "server did not stop within 30s of SIGTERM; killing it" >&2
			kill -KILL "$server_pid" 2>/dev/null || true
		fi
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ "$KEEP" = 1 ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit $rc
}
trap cleanup EXIT INT TERM

echo "building..." >&2
prof_flags=()
if [ "$PROFILE" = 1 ]; then
	(cd "$server_tree" && go build -o "$tmp/honeygate" ./bench/hgprof)
	export HGPROF_ADDR=127.0.0.1:$((10000 + RANDOM % 20000))
	PROFILE_OUT=${PROFILE_OUT:-$tmp/cpu.pprof}
	prof_flags=(-pprof "http://$HGPROF_ADDR" -pprof-seconds "$PROFILE_SECONDS" -pprof-out "$PROFILE_OUT")
else
	(cd "$server_tree" && go build -o "$tmp/honeygate" ./cmd/honeygate)
fi
go build -o "$tmp/telnetload" ./bench/telnetload

token=bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
args=(serve --data "$tmp/data" --token "$token" --listen web=127.0.0.1:0)
# Only telnet: the SSH door (code before it had none) stays shut.
# (The help is read whole first: grep -q stopping early would fail the
# pipe under pipefail.)
serve_help=$("$tmp/honeygate" serve --help 2>&1 || true)
if grep -q ssh <<<"$serve_help"; then
	args+=(--listen ssh=off)
fi
for _ in $(seq 1 "$TELNET_LISTENERS"); do
	args+=(--listen telnet=127.0.0.1:0)
done
if [ -n "$CONFIG" ]; then
	args+=(--config "$CONFIG")
fi
"$tmp/honeygate" "${args[@]}" >"$tmp/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 600); do
	[ -s "$tmp/data/listeners.json" ] && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "honeygate exited during start:" >&2
		cat "$tmp/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
if [ ! -s "$tmp/data/listeners.json" ]; then
	echo "honeygate did not write listeners.json within 60s" >&2
	tail -50 "$tmp/server.log" >&2
	exit 1
fi
echo "server pid $server_pid, listeners: $(tr -d ' \n' <"$tmp/data/listeners.json")" >&2

json_flag=()
[ "$JSON" = 1 ] && json_flag=(-json)
rc=0
"$tmp/telnetload" -listeners "$tmp/data/listeners.json" -token "$token" -pid "$server_pid" \
	-hold "$HOLD" -sessions "$SESSIONS" -concurrency "$CONCURRENCY" \
	-sources "$SOURCES" -warmup "$WARMUP" -timeout "$TIMEOUT" "${json_flag[@]}" "${prof_flags[@]}" || rc=$?
if [ "$PROFILE" = 1 ] && [ -s "$PROFILE_OUT" ]; then
	echo
	echo "server CPU profile (phase 2), top functions by cumulative time:"
	go tool pprof -top -cum -nodecount=45 "$tmp/honeygate" "$PROFILE_OUT" 2>/dev/null | sed -n '1,55p'
fi

if ! kill -0 "$server_pid" 2>/dev/null; then
	echo "PROBLEM: honeygate is no longer running; last lines of its log:"
	tail -50 "$tmp/server.log"
	rc=1
else
	echo
	echo "server: RSS at the end $(awk '/VmRSS/ {print $2, $3}' "/proc/$server_pid/status"), threads $(awk '/Threads/ {print $2}' "/proc/$server_pid/status")"
	# Stop gracefully and time it.
	t0=$(date +%s.%N)
	kill -TERM "$server_pid"
	stopped=0
	for _ in $(seq 1 300); do
		if ! kill -0 "$server_pid" 2>/dev/null; then
			stopped=1
			break
		fi
		sleep 0.1
	done
	if [ $stopped = 1 ]; then
		wait "$server_pid" 2>/dev/null && src=0 || src=$?
		echo "server: stopped $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b-a}')s after SIGTERM, exit status $src"
		[ "$src" = 0 ] || rc=1
	else
		echo "PROBLEM: server did not stop within 30s of SIGTERM"
		rc=1
	fi
	server_pid=
fi
echo "load avg at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
errs=$(grep -c -E 'level=(ERROR|WARN)' "$tmp/server.log" || true)
if [ "$errs" != 0 ]; then
	echo "server log: $errs warnings/errors; first ones:"
	grep -E 'level=(ERROR|WARN)' "$tmp/server.log" | head -10
fi
exit $rc
