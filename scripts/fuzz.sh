#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a short time ($1, default 5s).
set -euo pipefail
fuzztime="${1:-5s}"
cd "$(dirname "$0")/.."
status=0
while IFS= read -r file; do
  pkg="./$(dirname "$file")"
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
    echo "fuzz: $pkg $target ($fuzztime)"
    if ! go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg"; then
      status=1
    fi
  done
done < <(grep -rlE '^func Fuzz' --include='*_test.go' cmd internal 2>/dev/null | sort)
exit $status
