#!/usr/bin/env bash
# Durable submissions per second (one petition with a 1 KB description, no
# files, committed before the 201 goes out) and status lookups per second,
# at 16 concurrent clients, on SQLite (synchronous=FULL) and, when
# MINGJING_BENCH_POSTGRES_URL is set, on PostgreSQL.
# Usage: bench/petitions.sh [seconds]   (needs wrk). Only 127.0.0.1 is loaded.
# MINGJING_BIN=path runs that binary instead of building this tree (to compare
# two versions); BENCH_ENV='MINGJING_WORKER=off' adds settings to the server's.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
BIN="${MINGJING_BIN:-./target/release/mingjing}"
[ -n "${MINGJING_BIN:-}" ] || cargo build --release --locked --bin mingjing >/dev/null 2>&1
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# 13 × 25 characters ≈ 1 KB of UTF-8.
DESC="$(printf '%.0s某派出所民警在办理案件时存在违规行为，具体情况如下。' $(seq 1 13))"
cat >"$WORK/submit.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind":"report","category":"misconduct","title":"压力测试","description":"$DESC","anonymous":true}'
LUA

run_backend() {
  local name="$1" url="$2"
  rm -rf "$WORK/data"
  # Captcha and rate limits off: this measures the durable write path, not the anti-abuse refusals.
  env MINGJING_DATA_DIR="$WORK/data" MINGJING_BIND=127.0.0.1:0 ${BENCH_ENV:-} MINGJING_CAPTCHA=off MINGJING_RATE_LIMITS=off RUST_LOG=warn \
    ${url:+MINGJING_DATABASE_URL=$url} "$BIN" serve --demo >"$WORK/out.log" 2>"$WORK/err.log" &
  PID=$!
  for _ in $(seq 1 900); do grep -q "serving on" "$WORK/out.log" 2>/dev/null && break; sleep 0.1; done
  local addr; addr="$(sed -n 's/^Mingjing is serving on //p' "$WORK/out.log")"
  # The demo's year of history queues ~2,400 staff notices; measure after the
  # worker has sent them (as on a running portal), not while it catches up.
  for _ in $(seq 1 600); do
    curl -s "$addr/healthz" | grep -q '"queue":{"pending":0[,}]' && break; sleep 0.5
  done
  wrk -t2 -c16 -d"${DURATION}s" --latency -s "$WORK/submit.lua" "$addr/api/v1/petitions" >"$WORK/submit.txt"
  local created; created="$(curl -s -X POST -H 'Content-Type: application/json' \
    -d '{"kind":"report","category":"misconduct","title":"lookup","description":"用于查询测试的举报内容。","anonymous":true}' "$addr/api/v1/petitions")"
  local tn code
  tn="$(echo "$created" | sed -n 's/.*"tracking_number":"\([^"]*\)".*/\1/p')"
  code="$(echo "$created" | sed -n 's/.*"access_code":"\([^"]*\)".*/\1/p')"
  wrk -t2 -c16 -d"${DURATION}s" --latency -H "X-Access-Code: $code" "$addr/api/v1/petitions/$tn" >"$WORK/lookup.txt"
  for f in submit lookup; do
    printf '%-8s %-7s %10s req/s  p99 %-9s %s\n' "$name" "$f" \
      "$(awk '/Requests\/sec/ {print $2}' "$WORK/$f.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/$f.txt")" \
      "$(awk '/Non-2xx|Socket errors/' "$WORK/$f.txt" | tr '\n' ' ')"
  done
  kill "$PID"; wait "$PID" 2>/dev/null || true
}

run_backend sqlite ""
if [ -n "${MINGJING_BENCH_POSTGRES_URL:-}" ]; then
  psql "$MINGJING_BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS mingjing_bench WITH (FORCE)" -c "CREATE DATABASE mingjing_bench" >/dev/null
  run_backend postgres "${MINGJING_BENCH_POSTGRES_URL%/*}/mingjing_bench"
fi
