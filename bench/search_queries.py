"""Latency of 20 fixed search queries (10 public, 10 staff with filters), each
run 40 times by one client after a warm-up, and the server's memory afterwards.
Usage: search_queries.py ADDRESS PID"""
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request

addr, pid = sys.argv[1], sys.argv[2]


def token():
    body = json.dumps({"email": "supervisor@lj-court.demo.mingjing.example",
                       "password": "mingjing-demo-2026"}).encode()
    req = urllib.request.Request(addr + "/api/v1/auth/token", body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["token"]


PUBLIC = [
    {"q": "国家赔偿"}, {"q": "举报"}, {"q": "交通违法"}, {"q": "执行", "type": "answers"},
    {"q": "法律援助", "agency_type": "justice_bureau"}, {"q": "state compensation"},
    {"q": "compensaton"}, {"q": "\"执行款\""}, {"q": "会见", "year": "2026"}, {"q": "上访"},
]
STAFF = [
    {"q": "执行款"}, {"q": "国家赔偿", "status": "closed"}, {"q": "派出所", "kind": "complaint"},
    {"q": "律师", "sort": "newest"}, {"q": "态度恶劣", "overdue": "1"}, {"q": "临江市", "sort": "deadline"},
    {"q": "举报线索", "from": "2025-01-01", "to": "2025-12-31"}, {"q": "取保候审", "category": "detention"},
    {"q": "reply in writing"}, {"q": "BENCH000000178"},
]


def run(params, bearer=None, n=40):
    url = addr + "/api/v1/search?" + urllib.parse.urlencode(params)
    headers = {"Authorization": "Bearer " + bearer} if bearer else {}
    times, total = [], 0
    for i in range(n + 5):
        t = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
            body = json.load(r)
        if i >= 5:
            times.append((time.perf_counter() - t) * 1000)
        total = body["total"]
    return times, total


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


bearer = token()
everything = []
for label, queries, auth in (("public", PUBLIC, None), ("staff", STAFF, bearer)):
    for params in queries:
        times, total = run(params, auth)
        everything += times
        print(f"{label:6} {json.dumps(params, ensure_ascii=False):62} {total:>8} hits  "
              f"p50 {statistics.median(times):6.1f} ms  p95 {pct(times, 95):6.1f} ms")
print(f"all 20 queries: p50 {pct(everything, 50):.1f} ms, p95 {pct(everything, 95):.1f} ms, "
      f"p99 {pct(everything, 99):.1f} ms ({len(everything)} requests, one client)")
status = open(f"/proc/{pid}/status").read()
fields = {l.split(":")[0]: l.split(":")[1].strip() for l in status.splitlines() if ":" in l}
print(f"server memory: VmRSS {fields.get('VmRSS')} (anonymous {fields.get('RssAnon')}, "
      f"file-backed index pages {fields.get('RssFile')}), VmHWM {fields.get('VmHWM')}")
