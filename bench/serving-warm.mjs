// Warm in-process latency of modelgate's Lambda handler for one API Gateway event (run by the benchmarks
// in its own process, with MODEL_URI set): node bench/serving-warm.mjs EVENT_JSON CALLS
const event = JSON.parse(process.argv[2]);
const n = Number(process.argv[3]);
const { handler } = await import('../dist/bundle/lambda/index.mjs');
for (let i = 0; i < Math.min(5000, n); i++) await handler(event);
const times = new Float64Array(n);
for (let i = 0; i < n; i++) {
  const t = process.hrtime.bigint();
  await handler(event);
  times[i] = Number(process.hrtime.bigint() - t) / 1000;
}
times.sort();
let sum = 0;
for (const t of times) sum += t;
process.stdout.write(
  `${JSON.stringify({
    p50_us: times[Math.floor(n / 2)],
    p99_us: times[Math.floor(n * 0.99)],
    mean_us: sum / n,
    calls: n,
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
    answer: await handler(event),
  })}\n`,
);
