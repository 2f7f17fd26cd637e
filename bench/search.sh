#!/usr/bin/env bash
# Search at scale with the embedded engine: N synthetic petitions (default
# 1,000,000; Chinese text from varied templates, one closed petition in ten with a
# published answer) plus the demo procedures, cases and answers. Reports indexing
# throughput (`mingjing reindex`), index size, the server's RSS, and latency of
# 20 fixed queries with filters (bench/search_queries.py).
# Usage: bench/search.sh [petitions]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-1000000}"
cargo build --release --locked --bin mingjing >/dev/null 2>&1
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
PID=0
export MINGJING_DATA_DIR="$WORK/data" RUST_LOG=warn MINGJING_CAPTCHA=off MINGJING_RATE_LIMITS=off MINGJING_SECOND_FACTOR=none
./target/release/mingjing seed-demo >/dev/null
./target/release/mingjing bench-seed --petitions "$COUNT"
./target/release/mingjing reindex
echo "index on disk: $(du -sh "$WORK/data/search" | cut -f1) (database: $(du -sh "$WORK/data/mingjing.db" | cut -f1))"
MINGJING_WORKER=off MINGJING_BIND=127.0.0.1:0 ./target/release/mingjing serve >"$WORK/out.log" 2>"$WORK/err.log" &
PID=$!
for _ in $(seq 1 300); do grep -q "serving on" "$WORK/out.log" 2>/dev/null && break; sleep 0.1; done
ADDR="$(sed -n 's/^Mingjing is serving on //p' "$WORK/out.log")"
python3 bench/search_queries.py "$ADDR" "$PID"
# Under load: 16 concurrent clients on one public and one staff query.
if command -v wrk >/dev/null; then
  TOKEN="$(curl -s -X POST -H 'Content-Type: application/json' -d '{"email":"supervisor@lj-court.demo.mingjing.example","password":"mingjing-demo-2026"}' "$ADDR/api/v1/auth/token" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')"
  for q in "q=%E5%9B%BD%E5%AE%B6%E8%B5%94%E5%81%BF" "q=%E6%89%A7%E8%A1%8C%E6%AC%BE&status=closed"; do
    AUTH=""; [ "${q#q=%E6}" != "$q" ] && AUTH="Authorization: Bearer $TOKEN"
    wrk -t2 -c16 -d8s --latency ${AUTH:+-H "$AUTH"} "$ADDR/api/v1/search?$q" >"$WORK/wrk.txt"
    printf '16 clients %-48s %10s req/s  p50 %-9s p99 %s\n' "${AUTH:+staff }$q" "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")" \
      "$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")"
  done
fi
