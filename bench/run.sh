#!/usr/bin/env bash
# Load benchmark: a procedure detail page (dynamic, 25+ procedures seeded)
# against a static file served by the same binary in the same run.
# Usage: bench/run.sh [seconds] [connections]   (needs wrk: apt-get install wrk)
# Requests loop only against 127.0.0.1 and stop after the given duration.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
CONNECTIONS="${2:-64}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release --locked --bin mingjing >/dev/null 2>&1
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
MINGJING_DATA_DIR="$WORK/data" MINGJING_BIND=127.0.0.1:0 RUST_LOG=warn \
  ./target/release/mingjing serve --demo >"$WORK/out.log" 2>"$WORK/err.log" &
PID=$!
for _ in $(seq 1 100); do grep -q "serving on" "$WORK/out.log" 2>/dev/null && break; sleep 0.1; done
ADDR="$(sed -n 's/^Mingjing is serving on //p' "$WORK/out.log")"
ID="$(curl -s "$ADDR/api/v1/procedures?q=%E5%9B%BD%E5%AE%B6%E8%B5%94%E5%81%BF" | sed -n 's/.*"items":\[{"id":\([0-9]*\).*/\1/p')"
COUNT="$(curl -s "$ADDR/api/v1/procedures" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')"
echo "server $ADDR, $COUNT procedures seeded, detail page /procedures/$ID ($(curl -s "$ADDR/procedures/$ID" | wc -c) bytes), static /static/site.css ($(curl -s "$ADDR/static/site.css" | wc -c) bytes)"

run() {
  curl -s -o /dev/null "$ADDR$1"  # warm
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$ADDR$1" >"$WORK/wrk.txt"
  local rps p99
  rps="$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")"
  p99="$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")"
  local errors
  errors="$(awk '/Non-2xx|Socket errors/' "$WORK/wrk.txt")"
  printf '%-28s %12s req/s   p99 %s %s\n' "$1" "$rps" "$p99" "$errors"
  echo "$rps"
}

STATIC="$(run /static/site.css | tee /dev/stderr | tail -n1)"
DYNAMIC="$(run "/procedures/$ID" | tee /dev/stderr | tail -n1)"
LIST="$(run "/procedures?agency_type=court" | tee /dev/stderr | tail -n1)"
SEARCH="$(run "/procedures?q=%E8%B5%94%E5%81%BF" | tee /dev/stderr | tail -n1)"
awk -v d="$DYNAMIC" -v s="$STATIC" -v l="$LIST" -v q="$SEARCH" 'BEGIN { printf "detail / static = %.0f%%; list by type (cached) / static = %.0f%%; title search (uncached: 3 queries + render) / static = %.0f%%\n", 100*d/s, 100*l/s, 100*q/s }'
