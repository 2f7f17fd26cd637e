#!/usr/bin/env bash
# Duplicate detection (重复信访): the precision and recall of "likely the same
# matter" on the labelled set (tests/fixtures/duplicates.toml: same phone,
# same case number, the text reworded, the same matter at another body,
# other matters of the same person, unrelated petitions that read alike),
# then the time the suggestions take on a portal with many petitions: the
# demo plus N synthetic ones, indexed, and a new petition's suggestions
# asked for by its intake clerk at 4 connections.
# Usage: bench/duplicates.sh [petitions] [seconds]   (needs wrk; loads only 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-100000}"
DURATION="${2:-10}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

echo "== precision on the labelled set (SQLite) =="
cargo test --release --locked --test api duplicates::labelled::on_sqlite -- --nocapture 2>&1 \
  | grep -E "^duplicate suggestions" || { echo "the labelled-set test failed" >&2; exit 1; }

echo "== suggestions on a portal with $COUNT petitions =="
cargo build --release --locked --bin mingjing >/dev/null 2>&1
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export MINGJING_DATA_DIR="$WORK/data" RUST_LOG=warn MINGJING_CAPTCHA=off MINGJING_RATE_LIMITS=off MINGJING_SECOND_FACTOR=none
BIN=./target/release/mingjing
$BIN seed-demo >/dev/null
$BIN bench-seed --petitions "$COUNT" >/dev/null
t0=$(date +%s.%N); $BIN reindex >/dev/null; t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "reindex: %.1f s\n", b - a }'
MINGJING_WORKER=off MINGJING_BIND=127.0.0.1:0 $BIN serve >"$WORK/out.log" 2>"$WORK/err.log" &
PID=$!
for _ in $(seq 1 300); do grep -q "serving on" "$WORK/out.log" 2>/dev/null && break; sleep 0.1; done
ADDR="$(sed -n 's/^Mingjing is serving on //p' "$WORK/out.log")"
AGENCY="$(curl -s "$ADDR/api/v1/agencies" | python3 -c 'import json,sys; print(next(a["id"] for a in json.load(sys.stdin) if a["code"]=="lj-jb-psb"))')"
TN="$(curl -s "$ADDR/api/v1/petitions" -H 'Content-Type: application/json' -d "{\"kind\":\"complaint\",\"agency_id\":$AGENCY,\"category\":\"conduct\",\"title\":\"户籍窗口要求往返三次\",\"description\":\"到江北分局户籍窗口办理落户，工作人员不一次性告知所需材料，来回跑了三次。\",\"contact\":{\"name\":\"测试\",\"phone\":\"13800000001\"}}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["tracking_number"])')"
TOKEN="$(curl -s "$ADDR/api/v1/auth/token" -H 'Content-Type: application/json' \
  -d '{"email":"intake-clerk@lj-jb-psb.demo.mingjing.example","password":"mingjing-demo-2026"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
sleep 2 # the indexer takes the new petition in (the worker is off: the server indexes)
curl -s -o /dev/null -w 'first answer: %{http_code} in %{time_total} s\n' -H "Authorization: Bearer $TOKEN" "$ADDR/api/v1/staff/petitions/$TN/duplicates"
wrk -t2 -c4 -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$ADDR/api/v1/staff/petitions/$TN/duplicates" >"$WORK/wrk.txt"
printf '%-44s %10s req/s  p50 %-9s p99 %-9s %s\n' "GET …/duplicates, 4 conn" \
  "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")" "$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")" \
  "$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")" "$(awk '/Non-2xx|Socket errors/' "$WORK/wrk.txt")"
