#!/usr/bin/env bash
# Gateway benchmark: honeygate's forward proxy beside Squid and tinyproxy,
# and its DNS filter beside dnsmasq, in one run on loopback, with the same
# 1,000,000-domain blocklist loaded where the peer can take it.
#
#   bash bench/gateway/run.sh                  # from the repository root
#   DURATION=10 CONNS=50 bash bench/gateway/run.sh
#
# Needs (Debian): squid tinyproxy dnsmasq wrk dnsperf (scripts/deps.sh
# installs them with BENCH=1). Everything listens on 127.0.0.1 only.
#
# Environment (defaults in brackets):
#   DOMAINS [1000000]   blocklist size
#   DURATION [15]       seconds per wrk / dnsperf run
#   CONNS [50]          wrk connections (keep-alive), 2 threads
#   DNS_CLIENTS [4]     dnsperf clients
#   KEEP [0]            1: keep the temp dir (logs, lists)
set -euo pipefail

DOMAINS=${DOMAINS:-1000000}
DURATION=${DURATION:-15}
CONNS=${CONNS:-50}
DNS_CLIENTS=${DNS_CLIENTS:-4}
KEEP=${KEEP:-0}

cd "$(dirname "$0")/../.."
root=$(pwd)
for tool in squid tinyproxy dnsmasq wrk dnsperf curl dig; do
	command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y squid tinyproxy dnsmasq wrk dnsperf curl bind9-dnsutils)"; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-gwbench.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 1
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	if [ "$KEEP" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# Free loopback ports, chosen by the kernel.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
P_ORIGIN=$(port); P_UP=$(port); P_SQUID=$(port); P_TINY=$(port); P_HG=$(port); P_HGDNS=$(port); P_DNSMASQ=$(port)

echo "# honeygate gateway benchmark"
echo
echo "- date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "- commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)')"
echo "- cpus:    $(nproc) x $(lscpu | sed -n 's/^Model name: *//p')"
echo "- load:    $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine at start)"
echo "- peers:   $(squid -v | head -1); tinyproxy $(tinyproxy -v 2>&1 | awk '{print $2}'); $(dnsmasq -v | head -1 | cut -d' ' -f1-3)"
echo "- params:  DOMAINS=$DOMAINS DURATION=${DURATION}s CONNS=$CONNS DNS_CLIENTS=$DNS_CLIENTS"
echo

go build -o "$tmp/honeygate" ./cmd/honeygate
go build -o "$tmp/gwpeer" ./bench/gateway/gwpeer
mkdir -p "$tmp/list"
"$tmp/gwpeer" list -n "$DOMAINS" -queries 10000 -out "$tmp/list"

"$tmp/gwpeer" serve -http "127.0.0.1:$P_ORIGIN" -dns "127.0.0.1:$P_UP" >"$tmp/gwpeer.log" 2>&1 &
pids+=($!)

cat >"$tmp/honeygate.yaml" <<EOF
gateway:
  upstreams: ["127.0.0.1:$P_UP"]
  allow_private_upstream: true
EOF
"$tmp/honeygate" serve --data "$tmp/hgdata" --config "$tmp/honeygate.yaml" \
	--listen web=127.0.0.1:0 --listen telnet=off \
	--listen "proxy=127.0.0.1:$P_HG" --listen "dns=127.0.0.1:$P_HGDNS" >"$tmp/honeygate.log" 2>&1 &
pids+=($!)
hgpid=$!

mkdir -p "$tmp/squid"
cat >"$tmp/squid/squid.conf" <<EOF
http_port 127.0.0.1:$P_SQUID
pid_filename $tmp/squid/squid.pid
cache_log $tmp/squid/cache.log
access_log none
cache deny all
cache_mem 0 MB
coredump_dir $tmp/squid
acl blocklist dstdomain "$tmp/list/squid.acl"
acl localnet src 127.0.0.0/8
http_access deny blocklist
http_access allow localnet
http_access deny all
shutdown_lifetime 1 seconds
EOF
squid -N -f "$tmp/squid/squid.conf" >"$tmp/squid/out.log" 2>&1 &
pids+=($!)

# tinyproxy's filter is one regular expression per line, tried in turn on
# every request: with a million lines it cannot serve at all, so it runs
# without the list (its figure is an upper bound for it).
cat >"$tmp/tinyproxy.conf" <<EOF
Port $P_TINY
Listen 127.0.0.1
Timeout 600
MaxClients 1000
Allow 127.0.0.1
LogLevel Critical
PidFile "$tmp/tinyproxy.pid"
EOF
tinyproxy -d -c "$tmp/tinyproxy.conf" >"$tmp/tinyproxy.log" 2>&1 &
pids+=($!)

cat >"$tmp/dnsmasq.conf" <<EOF
port=$P_DNSMASQ
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
server=127.0.0.1#$P_UP
cache-size=100000
pid-file=$tmp/dnsmasq.pid
conf-file=$tmp/list/dnsmasq.conf
EOF
dnsmasq -k -C "$tmp/dnsmasq.conf" >"$tmp/dnsmasq.log" 2>&1 &
pids+=($!)

blocked=$(head -1 "$tmp/list/domains.txt")
wait_for() { # what, command...
	local what=$1; shift
	for _ in $(seq 1 600); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
	echo "timed out waiting for $what"; exit 1
}
start=$(date +%s)
wait_for "honeygate api" test -s "$tmp/hgdata/listeners.json"
# The list goes in through the API, as an operator's import would.
t0=$(date +%s.%N)
"$tmp/honeygate" intel import --data "$tmp/hgdata" --format domains --category malware --source bench "$tmp/list/domains.txt" >"$tmp/import.log" 2>&1
echo "- honeygate intel import of $DOMAINS domains: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b-a}')s"
wait_for "origin" curl -sf "http://127.0.0.1:$P_ORIGIN/"
wait_for "squid" curl -sf -x "127.0.0.1:$P_SQUID" "http://127.0.0.1:$P_ORIGIN/"
wait_for "tinyproxy" curl -sf -x "127.0.0.1:$P_TINY" "http://127.0.0.1:$P_ORIGIN/"
wait_for "honeygate proxy" curl -sf -x "127.0.0.1:$P_HG" "http://127.0.0.1:$P_ORIGIN/"
# The list is loaded when a listed name is blocked.
wait_for "honeygate list" bash -c "curl -s -o /dev/null -w '%{http_code}' -x 127.0.0.1:$P_HG http://$blocked/ | grep -q 403"
wait_for "squid list" bash -c "curl -s -o /dev/null -w '%{http_code}' -x 127.0.0.1:$P_SQUID http://$blocked/ | grep -q 403"
wait_for "dnsmasq list" bash -c "dig @127.0.0.1 -p $P_DNSMASQ $blocked | grep -q NXDOMAIN"
wait_for "honeygate dns list" bash -c "dig @127.0.0.1 -p $P_HGDNS $blocked | grep -q NXDOMAIN"
echo "- everything up with its list after $(( $(date +%s) - start ))s; honeygate RSS $(awk '/VmRSS/ {printf "%d MiB", $2/1024}' /proc/$hgpid/status)"
echo

echo "## Proxy: wrk -t2 -c$CONNS -d${DURATION}s, absolute-form GET of a 1 KiB body, keep-alive"
echo
echo "| target | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
cat >"$tmp/abs.lua" <<EOF
wrk.path = "http://127.0.0.1:$P_ORIGIN/1k"
EOF
run_wrk() { # name url [script]
	local out
	if [ -n "${3:-}" ]; then
		out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$3" "$2" 2>&1)
	else
		out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$2" 2>&1)
	fi
	echo "$out" >"$tmp/wrk-$1.txt"
	local rps p50 p99 errs
	rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1=="50%" {print $2}')
	p99=$(echo "$out" | awk '$1=="99%" {print $2}')
	errs=$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ' || true)
	echo "| $1 | $rps | $p50 | $p99 |${errs:+ $errs}"
}
run_wrk direct "http://127.0.0.1:$P_ORIGIN/1k"
run_wrk squid "http://127.0.0.1:$P_SQUID" "$tmp/abs.lua"
run_wrk tinyproxy "http://127.0.0.1:$P_TINY" "$tmp/abs.lua"
run_wrk honeygate "http://127.0.0.1:$P_HG" "$tmp/abs.lua"
run_wrk squid-again "http://127.0.0.1:$P_SQUID" "$tmp/abs.lua"
run_wrk honeygate-again "http://127.0.0.1:$P_HG" "$tmp/abs.lua"
echo

echo "## DNS: dnsperf -c $DNS_CLIENTS -l $DURATION, 10,000 names (one in a hundred listed), answered from cache"
echo
echo "| resolver | queries/s | avg latency | lost |"
echo "|---|---|---|---|"
run_dnsperf() { # name port
	# One warm-up pass fills the cache (and the sinkhole answers).
	dnsperf -s 127.0.0.1 -p "$2" -d "$tmp/list/queries.txt" -n 1 >/dev/null 2>&1 || true
	local out
	out=$(dnsperf -s 127.0.0.1 -p "$2" -d "$tmp/list/queries.txt" -l "$DURATION" -c "$DNS_CLIENTS" -Q 1000000 2>&1)
	echo "$out" >"$tmp/dnsperf-$1.txt"
	local qps lat lost
	qps=$(echo "$out" | awk '/Queries per second/ {print $4}')
	lat=$(echo "$out" | awk '/Average Latency/ {print $4}')
	lost=$(echo "$out" | awk '/Queries lost/ {print $3, $4}')
	echo "| $1 | $qps | ${lat}s | $lost |"
}
run_dnsperf dnsmasq "$P_DNSMASQ"
run_dnsperf honeygate "$P_HGDNS"
run_dnsperf dnsmasq-again "$P_DNSMASQ"
run_dnsperf honeygate-again "$P_HGDNS"
echo
echo "- honeygate RSS at the end $(awk '/VmRSS/ {printf "%d MiB", $2/1024}' /proc/$hgpid/status)"
grep -E '"level":"(ERROR|WARN)"|level=(ERROR|WARN)' "$tmp/honeygate.log" | head -5 || true
