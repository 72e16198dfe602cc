#!/usr/bin/env bash
# Installs what building and testing honeygate needs on a fresh Debian machine
# that has Go. SQLite is pure Go (modernc.org/sqlite); YARA is linked through
# cgo (libyara-dev), so building needs gcc and the YARA headers.
set -euo pipefail

need_go="1.26"  # go.mod says go 1.26.8; an older go fetches that toolchain (GOTOOLCHAIN=auto)
if ! command -v go >/dev/null 2>&1; then
  echo "deps: Go is not installed; install Go ${need_go} or newer first (https://go.dev/doc/install)" >&2
  exit 1
fi

# For the end-to-end tests: telnet, openssh-client and sshpass (real
# clients, driven as bots drive them), iproute2 and iptables (a
# network namespace with a port-23 redirect, as deployed).
# curl and dig are real clients of the gateway's proxy and DNS filter.
# nmap (smb-vuln-ms17-010, smb-double-pulsar-backdoor) and smbclient (a
# benign client, NTLMv2 logons) test the SMB sensor.
pkgs=(ca-certificates git telnet openssh-client sshpass iproute2 iptables curl bind9-dnsutils nmap smbclient)
# For the client honeypot: libyara-dev and gcc (YARA through cgo, needed to
# build), chromium-headless-shell (the browser engine's Chromium: the same
# engine without the browser's UI layers, less than half the CPU per visit)
# and chromium (its fallback; the browser tests skip without either).
pkgs+=(gcc libyara-dev pkg-config chromium-headless-shell chromium)
# Optional, for the benchmarks only (BENCH=1): the gateway's peers and load
# generators (bench/gateway/run.sh).
if [ "${BENCH:-0}" = 1 ]; then
  pkgs+=(squid tinyproxy dnsmasq wrk dnsperf)
fi
# Optional (PEERS=1): the real consumers of `honeygate intel export`, which
# internal/intel's export tests start on loopback as their own children
# (and skip without): unbound, named and named-checkzone read the RPZ
# export, dnsmasq the hosts and dnsmasq exports, squid the squid export,
# suricata-update the suricata export (Debian 12 has no suricata engine).
# unbound and bind9 are daemons whose packages would start their system
# service on port 53: this script keeps Debian from starting any service
# while it installs (policy-rc.d, below) and disables the two it installed,
# since the tests never use them.
if [ "${PEERS:-0}" = 1 ]; then
  pkgs+=(unbound bind9 bind9-utils dnsmasq squid suricata-update)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "deps: installing ${missing[*]}"
    # The daemons here are peers that tests and benchmarks start as their
    # own children: forbid invoke-rc.d to start services during the
    # install (exit 101), unless the machine has its own policy.
    # Only when peers are asked for: a plain install has no daemon.
    rcd=/usr/sbin/policy-rc.d
    if [ "${PEERS:-0}${BENCH:-0}" != 00 ] && [ ! -e "$rcd" ]; then
      printf '#!/bin/sh\nexit 101\n' | $sudo tee "$rcd" >/dev/null && $sudo chmod 755 "$rcd"
      trap '$sudo rm -f "$rcd"' EXIT
    fi
    # libyara-dev and gcc are needed to build; the tests that need another skip without it.
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; }; then
      echo "deps: could not install ${missing[*]}; the tests that need them will be skipped" >&2
    fi
    # ... nor start at the next boot (the packages enable them).
    if command -v systemctl >/dev/null 2>&1; then
      for p in "${missing[@]}"; do
        case "$p" in
          unbound) $sudo systemctl disable --quiet unbound 2>/dev/null || true ;;
          bind9) $sudo systemctl disable --quiet named 2>/dev/null || true ;;
        esac
      done
    fi
  else
    echo "deps: please install: ${missing[*]}" >&2
  fi
fi
go mod download
