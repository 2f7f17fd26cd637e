#!/usr/bin/env bash
# What one durable submission costs PostgreSQL, in figures that do not depend
# on how busy the machine is: WAL bytes written and petition-row updates per
# submission (worker off, so only the filing transaction writes), at 16
# clients for N seconds; how often a backend waited on a lock (pg_stat_activity
# sampled every 0.1 s); and, where PostgreSQL preloads pg_stat_statements
# (shared_preload_libraries), the statements per submission and their time.
# Compare two binaries with MINGJING_BIN=path.
# Usage: MINGJING_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test bench/pg_write_cost.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
: "${MINGJING_BENCH_POSTGRES_URL:?set MINGJING_BENCH_POSTGRES_URL to a PostgreSQL database it may create databases from}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
BIN="${MINGJING_BIN:-./target/release/mingjing}"
[ -n "${MINGJING_BIN:-}" ] || cargo build --release --locked --bin mingjing >/dev/null 2>&1
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
ADMIN="$MINGJING_BENCH_POSTGRES_URL"; DB="${ADMIN%/*}/mingjing_bench"
psql "$ADMIN" -qc "DROP DATABASE IF EXISTS mingjing_bench WITH (FORCE)" -c "CREATE DATABASE mingjing_bench" >/dev/null
DESC="$(printf '%.0s某派出所民警在办理案件时存在违规行为，具体情况如下。' $(seq 1 13))"
cat >"$WORK/submit.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind":"report","category":"misconduct","title":"压力测试","description":"$DESC","anonymous":true}'
LUA
env MINGJING_DATA_DIR="$WORK/data" MINGJING_BIND=127.0.0.1:0 MINGJING_WORKER=off MINGJING_CAPTCHA=off \
  MINGJING_RATE_LIMITS=off RUST_LOG=warn MINGJING_DATABASE_URL="$DB" "$BIN" serve --demo >"$WORK/out.log" 2>"$WORK/err.log" &
PID=$!
for _ in $(seq 1 900); do grep -q "serving on" "$WORK/out.log" 2>/dev/null && break; sleep 0.1; done
addr="$(sed -n 's/^Mingjing is serving on //p' "$WORK/out.log")"
q() { psql -tA "$DB" -c "$1"; }
q "SELECT pg_stat_reset()" >/dev/null
statements=""
if q "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()" >/dev/null 2>&1; then statements=yes; fi
n0=$(q "SELECT COUNT(*) FROM petitions"); w0=$(q "SELECT pg_current_wal_lsn()")
( end=$((SECONDS + DURATION - 1)); while [ $SECONDS -lt $end ]; do
    q "SELECT COUNT(*) FILTER (WHERE wait_event_type = 'Lock'), COUNT(*) FROM pg_stat_activity WHERE datname = 'mingjing_bench' AND state = 'active' AND pid <> pg_backend_pid()"
    sleep 0.1
  done >"$WORK/waits.txt" ) &
SAMPLER=$!
rate=$(wrk -t2 -c16 -d"${DURATION}s" -s "$WORK/submit.lua" "$addr/api/v1/petitions" | awk '/Requests\/sec/ {print $2}')
wait "$SAMPLER" || true
sleep 1
n=$(( $(q "SELECT COUNT(*) FROM petitions") - n0 ))
wal=$(q "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$w0')")
upd=$(q "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'petitions'")
awk -v n="$n" -v wal="$wal" -v upd="$upd" -v rate="$rate" 'BEGIN {
  printf "submissions %d (%s/s, worker off)  WAL bytes per submission %.0f  petition-row updates per submission %.2f\n", n, rate, wal / n, upd / n }'
awk -F'|' '{ lock += $1; active += $2 } END {
  printf "active backends sampled %d, waiting on a lock %d (%.1f%%)\n", active, lock, active ? 100 * lock / active : 0 }' "$WORK/waits.txt"
if [ -n "$statements" ]; then
  echo "statements per submission (pg_stat_statements), by total time:"
  q "SELECT round(calls::numeric / $n, 2) || ' × ' || round((total_exec_time / calls)::numeric, 3) || ' ms  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 90)
     FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'mingjing_bench') AND calls >= $n / 2
     ORDER BY total_exec_time DESC LIMIT 12"
else
  echo "(statements per submission: add pg_stat_statements to shared_preload_libraries to see them)"
fi
