// The cost calculator against AWS's own published worked examples (us-east-1, x86), to the cent, and
// its rounding, tiers, break-even volumes and input checks. Amounts are compared to the cent (within
// half a cent, and as printed) where AWS prints cents, and within 1e-9 relative otherwise.
import { describe, expect, it } from 'vitest';
import { costModel, PRICES, type Workload } from '../../src/cost/calculator.js';

const calc = costModel(PRICES);

/** `usd` rounds to `cents` as AWS prints it: within half a cent, and formatted the same. */
function expectCents(usd: number, cents: string): void {
  expect(Math.abs(usd - Number(cents.replace(/[$,]/g, '')))).toBeLessThan(0.005);
  expect(calc.formatUsd(usd)).toBe(cents);
}

function expectClose(actual: number, expected: number, relative = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * relative + 1e-12);
}

function estimate(w: Parameters<typeof calc.workload>[0]) {
  return calc.estimate(calc.workload(w));
}

describe("AWS Lambda pricing page's worked examples", () => {
  it('enriching streaming telemetry: 7.44M requests x 2 s x 1024 MB = $249.49 (no free tier on the page)', () => {
    const e = estimate({ requestsPerMonth: 7_440_000, durationMs: 2000, memoryMb: 1024 });
    // "7.44M * $0.20/million = $1.488 ~= $1.49"; "14.88M GB-s * $0.0000166667 = $248.00"
    expectCents(e.breakdown.lambda.requests, '$1.49');
    expectClose(e.breakdown.lambda.gbSeconds, 14_880_000);
    expectCents(e.breakdown.lambda.duration, '$248.00');
    expectCents(e.lambda, '$249.49');
  });

  it('Cyber Monday: 7 x 4096 MB provisioned for 24 h, 2M requests x 280 ms = $32.26', () => {
    const e = estimate({
      requestsPerMonth: 2_000_000,
      durationMs: 280,
      memoryMb: 4096,
      provisionedConcurrency: 7,
      provisionedHours: 24,
    });
    const l = e.breakdown.lambda;
    expectClose(l.provisionedGbSeconds, 2_419_200); // "28 GB * 86,400 seconds = 2,419,200 GB-s"
    expectCents(l.provisionedConcurrency, '$10.08');
    expectClose(l.gbSeconds, 2_240_000);
    expect(l.durationRate).toBe('provisioned');
    expectCents(l.duration, '$21.78');
    expectCents(l.requests, '$0.40');
    expectCents(e.lambda, '$32.26');
    expect(e.notes).toEqual([]);
  });

  it('mobile application backend: 3M requests x 120 ms x 1536 MB = $9.60 without the free tier (the page deducts it: $2.73)', () => {
    const e = estimate({ requestsPerMonth: 3_000_000, durationMs: 120, memoryMb: 1536 });
    expectClose(e.breakdown.lambda.gbSeconds, 540_000); // "540,000 GB-s"
    // $9.60 is our arithmetic, not on the page; less the free tier it is the page's own total.
    expectCents(e.lambda, '$9.60');
    const freeTier = 400_000 * 0.0000166667 + (1_000_000 * 0.2) / 1e6;
    expectCents(e.lambda - freeTier, '$2.73');
  });

  it("ML on support tickets: 6M requests x 280 ms x 4096 MB is 6,720,000 GB-s; less the free tier, the page's $105.33", () => {
    const e = estimate({ requestsPerMonth: 6_000_000, durationMs: 280, memoryMb: 4096 });
    expectClose(e.breakdown.lambda.gbSeconds, 6_720_000);
    expectCents(e.breakdown.lambda.duration - 400_000 * 0.0000166667, '$105.33');
  });

  it('provisioned concurrency, mobile launch: 100 x 1536 MB for 8 h = $18, and 500,000 requests x 100 ms at the provisioned rate = $0.73', () => {
    const e = estimate({
      requestsPerMonth: 500_000,
      durationMs: 100,
      memoryMb: 1536,
      provisionedConcurrency: 100,
      provisionedHours: 8,
    });
    expectClose(e.breakdown.lambda.provisionedGbSeconds, 4_320_000);
    expectCents(e.breakdown.lambda.provisionedConcurrency, '$18.00');
    expectClose(e.breakdown.lambda.gbSeconds, 75_000);
    expectCents(e.breakdown.lambda.duration, '$0.73');
  });

  it('the 1 ms billing announcement: 60M requests x 28 ms x 1 GB = $12 + $28 = $40', () => {
    const e = estimate({ requestsPerMonth: 60_000_000, durationMs: 28, memoryMb: 1024 });
    expectCents(e.breakdown.lambda.requests, '$12.00');
    expectCents(e.breakdown.lambda.duration, '$28.00');
    expectCents(e.lambda, '$40.00');
  });
});

describe("API Gateway pricing page's worked examples", () => {
  it('HTTP API: 432M requests = $300 + $118.80 = $418.80', () => {
    const e = estimate({ requestsPerMonth: 432_000_000, durationMs: 10, memoryMb: 128, payloadKb: 46 });
    expectCents(e.breakdown.apiGatewayHttp.requests, '$418.80');
    expectClose(e.apiGatewayHttp, e.lambda + e.breakdown.apiGatewayHttp.requests);
  });

  it('HTTP API: 1.08M uploads of 4.5 MB are metered as 9 requests each, 9.72M requests = $9.72', () => {
    const e = estimate({
      requestsPerMonth: 25 * 60 * 24 * 30,
      durationMs: 10,
      memoryMb: 128,
      payloadKb: 4608,
    });
    expect(e.breakdown.apiGatewayHttp.billedRequests).toBe(9_720_000);
    expectCents(e.breakdown.apiGatewayHttp.requests, '$9.72');
  });

  it('REST: 5 million calls = $17.50; 15 billion calls = $36,353.10', () => {
    const small = estimate({ requestsPerMonth: 5_000_000, durationMs: 10, memoryMb: 128 });
    expectCents(small.breakdown.apiGatewayRest.requests, '$17.50');
    const large = estimate({ requestsPerMonth: 15_000_000_000, durationMs: 10, memoryMb: 128 });
    expectCents(large.breakdown.apiGatewayRest.requests, '$36,353.10');
    expectClose(large.apiGatewayRest, large.lambda + large.breakdown.apiGatewayRest.requests);
  });
});

describe('duration rounding', () => {
  it.each([
    [1.1, 2],
    [1, 1],
    [0.031, 1],
    [280, 280],
    [280.4, 281],
    [1999.0001, 2000],
  ])('%s ms bills as %s ms', (ms, billed) => {
    expect(calc.billedDurationMs(ms)).toBe(billed);
    const e = estimate({ requestsPerMonth: 1_000_000, durationMs: ms, memoryMb: 1024 });
    expect(e.breakdown.lambda.billedDurationMs).toBe(billed);
    expectClose(e.breakdown.lambda.gbSeconds, (1_000_000 * billed) / 1000);
  });

  it('rounds each request, not the month: 1M requests of 1.1 ms cost what 1M of 2 ms do', () => {
    const a = estimate({ requestsPerMonth: 1_000_000, durationMs: 1.1, memoryMb: 1024 });
    const b = estimate({ requestsPerMonth: 1_000_000, durationMs: 2, memoryMb: 1024 });
    expect(a.lambda).toBe(b.lambda);
    expect(a.lambda).toBeGreaterThan(
      estimate({ requestsPerMonth: 1_000_000, durationMs: 1, memoryMb: 1024 }).lambda,
    );
  });
});

describe('tiers', () => {
  // 1024 MB x 1000 ms: one GB-second a request, so the volume is the month's GB-seconds.
  const gbSeconds = (n: number, arch: Workload['arch']) =>
    estimate({ requestsPerMonth: n, durationMs: 1000, memoryMb: 1024, arch }).breakdown.lambda.duration;

  it('x86_64 duration: 6 billion GB-s at $0.0000166667, the next 9 billion at $0.000015, beyond at $0.0000133334', () => {
    expectClose(gbSeconds(6e9, 'x86_64'), 6e9 * 0.0000166667);
    expectClose(gbSeconds(6e9 + 1e6, 'x86_64'), 6e9 * 0.0000166667 + 1e6 * 0.000015);
    expectClose(gbSeconds(15e9, 'x86_64'), 6e9 * 0.0000166667 + 9e9 * 0.000015);
    expectClose(gbSeconds(16e9, 'x86_64'), 6e9 * 0.0000166667 + 9e9 * 0.000015 + 1e9 * 0.0000133334);
  });

  it('arm64 duration: 7.5 billion GB-s at $0.0000133334, the next 11.25 billion at $0.0000120001, beyond at $0.0000106667', () => {
    expectClose(gbSeconds(7.5e9, 'arm64'), 7.5e9 * 0.0000133334);
    expectClose(gbSeconds(7.5e9 + 1e6, 'arm64'), 7.5e9 * 0.0000133334 + 1e6 * 0.0000120001);
    expectClose(gbSeconds(18.75e9, 'arm64'), 7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001);
    expectClose(
      gbSeconds(20e9, 'arm64'),
      7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667,
    );
  });

  it('provisioned concurrency: flat rates per architecture, and its hours billed in 5-minute steps', () => {
    const w = { requestsPerMonth: 1_000_000, durationMs: 100, memoryMb: 2048, provisionedConcurrency: 2 };
    const x86 = estimate(w).breakdown.lambda;
    expectClose(x86.provisionedGbSeconds, 2 * 2 * 730 * 3600);
    expectClose(x86.provisionedConcurrency, 2 * 2 * 730 * 3600 * 0.0000041667);
    expectClose(x86.duration, 200_000 * 0.0000097222);
    const arm = estimate({ ...w, arch: 'arm64' }).breakdown.lambda;
    expectClose(arm.provisionedConcurrency, 2 * 2 * 730 * 3600 * 0.0000033334);
    expectClose(arm.duration, 200_000 * 0.0000077778);
    // 1 hour and 1 second bills 1 hour 5 minutes.
    const odd = estimate({ ...w, provisionedHours: 1 + 1 / 3600 }).breakdown.lambda;
    expectClose(odd.provisionedGbSeconds, 2 * 2 * 3900);
  });

  it('notes requests beyond what the provisioned environments can serve', () => {
    const e = estimate({
      requestsPerMonth: 1_000_000,
      durationMs: 100,
      memoryMb: 1024,
      provisionedConcurrency: 1,
      provisionedHours: 24,
    });
    expect(e.breakdown.lambda.provisionedCapacity).toBe(864_000);
    expect(e.notes.join(' ')).toMatch(/1 provisioned environments serve at most 864k requests/);
  });

  it('REST: $3.50 per million to 333M, $2.80 to 1B, $2.38 to 20B, $1.51 beyond', () => {
    const rest = (n: number) =>
      estimate({ requestsPerMonth: n, durationMs: 1, memoryMb: 128 }).breakdown.apiGatewayRest.requests;
    expectClose(rest(333e6), 1165.5);
    expectClose(rest(334e6), 1165.5 + 2.8);
    expectClose(rest(1e9), 1165.5 + 1867.6);
    expectClose(rest(20e9), 1165.5 + 1867.6 + 19_000 * 2.38);
    expectClose(rest(21e9), 1165.5 + 1867.6 + 19_000 * 2.38 + 1000 * 1.51);
  });

  it('HTTP: $1.00 per million to 300M, $0.90 beyond; one request per started 512 KB', () => {
    const http = (n: number, payloadKb = 1) =>
      estimate({ requestsPerMonth: n, durationMs: 1, memoryMb: 128, payloadKb }).breakdown.apiGatewayHttp;
    expectClose(http(300e6).requests, 300);
    expectClose(http(301e6).requests, 300.9);
    expect(http(1e6, 512).billedRequests).toBe(1e6);
    expect(http(1e6, 512.5).billedRequests).toBe(2e6);
    expect(http(1e6, 1536).billedRequests).toBe(3e6); // a 1.5 MB request counts as 3
  });
});

describe('SageMaker', () => {
  it('real-time: ml.m5.large for 730 hours = $83.95 (Infracost from the Price List); 30 GB processed = $0.48', () => {
    // 1,048,576 requests of 15 KB in and 15 KB out: 30 GB.
    const e = estimate({ requestsPerMonth: 1_048_576, durationMs: 10, memoryMb: 128, payloadKb: 15 });
    const s = e.breakdown.sagemakerRealtime;
    expect(s.instanceType).toBe('ml.m5.large');
    expectCents(s.instances, '$83.95');
    expect(s.dataGb).toBe(30);
    expectCents(s.dataProcessed, '$0.48');
    expectClose(e.sagemakerRealtime, s.instances + s.dataProcessed);
  });

  it('real-time: the instance type and count', () => {
    const e = estimate({
      requestsPerMonth: 0,
      durationMs: 10,
      memoryMb: 128,
      instanceType: 'ml.m5.xlarge',
      sagemakerInstances: 2,
    });
    expectClose(e.sagemakerRealtime, 0.23 * 730 * 2);
  });

  it.each([
    [128, 1024],
    [1024, 1024],
    [1025, 2048],
    [3000, 3072],
    [6144, 6144],
  ])('serverless: %s MB runs on the %s MB size', (memoryMb, size) => {
    expect(calc.serverlessMemoryMb(memoryMb)).toBe(size);
    const e = estimate({ requestsPerMonth: 1_000_000, durationMs: 100, memoryMb });
    const s = e.breakdown.sagemakerServerless;
    expect(s.available && s.memoryMb).toBe(size);
    // 100,000 seconds of compute at $0.00002 per GB-second, plus 2 KB a request processed.
    expectClose(
      e.sagemakerServerless ?? Number.NaN,
      100_000 * (size / 1024) * 0.00002 + (2e6 / 1048576) * 0.016,
    );
  });

  it('serverless: above 6144 MB there is no size; the option is null with the reason', () => {
    const e = estimate({ requestsPerMonth: 1_000_000, durationMs: 100, memoryMb: 6145 });
    expect(e.sagemakerServerless).toBeNull();
    expect(e.breakdown.sagemakerServerless).toEqual({
      available: false,
      reason: 'Serverless Inference offers at most 6144 MB, less than 6145 MB',
    });
    expect(e.notes).toContain('Serverless Inference offers at most 6144 MB, less than 6145 MB');
  });

  it("serverless: Infracost's points from the Price List, 250,000 s at 1024 MB = $5.00 and 500,000 s at 2048 MB = $20.00", () => {
    const at = (memoryMb: number, seconds: number) =>
      estimate({ requestsPerMonth: seconds * 1000, durationMs: 1, memoryMb }).breakdown.sagemakerServerless;
    const one = at(1024, 250_000);
    const two = at(2048, 500_000);
    expect(one.available && two.available).toBe(true);
    if (one.available) expectCents(one.compute, '$5.00');
    if (two.available) expectCents(two.compute, '$20.00');
  });
});

describe('break-even with SageMaker real-time', () => {
  const base = { durationMs: 50, memoryMb: 512 };

  it('is the volume where each Lambda option costs what the endpoint does: cheaper below, dearer above', () => {
    const e = estimate({ ...base, requestsPerMonth: 1 });
    for (const option of ['lambda', 'apiGatewayRest', 'apiGatewayHttp'] as const) {
      const c = e.breakdown.breakEven[option];
      expect(c, option).not.toBeNull();
      if (!c) continue;
      expect(c.cheaperBelow).toBe('lambda');
      const at = estimate({ ...base, requestsPerMonth: c.requestsPerMonth });
      expectClose(at[option], at.sagemakerRealtime);
      const below = estimate({ ...base, requestsPerMonth: Math.floor(c.requestsPerMonth * 0.99) });
      const above = estimate({ ...base, requestsPerMonth: Math.ceil(c.requestsPerMonth * 1.01) });
      expect(below[option]).toBeLessThan(below.sagemakerRealtime);
      expect(above[option]).toBeGreaterThan(above.sagemakerRealtime);
    }
    // Lambda alone costs least per request, so it breaks even last.
    const b = e.breakdown.breakEven;
    expect(b.lambda!.requestsPerMonth).toBeGreaterThan(b.apiGatewayHttp!.requestsPerMonth);
    expect(b.apiGatewayHttp!.requestsPerMonth).toBeGreaterThan(b.apiGatewayRest!.requestsPerMonth);
  });

  it('does not depend on the volume it is computed at', () => {
    const a = estimate({ ...base, requestsPerMonth: 10 }).breakdown.breakEven;
    const b = estimate({ ...base, requestsPerMonth: 9e9 }).breakdown.breakEven;
    expect(a).toEqual(b);
  });

  it('falls past a tier boundary when it has to: 1 ms at 128 MB on a large instance fleet', () => {
    const w = { durationMs: 1, memoryMb: 128, instanceType: 'ml.m5.xlarge', sagemakerInstances: 10 };
    const c = estimate({ ...w, requestsPerMonth: 1 }).breakdown.breakEven.apiGatewayRest;
    expect(c?.requestsPerMonth).toBeGreaterThan(333e6); // past REST's first tier
    const at = estimate({ ...w, requestsPerMonth: c!.requestsPerMonth });
    expectClose(at.apiGatewayRest, at.sagemakerRealtime, 1e-9);
  });

  it('is null when the Lambda option is never cheaper (provisioned concurrency dearer than the endpoint)', () => {
    const e = estimate({ ...base, memoryMb: 10240, provisionedConcurrency: 10, requestsPerMonth: 1 });
    expect(e.lambda).toBeGreaterThan(e.sagemakerRealtime);
    expect(e.breakdown.breakEven).toEqual({ lambda: null, apiGatewayRest: null, apiGatewayHttp: null });
  });

  it('says SageMaker is cheaper below when large payloads make the endpoint dearer per request', () => {
    const w = { ...base, memoryMb: 10240, provisionedConcurrency: 2, payloadKb: 4096 };
    const c = estimate({ ...w, requestsPerMonth: 1 }).breakdown.breakEven.lambda;
    expect(c?.cheaperBelow).toBe('sagemakerRealtime');
    const at = estimate({ ...w, requestsPerMonth: c!.requestsPerMonth });
    expectClose(at.lambda, at.sagemakerRealtime, 1e-9);
  });
});

describe('inputs', () => {
  const good = calc.workload({ requestsPerMonth: 1000, durationMs: 10, memoryMb: 128 });

  it('fills the defaults: x86_64, no provisioned concurrency, the whole month, one ml.m5.large, 1 KB', () => {
    expect(good).toEqual({
      requestsPerMonth: 1000,
      durationMs: 10,
      memoryMb: 128,
      arch: 'x86_64',
      provisionedConcurrency: 0,
      provisionedHours: 730,
      instanceType: 'ml.m5.large',
      sagemakerInstances: 1,
      payloadKb: 1,
    });
    expect(calc.workloadProblems(good)).toEqual([]);
  });

  it.each<[Partial<Workload>, keyof Workload, RegExp]>([
    [{ requestsPerMonth: -1 }, 'requestsPerMonth', /a number of requests, 0 or more, got -1/],
    [{ requestsPerMonth: Number.NaN }, 'requestsPerMonth', /got NaN/],
    [{ memoryMb: 127 }, 'memoryMb', /from 128 to 10240, got 127/],
    [{ memoryMb: 10241 }, 'memoryMb', /from 128 to 10240, got 10241/],
    [{ memoryMb: 512.5 }, 'memoryMb', /got 512.5/],
    [{ durationMs: 0 }, 'durationMs', /above 0, got 0/],
    [{ durationMs: Number.POSITIVE_INFINITY }, 'durationMs', /got Infinity/],
    [{ arch: 'sparc' as Workload['arch'] }, 'arch', /x86_64 or arm64, got "sparc"/],
    [{ provisionedConcurrency: -2 }, 'provisionedConcurrency', /got -2/],
    [{ provisionedHours: 0 }, 'provisionedHours', /above 0 and at most 744, got 0/],
    [{ provisionedHours: 745 }, 'provisionedHours', /got 745/],
    [
      { instanceType: 'ml.z9.huge' },
      'instanceType',
      /one of ml\.t2\.medium, .*ml\.m5\.large.*, got "ml\.z9\.huge"/,
    ],
    [{ sagemakerInstances: 0 }, 'sagemakerInstances', /1 or more, got 0/],
    [{ payloadKb: -1 }, 'payloadKb', /above 0, got -1/],
  ])('refuses %o, naming %s', (change, field, message) => {
    const w = { ...good, ...change };
    const problems = calc.workloadProblems(w);
    expect(problems.map((p) => p.field)).toEqual([field]);
    expect(problems[0].message).toMatch(message);
    expect(() => calc.estimate(w)).toThrow(RangeError);
    expect(() => calc.estimate(w)).toThrow(new RegExp(`^${field} must be`));
  });

  it('chooses the smallest Lambda memory size that holds a peak, 128 MB at least', () => {
    expect(calc.lambdaMemoryFor(0)).toBe(128);
    expect(calc.lambdaMemoryFor(87.3)).toBe(128);
    expect(calc.lambdaMemoryFor(128)).toBe(128);
    expect(calc.lambdaMemoryFor(128.01)).toBe(129);
    expect(calc.lambdaMemoryFor(10240)).toBe(10240);
    expect(() => calc.lambdaMemoryFor(10240.5)).toThrow(/does not fit in Lambda's largest size, 10240 MB/);
    expect(() => calc.lambdaMemoryFor(-1)).toThrow(RangeError);
  });
});

describe('display', () => {
  it.each([
    [0, '$0.00'],
    [249.48800000000003, '$249.49'],
    [36353.1, '$36,353.10'],
    [1234567.891, '$1,234,567.89'],
    [0.0004, '$0.00040'],
    [0.00001, '<$0.0001'],
    [0.006, '$0.01'],
  ])('formats %s as %s', (usd, text) => {
    expect(calc.formatUsd(usd)).toBe(text);
  });

  it.each([
    [0, '0'],
    [9999, '9,999'],
    [10_000, '10k'],
    [23_456_789, '23.5M'],
    [100_000_000, '100M'],
    [1_500_000_000, '1.5B'],
    [10_000_000_000, '10B'],
  ])('formats the count %s as %s', (n, text) => {
    expect(calc.formatCount(n)).toBe(text);
  });
});

describe('the source the cost page embeds', () => {
  it('computes the same figures when evaluated on its own, with nothing from its module in scope', () => {
    // The page puts costModel's source text in a script; here it is evaluated the same way.
    const isolated = new Function(`return (${costModel.toString()});`)() as typeof costModel;
    const page = isolated(PRICES);
    for (const w of [
      { requestsPerMonth: 7_440_000, durationMs: 2000, memoryMb: 1024 },
      {
        requestsPerMonth: 2_000_000,
        durationMs: 280,
        memoryMb: 4096,
        provisionedConcurrency: 7,
        provisionedHours: 24,
      },
      { requestsPerMonth: 15e9, durationMs: 1.1, memoryMb: 7000, arch: 'arm64' as const, payloadKb: 700 },
    ]) {
      expect(page.estimate(page.workload(w))).toEqual(calc.estimate(calc.workload(w)));
    }
  });
});

describe('prices.json', () => {
  const ids = new Set(Object.keys(PRICES.sources));

  /** Every object with a `sources` list in the price table, with its path. */
  function sourced(value: unknown, path: string): [string, string[]][] {
    if (typeof value !== 'object' || value === null) return [];
    const own: [string, string[]][] =
      'sources' in value && Array.isArray(value.sources) ? [[path, value.sources as string[]]] : [];
    return [
      ...own,
      ...Object.entries(value).flatMap(([k, v]) => (k === 'sources' ? [] : sourced(v, `${path}.${k}`))),
    ];
  }

  it('names a known source, with an address and a date, for every figure', () => {
    for (const source of Object.values(PRICES.sources)) {
      expect(source.url).toMatch(/^https:\/\//);
      expect(source.date).not.toBe('');
      expect(['A', 'B', 'C']).toContain(source.grade);
    }
    const figures = sourced(
      { lambda: PRICES.lambda, apiGateway: PRICES.apiGateway, sagemaker: PRICES.sagemaker },
      '',
    );
    expect(figures.length).toBeGreaterThan(20);
    for (const [path, list] of figures) {
      expect(list.length, path).toBeGreaterThan(0);
      for (const id of list) expect(ids.has(id), `${path}: ${id}`).toBe(true);
    }
    for (const [type, instance] of Object.entries(PRICES.sagemaker.realtime.instances)) {
      expect(instance.sourcing, type).not.toBe('');
      expect(['A', 'B', 'C'], type).toContain(instance.grade);
    }
  });

  it('is for us-east-1 in USD without free tiers, dated, with a 730-hour month', () => {
    expect(PRICES).toMatchObject({
      region: 'us-east-1',
      currency: 'USD',
      freeTiers: 'excluded',
      date: '2026-11-24',
      hoursPerMonth: 730,
    });
  });
});
