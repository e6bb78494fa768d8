"""Warm in-process latency of the reference handler: one API Gateway event, called again and again."""
import json
import resource
import statistics
import sys
import time

import app

event = json.loads(sys.argv[1])
n = int(sys.argv[2])
for _ in range(min(200, n)):
    app.handler(event, None)
times = []
for _ in range(n):
    t = time.perf_counter_ns()
    app.handler(event, None)
    times.append((time.perf_counter_ns() - t) / 1000)
times.sort()
print(json.dumps({
    "p50_us": times[len(times) // 2],
    "p99_us": times[int(len(times) * 0.99)],
    "mean_us": statistics.fmean(times),
    "calls": n,
    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
