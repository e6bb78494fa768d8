"""Warm in-process latency of a reference handler (module named by argv[3], default app): one event,
called again and again. Prints p50/p99 in microseconds and the process's peak resident memory."""
import importlib
import json
import resource
import statistics
import sys
import time

event = json.loads(sys.argv[1])
n = int(sys.argv[2])
handler = importlib.import_module(sys.argv[3] if len(sys.argv) > 3 else "app").handler
for _ in range(min(200, n)):
    handler(event, None)
times = []
for _ in range(n):
    t = time.perf_counter_ns()
    handler(event, None)
    times.append((time.perf_counter_ns() - t) / 1000)
times.sort()
print(json.dumps({
    "p50_us": times[len(times) // 2],
    "p99_us": times[int(len(times) * 0.99)],
    "mean_us": statistics.fmean(times),
    "calls": n,
    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "answer": handler(event, None),
}))
