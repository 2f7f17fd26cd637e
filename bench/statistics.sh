#!/usr/bin/env bash
# Open results with many petitions: seeds the demo plus synthetic petitions
# with their record, rebuilds the roll-ups, times the daily signed snapshot,
# then loads the public statistics page and API at 64 connections (cached;
# the first request of each is timed cold), and compares filing through
# Open311 GeoReport v2 with filing through /api/v1/petitions in the same run
# (16 clients, the same 1 KB description, committed before the answer).
# Usage: bench/statistics.sh [petitions] [seconds]   (needs wrk; loads only 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-1000000}"
DURATION="${2:-10}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked --bin mingjing >/dev/null 2>&1
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export MINGJING_DATA_DIR="$WORK/data" RUST_LOG=warn MINGJING_CAPTCHA=off MINGJING_RATE_LIMITS=off
BIN=./target/release/mingjing
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >"$WORK/cmd.txt"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a }'; }
echo "seed-demo: $(secs $BIN seed-demo)"
echo "bench-seed --petitions $COUNT: $(secs $BIN bench-seed --petitions "$COUNT")"
echo "rollup --rebuild: $(secs $BIN rollup --rebuild)"
echo "stats snapshot (the daily signed file): $(secs $BIN stats snapshot) — $(cat "$WORK/cmd.txt")"
KEY="$($BIN partner add --name bench --requests-per-minute 1000000 --by bench | sed -n 's/^api_key: //p')"

MINGJING_WORKER=off MINGJING_BIND=127.0.0.1:0 $BIN serve >"$WORK/out.log" 2>"$WORK/err.log" &
PID=$!
for _ in $(seq 1 300); do grep -q "serving on" "$WORK/out.log" 2>/dev/null && break; sleep 0.1; done
ADDR="$(sed -n 's/^Mingjing is serving on //p' "$WORK/out.log")"
YEAR="$(TZ=Asia/Shanghai date +%Y)"
PROCEDURE="$(curl -s "$ADDR/api/v1/procedures" | sed -n 's/.*"items":\[{"id":\([0-9]*\).*/\1/p')"

cold() { curl -s -o /dev/null -w '%{time_total}' "$ADDR$1" | awk '{printf "%.0f ms", $1 * 1000}'; }
echo "cold /statistics: $(cold /statistics); then /api/v1/statistics?scope=type:court: $(cold "/api/v1/statistics?scope=type:court&period=$YEAR")"
SNAP="$(curl -s -o /dev/null -w '%{size_download} bytes in %{time_total} s' "$ADDR/statistics/snapshots/$(TZ=Asia/Shanghai date +%F).json")"
echo "snapshot download: $SNAP"

report() {
  printf '%-44s %10s req/s  p50 %-9s p99 %-9s %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")" \
    "$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")" \
    "$(awk '/Non-2xx|Socket errors/' "$WORK/wrk.txt")"
}
get() {
  local status
  status="$(curl -s -o /dev/null -w '%{http_code}' "$ADDR$1")"
  [ "$status" = 200 ] || { echo "$1 answered $status" >&2; exit 1; }
  wrk -t2 -c64 -d"${DURATION}s" --latency "$ADDR$1" >"$WORK/wrk.txt"
  report "$2"
}
get "/procedures/$PROCEDURE" "procedure page (plain), 64 conn"
get "/statistics" "/statistics (province, this year), 64 conn"
get "/statistics?scope=type:court&period=$YEAR-Q4" "/statistics (courts, quarter), 64 conn"
get "/api/v1/statistics" "/api/v1/statistics (province), 64 conn"
get "/api/v1/statistics?scope=agency:lj-jb-court&period=$YEAR&format=csv" "/api/v1/statistics (county court, CSV), 64 conn"

# 13 × 25 characters ≈ 1 KB of UTF-8, the same for both.
DESC="$(printf '%.0s某派出所民警在办理案件时存在违规行为，具体情况如下。' $(seq 1 13))"
cat >"$WORK/api.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind":"report","category":"misconduct","title":"压力测试","description":"$DESC","anonymous":true}'
LUA
FORM="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlencode({"api_key": sys.argv[1], "service_code": "report.misconduct", "attribute[title]": "压力测试", "attribute[anonymous]": "true", "description": sys.argv[2]}))' "$KEY" "$DESC")"
cat >"$WORK/open311.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "$FORM"
LUA
wrk -t2 -c16 -d"${DURATION}s" --latency -s "$WORK/api.lua" "$ADDR/api/v1/petitions" >"$WORK/wrk.txt"
report "POST /api/v1/petitions, 16 conn"
API="$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")"
wrk -t2 -c16 -d"${DURATION}s" --latency -s "$WORK/open311.lua" "$ADDR/open311/v2/requests.json" >"$WORK/wrk.txt"
report "POST /open311/v2/requests.json, 16 conn"
O311="$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")"
awk -v a="$API" -v o="$O311" 'BEGIN { printf "Open311 filing / API filing: %.2f\n", o / a }'
