#!/usr/bin/env bash
# The staff console's queues and a petition's detail with 100,000 petitions in
# the database, and the deadline sweep. Usage: bench/handling.sh [petitions] [seconds]
# (needs wrk; loads only 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-100000}"
DURATION="${2:-8}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked --bin mingjing >/dev/null 2>&1
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export MINGJING_DATA_DIR="$WORK/data" RUST_LOG=warn MINGJING_CAPTCHA=off MINGJING_RATE_LIMITS=off MINGJING_SECOND_FACTOR=none
./target/release/mingjing seed-demo >/dev/null
./target/release/mingjing bench-seed --petitions "$COUNT"
# The reads are measured on a node without the worker (as a web-only node would run);
# the sweep is timed on its own afterwards.
MINGJING_WORKER=off MINGJING_BIND=127.0.0.1:0 ./target/release/mingjing serve >"$WORK/out.log" 2>"$WORK/err.log" &
PID=$!
for _ in $(seq 1 200); do grep -q "serving on" "$WORK/out.log" 2>/dev/null && break; sleep 0.1; done
ADDR="$(sed -n 's/^Mingjing is serving on //p' "$WORK/out.log")"
token() {
  curl -s -X POST -H 'Content-Type: application/json' -d "{\"email\":\"$1\",\"password\":\"mingjing-demo-2026\"}" "$ADDR/api/v1/auth/token" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
BOSS="$(token supervisor@lj-court.demo.mingjing.example)"
HANDLER="$(token handler@lj-court.demo.mingjing.example)"
# An anonymous petition: reading a named complainant writes an audit entry on every view.
TN="$(curl -s -H "Authorization: Bearer $BOSS" "$ADDR/api/v1/staff/petitions" | grep -o '"tracking_number":"BENCH[0-9]*","kind":"report"' | head -n1 | sed -n 's/.*"tracking_number":"\([^"]*\)".*/\1/p')"
run() {
  wrk -t2 -c16 -d"${DURATION}s" --latency -H "Authorization: Bearer $2" "$ADDR$1" >"$WORK/wrk.txt"
  printf '%-48s %10s req/s  p50 %-9s p99 %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")" \
    "$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")"
}
run "/api/v1/staff/petitions?queue=overdue" "$BOSS"
run "/api/v1/staff/petitions?queue=mine" "$HANDLER"
run "/api/v1/staff/petitions/$TN" "$BOSS"
./target/release/mingjing sweep
./target/release/mingjing sweep
