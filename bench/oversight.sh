#!/usr/bin/env bash
# Supervision and evaluation with many petitions: seeds the demo (a year of
# handling) plus synthetic petitions with their record (events, met deadlines,
# audit entries), times the full roll-up rebuild and the nightly recount of one
# day, then loads the oversight page of the province court (7 courts, every
# level) and of a county court, an officer's record, the evaluation, the
# exceptions list (监督提示, page and JSON) and the ranking (红黑榜) with 16
# clients on a web-only node, beside a plain procedure page in the same run;
# and times a month's bulletins (every agency's, each with the ranking of the
# bodies below it).
# Usage: bench/oversight.sh [petitions] [seconds]   (needs wrk; loads only 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-1000000}"
DURATION="${2:-8}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked --bin mingjing >/dev/null 2>&1
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export MINGJING_DATA_DIR="$WORK/data" RUST_LOG=warn MINGJING_CAPTCHA=off MINGJING_RATE_LIMITS=off MINGJING_SECOND_FACTOR=none
BIN=./target/release/mingjing
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >"$WORK/cmd.txt"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a }'; }
echo "seed-demo: $(secs $BIN seed-demo)"
echo "bench-seed --petitions $COUNT: $(secs $BIN bench-seed --petitions "$COUNT")"
echo "rollup --rebuild: $(secs $BIN rollup --rebuild) — $(cat "$WORK/cmd.txt")"
YESTERDAY="$(TZ=Asia/Shanghai date -d yesterday +%F)"
echo "rollup --day $YESTERDAY (the nightly recount): $(secs $BIN rollup --day "$YESTERDAY")"
echo "database: $(du -sh "$WORK/data" | cut -f1)"
MONTH="$(TZ=Asia/Shanghai date +%Y-%m)"
echo "bulletin --month $MONTH (every agency, with its ranking): $(secs $BIN bulletin --month "$MONTH")"

MINGJING_WORKER=off MINGJING_BIND=127.0.0.1:0 $BIN serve >"$WORK/out.log" 2>"$WORK/err.log" &
PID=$!
# At 1 M petitions the start (migrations checked, search index opened) takes
# longer than the 30 s this once waited: up to 5 minutes now, and said.
STARTED=$(date +%s.%N)
for _ in $(seq 1 3000); do grep -q "serving on" "$WORK/out.log" 2>/dev/null && break; sleep 0.1; done
echo "serve: answering after $(awk -v a="$STARTED" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')"
ADDR="$(sed -n 's/^Mingjing is serving on //p' "$WORK/out.log")"

# Logs in through the form as a browser does; the session cookie lands in $WORK/$2.jar.
login() {
  local jar="$WORK/$2.jar" token
  token="$(curl -s -c "$jar" -b "$jar" "$ADDR/staff/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1)"
  curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
    --data-urlencode "email=$1" --data-urlencode "password=mingjing-demo-2026" --data-urlencode "next=" "$ADDR/staff/login"
  awk '$6 ~ /^mingjing/ {print $6 "=" $7}' "$jar" | tail -n1
}
PROVINCE="$(login auditor@jn-court.demo.mingjing.example province)"
COUNTY="$(login supervisor@lj-jb-court.demo.mingjing.example county)"
PROCEDURE="$(curl -s "$ADDR/api/v1/procedures" | sed -n 's/.*"items":\[{"id":\([0-9]*\).*/\1/p')"

# The first request of each page, caches empty: what a reader waits for when
# nobody has asked for that scope in the last 10 s (live figures) / 60 s (sums).
cold() { curl -s -o /dev/null -w '%{time_total}' -b "$2" "$ADDR$1" | awk '{printf "%.0f ms", $1 * 1000}'; }
echo "cold, province exceptions: $(cold /staff/oversight/exceptions "$PROVINCE"); ranking: $(cold /staff/oversight/ranking "$PROVINCE")"
echo "cold, province oversight: $(cold /staff/oversight "$PROVINCE"); county oversight: $(cold /staff/oversight "$COUNTY")"
# The record of the province court's supervisor (who assigns and approves: the
# most acts), read by the court's auditor; the console's own-record link names it.
BOSS="$(login supervisor@jn-court.demo.mingjing.example boss)"
OFFICER="$(curl -s -b "$BOSS" "$ADDR/staff/oversight" | grep -o 'href="/staff/officers/[0-9]*"' | head -n1 | sed 's/href="\([^"]*\)"/\1/')"
echo "cold, record $OFFICER: $(cold "$OFFICER" "$PROVINCE")"

run() {
  local status
  status="$(curl -s -o /dev/null -w '%{http_code}' -b "$2" "$ADDR$1")"
  [ "$status" = 200 ] || { echo "$1 answered $status" >&2; exit 1; }
  wrk -t2 -c16 -d"${DURATION}s" --latency -H "Cookie: $2" "$ADDR$1" >"$WORK/wrk.txt"
  printf '%-40s %10s req/s  p50 %-9s p99 %-9s %s\n' "$3" "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")" \
    "$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")" \
    "$(awk '/Non-2xx|Socket errors/' "$WORK/wrk.txt")"
}
run "/procedures/$PROCEDURE" "none=1" "procedure page (plain)"
run /staff/oversight "$PROVINCE" "oversight, province court (7 courts)"
run /staff/oversight "$COUNTY" "oversight, county court"
run "$OFFICER" "$PROVINCE" "officer record ($OFFICER)"
run "/staff/evaluation" "$PROVINCE" "evaluation, province court"
run /staff/oversight/exceptions "$PROVINCE" "exceptions, province court (page)"
run /staff/oversight/ranking "$PROVINCE" "ranking, province court"
