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
#   CONNS [50 200 1000] wrk connections (keep-alive), 2 threads; a list runs
#                       the flat-out proxy runs once for each (the paced runs
#                       use the first): a few busy clients, then the many
#                       clients an ISP's gateway serves (the script raises
#                       `ulimit -n` to 20000, or the hard limit)
#   ORIGIN [go]         the origin every proxy forwards to: go (gwpeer's
#                       lean HTTP/1.1 responder, 2 threads) or nginx
#                       (Debian's nginx-light, one worker process: an event
#                       loop whose own latency is flat when it is not the
#                       bottleneck); both serve the same 1 KiB body
#   PIN [0]             1: the servers under test (honeygate, Squid, tinyproxy,
#                       dnsmasq) on CPU 1 only, the load generators and the
#                       origin (wrk, dnsperf, gwpeer, nginx) on CPU 0, so that
#                       no proxy competes with wrk for a core: each proxy
#                       gets exactly one core (Go's GOMAXPROCS follows the
#                       affinity, so honeygate runs one P)
#   DNS_CLIENTS [4]     dnsperf clients
#   PAIRS [2]           peer/honeygate pairs, alternated (peer first)
#   ONLY [all]          proxy or dns: run only that half
#   PACED_MS [4]        also run the proxy pairs paced: each connection waits
#                       this many ms between requests (wrk's Lua delay()), so
#                       every proxy is offered the same load, at most
#                       CONNS*1000/PACED_MS requests/s, below each one's
#                       saturation: p99 at equal load, beside p99 flat out
#                       (0: skip)
#   DNS_QUERIES [all]   clean: leave the listed names out of dnsperf's
#                       queries, to see what the block events cost
#   KEEP [0]            1: keep the temp dir (logs, lists)
#   HG_BIN []           a honeygate binary to measure instead of this tree's
#                       (the code before a change, say)
#   HG_ENV []           extra environment for honeygate serve (GOMAXPROCS=1, GOGC=200)
#   WORK []             a directory to keep and reuse across runs: the list
#                       and honeygate's data with the list imported (the
#                       import takes minutes on a busy machine); implies KEEP
#
# Beside each figure: the load average when it was taken, and the CPU time
# the server used during it (user+system from /proc, all threads), so that
# requests per CPU-second can be compared even when the machine's other
# work decides how much CPU each server gets.
set -euo pipefail

DOMAINS=${DOMAINS:-1000000}
DURATION=${DURATION:-15}
CONNS=${CONNS:-50 200 1000}
# Each connection is a client socket and an origin socket in every proxy.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
ORIGIN=${ORIGIN:-go}
PIN=${PIN:-0}
SRV=() GEN=()
if [ "$PIN" = 1 ]; then
	[ "$(nproc)" -ge 2 ] || { echo "PIN=1 needs two CPUs"; exit 2; }
	SRV=(taskset -c 1) GEN=(taskset -c 0)
fi
conns=${CONNS%% *}
DNS_CLIENTS=${DNS_CLIENTS:-4}
PAIRS=${PAIRS:-2}
PACED_MS=${PACED_MS:-4}
ONLY=${ONLY:-all}
KEEP=${KEEP:-0}
WORK=${WORK:-}
HG_ENV=${HG_ENV:-}
HG_BIN=${HG_BIN:-}
DNS_QUERIES=${DNS_QUERIES:-all}

cd "$(dirname "$0")/../.."
root=$(pwd)
for tool in squid tinyproxy dnsmasq wrk dnsperf curl dig; do
	command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y squid tinyproxy dnsmasq wrk dnsperf curl bind9-dnsutils)"; exit 2; }
done

if [ -n "$WORK" ]; then
	mkdir -p "$WORK"
	tmp=$(cd "$WORK" && pwd)
	KEEP=1
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/hg-gwbench.XXXXXX")
fi
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
echo "- commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)')${HG_BIN:+ (honeygate: $HG_BIN)}"
echo "- cpus:    $(nproc) x $(lscpu | sed -n 's/^Model name: *//p')"
echo "- load:    $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine at start)"
echo "- peers:   $(squid -v | head -1); tinyproxy $(tinyproxy -v 2>&1 | awk '{print $2}'); $(dnsmasq -v | head -1 | cut -d' ' -f1-3)"
echo "- params:  DOMAINS=$DOMAINS DURATION=${DURATION}s CONNS="$CONNS" ORIGIN=$ORIGIN PIN=$PIN DNS_CLIENTS=$DNS_CLIENTS DNS_QUERIES=$DNS_QUERIES PAIRS=$PAIRS${HG_ENV:+ HG_ENV=$HG_ENV}"
echo

if [ -n "$HG_BIN" ]; then
	cp "$HG_BIN" "$tmp/honeygate"
else
	go build -o "$tmp/honeygate" ./cmd/honeygate
fi
go build -o "$tmp/gwpeer" ./bench/gateway/gwpeer
if [ ! -s "$tmp/list/queries.txt" ] || [ "$(wc -l <"$tmp/list/domains.txt")" != "$DOMAINS" ]; then
	rm -rf "$tmp/list" "$tmp/hgdata"
	mkdir -p "$tmp/list"
	"$tmp/gwpeer" list -n "$DOMAINS" -queries 10000 -out "$tmp/list"
fi

case $ORIGIN in
go)
	"${GEN[@]}" "$tmp/gwpeer" serve -http "127.0.0.1:$P_ORIGIN" -dns "127.0.0.1:$P_UP" >"$tmp/gwpeer.log" 2>&1 &
	pids+=($!)
	peerpid=$!
	;;
nginx)
	command -v nginx >/dev/null || { echo "missing nginx (apt-get install -y nginx-light)"; exit 2; }
	# gwpeer still answers DNS upstream (its HTTP side on a port nobody uses).
	"${GEN[@]}" "$tmp/gwpeer" serve -http "127.0.0.1:$(port)" -dns "127.0.0.1:$P_UP" >"$tmp/gwpeer.log" 2>&1 &
	pids+=($!)
	mkdir -p "$tmp/nginx/www"
	"$tmp/gwpeer" body >"$tmp/nginx/www/1k"
	cp "$tmp/nginx/www/1k" "$tmp/nginx/www/index.html"
	cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 10000000;
	keepalive_timeout 120s;
	server {
		listen 127.0.0.1:$P_ORIGIN;
		root $tmp/nginx/www;
		location / { default_type text/plain; }
	}
}
EOF
	"${GEN[@]}" nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" >"$tmp/nginx/out.log" 2>&1 &
	pids+=($!)
	ngxpid=$!
	for _ in $(seq 1 50); do peerpid=$(pgrep -P "$ngxpid" | head -1) && [ -n "$peerpid" ] && break; sleep 0.1; done
	;;
*)
	echo "ORIGIN must be go or nginx"; exit 2
	;;
esac

cat >"$tmp/honeygate.yaml" <<EOF
gateway:
  upstreams: ["127.0.0.1:$P_UP"]
  allow_private_upstream: true
EOF
rm -f "$tmp/hgdata/listeners.json" # a reused WORK's, from the last run
"${SRV[@]}" env $HG_ENV "$tmp/honeygate" serve --data "$tmp/hgdata" --config "$tmp/honeygate.yaml" \
	--listen web=127.0.0.1:0 --listen telnet=off --listen ssh=off --listen smb=off --listen iot-http=off \
	--listen reflect-dns=off --listen reflect-ntp=off --listen reflect-ssdp=off --listen reflect-chargen=off --listen reflect-memcached=off \
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
"${SRV[@]}" squid -N -f "$tmp/squid/squid.conf" >"$tmp/squid/out.log" 2>&1 &
pids+=($!)
squidpid=$!

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
"${SRV[@]}" tinyproxy -d -c "$tmp/tinyproxy.conf" >"$tmp/tinyproxy.log" 2>&1 &
pids+=($!)
tinypid=$!

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
"${SRV[@]}" dnsmasq -k -C "$tmp/dnsmasq.conf" >"$tmp/dnsmasq.log" 2>&1 &
pids+=($!)
dnsmasqpid=$!

blocked=$(head -1 "$tmp/list/domains.txt")
wait_for() { # what, command...
	local what=$1; shift
	for _ in $(seq 1 600); do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$hgpid" 2>/dev/null || { echo "honeygate exited:"; tail -3 "$tmp/honeygate.log"; exit 1; }
		sleep 0.5
	done
	echo "timed out waiting for $what"; exit 1
}
start=$(date +%s)
wait_for "honeygate api" test -s "$tmp/hgdata/listeners.json"
# The list goes in through the API, as an operator's import would (once,
# when WORK is reused).
if [ ! -e "$tmp/hgdata/.imported" ]; then
	t0=$(date +%s.%N)
	"$tmp/honeygate" intel import --data "$tmp/hgdata" --format domains --category malware --source bench "$tmp/list/domains.txt" >"$tmp/import.log" 2>&1
	touch "$tmp/hgdata/.imported"
	echo "- honeygate intel import of $DOMAINS domains: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b-a}')s"
else
	echo "- honeygate data with the list imported reused from $tmp/hgdata"
fi
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

# cpu PID: user+system CPU seconds of a process so far (all its threads).
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/hz}' "/proc/$1/stat"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
# busy: CPU seconds the whole machine spent not idle so far (all cores).
busy() { awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" {printf "%.2f", ($2+$3+$4+$7+$8+$9)/hz}' /proc/stat; }
# ratio A B: A/B to two places.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "-"}'; }

cat >"$tmp/abs.lua" <<EOF
wrk.path = "http://127.0.0.1:$P_ORIGIN/1k"
EOF
cat >"$tmp/paced.lua" <<EOF
wrk.path = "http://127.0.0.1:$P_ORIGIN/1k"
function delay() return $PACED_MS end
EOF
run_wrk() { # name pid|- url [script]
	local out c0 c1 l0 o0 o1 b0 b1
	l0=$(load1)
	c0=0
	[ "$2" = - ] || c0=$(cpu "$2")
	o0=$(cpu "$peerpid") b0=$(busy)
	if [ -n "${4:-}" ]; then
		out=$("${GEN[@]}" wrk -t2 -c"$conns" -d"${DURATION}s" --latency -s "$4" "$3" 2>&1)
	else
		out=$("${GEN[@]}" wrk -t2 -c"$conns" -d"${DURATION}s" --latency "$3" 2>&1)
	fi
	c1=0
	[ "$2" = - ] || c1=$(cpu "$2")
	o1=$(cpu "$peerpid") b1=$(busy)
	echo "$out" >"$tmp/wrk-$1.txt"
	local rps p50 p99 errs cs per
	rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
	p50=$(echo "$out" | awk '$1=="50%" {print $2}')
	p99=$(echo "$out" | awk '$1=="99%" {print $2}')
	errs=$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ' || true)
	cs=$(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.1f", b-a}')
	per=$(awk -v r="$rps" -v d="$DURATION" -v c="$cs" 'BEGIN {if (c > 0) printf "%d", r*d/c; else print "-"}')
	local os idle
	os=$(awk -v a="$o0" -v b="$o1" 'BEGIN {printf "%.1f", b-a}')
	idle=$(awk -v a="$b0" -v b="$b1" -v d="$DURATION" -v n="$(nproc)" 'BEGIN {printf "%.0f%%", 100*(1-(b-a)/(d*n))}')
	echo "| $1 | $rps | $p50 | $p99 | $cs | $per | $os | $idle | $l0 |${errs:+ $errs}"
	last_rps=$rps last_p99=$p99 last_per=$per
}

# proxy_pairs TAG SCRIPT: PAIRS Squid/honeygate runs of wrk with SCRIPT,
# alternated, then each pair's ratios.
proxy_pairs() {
	local i s_rps s_p99 s_per ratios=()
	for i in $(seq 1 "$PAIRS"); do
		run_wrk "squid-$1$i" "$squidpid" "http://127.0.0.1:$P_SQUID" "$2"
		s_rps=$last_rps s_p99=$last_p99 s_per=$last_per
		run_wrk "honeygate-$1$i" "$hgpid" "http://127.0.0.1:$P_HG" "$2"
		ratios+=("${1:+${1%-} }pair $i: $(ratio "$last_rps" "$s_rps")x Squid's requests/s ($(ratio "$last_per" "$s_per")x per CPU-s), p99 $last_p99 against $s_p99")
	done
	echo
	printf -- '- %s\n' "${ratios[@]}"
	echo
}

if [ "$ONLY" != dns ]; then
	for conns in $CONNS; do
		echo "## Proxy: wrk -t2 -c$conns -d${DURATION}s, absolute-form GET of a 1 KiB body, keep-alive"
		echo
		echo "| target | requests/s | p50 | p99 | server CPU s | requests per CPU-s | origin CPU s | machine idle | load |"
		echo "|---|---|---|---|---|---|---|---|---|"
		run_wrk "direct-c$conns" - "http://127.0.0.1:$P_ORIGIN/1k"
		run_wrk "tinyproxy-c$conns" "$tinypid" "http://127.0.0.1:$P_TINY" "$tmp/abs.lua"
		proxy_pairs "c$conns-" "$tmp/abs.lua"
	done
	conns=${CONNS%% *}
	if [ "$PACED_MS" -gt 0 ]; then
		echo "### Paced: wrk -t2 -c$conns, each connection waiting ${PACED_MS} ms between requests (offered at most $((conns * 1000 / PACED_MS)) requests/s)"
		echo
		echo "| target | requests/s | p50 | p99 | server CPU s | requests per CPU-s | origin CPU s | machine idle | load |"
		echo "|---|---|---|---|---|---|---|---|---|"
		proxy_pairs "paced-" "$tmp/paced.lua"
	fi
fi

qfile=$tmp/list/queries.txt
if [ "$DNS_QUERIES" = clean ]; then
	qfile=$tmp/list/queries-clean.txt
	awk 'NR == FNR {listed[$1] = 1; next} !($1 in listed)' "$tmp/list/domains.txt" "$tmp/list/queries.txt" >"$qfile"
fi
run_dnsperf() { # name pid port
	# One warm-up pass fills the cache (and the sinkhole answers).
	"${GEN[@]}" dnsperf -s 127.0.0.1 -p "$3" -d "$qfile" -n 1 >/dev/null 2>&1 || true
	local out c0 c1 l0
	l0=$(load1)
	c0=$(cpu "$2")
	out=$("${GEN[@]}" dnsperf -s 127.0.0.1 -p "$3" -d "$qfile" -l "$DURATION" -c "$DNS_CLIENTS" -Q 1000000 2>&1)
	c1=$(cpu "$2")
	echo "$out" >"$tmp/dnsperf-$1.txt"
	local qps lat lost cs per
	qps=$(echo "$out" | awk '/Queries per second/ {printf "%d", $4}')
	lat=$(echo "$out" | awk '/Average Latency/ {printf "%.2f ms", $4*1000}')
	lost=$(echo "$out" | awk '/Queries lost/ {print $3, $4}')
	cs=$(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.1f", b-a}')
	per=$(awk -v r="$qps" -v d="$DURATION" -v c="$cs" 'BEGIN {if (c > 0) printf "%d", r*d/c; else print "-"}')
	echo "| $1 | $qps | $lat | $lost | $cs | $per | $l0 |"
	last_qps=$qps last_per=$per
}

if [ "$ONLY" != proxy ]; then
	echo "## DNS: dnsperf -c $DNS_CLIENTS -l $DURATION, $(wc -l <"$qfile") names ($DNS_QUERIES: $(awk 'NR == FNR {listed[$1] = 1; next} ($1 in listed) {n++} END {print n+0}' "$tmp/list/domains.txt" "$qfile") listed), answered from cache"
	echo
	echo "| resolver | queries/s | avg latency | lost | server CPU s | queries per CPU-s | load |"
	echo "|---|---|---|---|---|---|---|"
	ratios=()
	for i in $(seq 1 "$PAIRS"); do
		run_dnsperf "dnsmasq-$i" "$dnsmasqpid" "$P_DNSMASQ"
		d_qps=$last_qps d_per=$last_per
		run_dnsperf "honeygate-$i" "$hgpid" "$P_HGDNS"
		ratios+=("pair $i: $(ratio "$last_qps" "$d_qps")x dnsmasq's queries/s ($(ratio "$last_per" "$d_per")x per CPU-s)")
	done
	echo
	printf -- '- %s\n' "${ratios[@]}"
	echo
fi
echo "- honeygate RSS at the end $(awk '/VmRSS/ {printf "%d MiB", $2/1024}' /proc/$hgpid/status)"
grep -E '"level":"(ERROR|WARN)"|level=(ERROR|WARN)' "$tmp/honeygate.log" | head -5 || true
