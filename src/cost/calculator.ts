// What serving a model costs a month on AWS: Lambda alone (a function URL or a direct invoke), Lambda
// behind API Gateway REST or HTTP APIs, a SageMaker real-time endpoint, SageMaker Serverless Inference.
// Pure: a price table and a workload in, US dollars out, at full precision (round only to print).
import PRICE_TABLE from './prices.json' with { type: 'json' };

export type Architecture = 'x86_64' | 'arm64';
export const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64'];

export interface Workload {
  requestsPerMonth: number;
  /** The Lambda function's memory size (128-10240 MB); SageMaker Serverless rounds it up to its sizes. */
  memoryMb: number;
  /** Duration of one request; Lambda bills it rounded up to the next 1 ms. */
  durationMs: number;
  arch: Architecture;
  /** Lambda environments kept warm (0: none). While on, every request is billed at its duration rate. */
  provisionedConcurrency: number;
  /** Hours a month provisioned concurrency is on (the whole month: 730). */
  provisionedHours: number;
  /** The SageMaker real-time endpoint's instance type, and how many instances run all month. */
  instanceType: string;
  sagemakerInstances: number;
  /** Size of each request body and of each response body. */
  payloadKb: number;
}

interface Sourced {
  sources: string[];
}

export interface Prices {
  date: string;
  region: string;
  currency: string;
  freeTiers: string;
  hoursPerMonth: number;
  sources: Record<string, { url: string; date: string; grade: string; note: string }>;
  lambda: {
    memoryMb: { min: number; max: number } & Sourced;
    billingGranularityMs: { value: number } & Sourced;
    requests: { usdPerMillion: number } & Sourced;
    duration: Record<Architecture, ({ fromGbSeconds: number; usdPerGbSecond: number } & Sourced)[]>;
    provisionedConcurrency: { granularitySeconds: number } & Record<
      Architecture,
      { usdPerGbSecond: number } & Sourced
    >;
    durationWithProvisionedConcurrency: Record<Architecture, { usdPerGbSecond: number } & Sourced>;
  };
  apiGateway: {
    rest: { tiers: { fromRequests: number; usdPerMillion: number }[] } & Sourced;
    http: { tiers: { fromRequests: number; usdPerMillion: number }[]; meteringIncrementKb: number } & Sourced;
  };
  sagemaker: {
    dataProcessed: { usdPerGb: number } & Sourced;
    realtime: {
      defaultInstanceType: string;
      instances: Record<string, { usdPerHour: number; grade: string; sourcing: string } & Sourced>;
    };
    serverless: { usdPerGbSecond: number; memoryMb: number[] } & Sourced;
  };
}

/** The prices in src/cost/prices.json (us-east-1). */
export const PRICES: Prices = PRICE_TABLE;

export interface LambdaBreakdown {
  total: number;
  requests: number;
  duration: number;
  provisionedConcurrency: number;
  /** The duration of one request as billed: rounded up to the billing granularity (1 ms). */
  billedDurationMs: number;
  gbSeconds: number;
  /** 'on-demand': tiered by the month's GB-seconds; 'provisioned': the flat rate while provisioned concurrency is on. */
  durationRate: 'on-demand' | 'provisioned';
  provisionedGbSeconds: number;
  /** Requests the provisioned environments can serve in their hours, one at a time each (null: none provisioned). */
  provisionedCapacity: number | null;
}

export interface ApiGatewayBreakdown {
  /** Lambda's part and the API's part; the option costs their sum. */
  lambda: number;
  requests: number;
  /** Requests as the API bills them (HTTP APIs count one per started 512 KB). */
  billedRequests: number;
}

export interface SagemakerRealtimeBreakdown {
  total: number;
  instances: number;
  dataProcessed: number;
  instanceType: string;
  instanceCount: number;
  usdPerHour: number;
  hours: number;
  dataGb: number;
}

export type SagemakerServerlessBreakdown =
  | {
      available: true;
      total: number;
      compute: number;
      dataProcessed: number;
      memoryMb: number;
      computeSeconds: number;
      dataGb: number;
    }
  | { available: false; reason: string };

export interface Crossing {
  requestsPerMonth: number;
  /** Which side is cheaper below that volume. */
  cheaperBelow: 'lambda' | 'sagemakerRealtime';
}

/** Request volumes at which a Lambda option costs what the SageMaker real-time endpoint costs. */
export interface BreakEven {
  lambda: Crossing | null;
  apiGatewayRest: Crossing | null;
  apiGatewayHttp: Crossing | null;
}

export interface CostEstimate {
  /** Monthly USD of each option, whole: the API Gateway options include Lambda. Null: not available. */
  lambda: number;
  apiGatewayRest: number;
  apiGatewayHttp: number;
  sagemakerRealtime: number;
  sagemakerServerless: number | null;
  breakdown: {
    lambda: LambdaBreakdown;
    apiGatewayRest: ApiGatewayBreakdown;
    apiGatewayHttp: ApiGatewayBreakdown;
    sagemakerRealtime: SagemakerRealtimeBreakdown;
    sagemakerServerless: SagemakerServerlessBreakdown;
    breakEven: BreakEven;
  };
  /** Caveats that apply to these inputs. */
  notes: string[];
}

export interface WorkloadProblem {
  field: keyof Workload;
  /** What is wrong, to follow the field's name: "must be ..., got ...". */
  message: string;
}

/**
 * The calculator over one price table. Everything is inside this one function, which uses nothing from
 * outside it but its argument and JavaScript's globals, so the cost page can embed its source text and
 * compute in the browser with this same code (src/cost/page.ts).
 */
export function costModel(prices: Prices) {
  const MB_PER_GB = 1024;
  const KB_PER_GB = 1024 * 1024;
  const SECONDS_PER_HOUR = 3600;
  /** Hours in the longest month: provisioned concurrency cannot be on for longer. */
  const MAX_PROVISIONED_HOURS = 744;
  /** Slack when rounding up to a billing step, so that 280 ms computed as 280.0000000001 stays 280. */
  const ROUNDING_SLACK = 1e-9;
  const lambdaPrices = prices.lambda;
  const architectures: readonly string[] = ['x86_64', 'arm64'];
  const instanceTypes = Object.keys(prices.sagemaker.realtime.instances);

  function roundUp(value: number, step: number): number {
    return Math.ceil(value / step - ROUNDING_SLACK) * step;
  }

  /** Cost of `amount` under tiers of [where the tier starts, price per unit], sorted by start. */
  function tieredCost(amount: number, tiers: readonly (readonly [number, number])[]): number {
    let cost = 0;
    for (let i = 0; i < tiers.length && amount > tiers[i][0]; i++) {
      const end = i + 1 < tiers.length ? tiers[i + 1][0] : Number.POSITIVE_INFINITY;
      cost += (Math.min(amount, end) - tiers[i][0]) * tiers[i][1];
    }
    return cost;
  }

  function durationTiers(arch: Architecture): [number, number][] {
    return lambdaPrices.duration[arch].map((t) => [t.fromGbSeconds, t.usdPerGbSecond]);
  }

  function requestTiers(
    tiers: readonly { fromRequests: number; usdPerMillion: number }[],
  ): [number, number][] {
    return tiers.map((t) => [t.fromRequests, t.usdPerMillion / 1e6]);
  }

  function isWhole(n: number, min: number, max = Number.POSITIVE_INFINITY): boolean {
    return Number.isInteger(n) && n >= min && n <= max;
  }

  /** Every way `w` is out of range (an empty list: it can be priced). */
  function workloadProblems(w: Workload): WorkloadProblem[] {
    const problems: WorkloadProblem[] = [];
    const got = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
    const check = (ok: boolean, field: keyof Workload, want: string) => {
      if (!ok) problems.push({ field, message: `must be ${want}, got ${got(w[field])}` });
    };
    const { min, max } = lambdaPrices.memoryMb;
    check(
      Number.isFinite(w.requestsPerMonth) && w.requestsPerMonth >= 0,
      'requestsPerMonth',
      'a number of requests, 0 or more',
    );
    check(isWhole(w.memoryMb, min, max), 'memoryMb', `a whole number of MB from ${min} to ${max}`);
    check(
      Number.isFinite(w.durationMs) && w.durationMs > 0,
      'durationMs',
      'a number of milliseconds above 0',
    );
    check(architectures.includes(w.arch), 'arch', architectures.join(' or '));
    check(isWhole(w.provisionedConcurrency, 0), 'provisionedConcurrency', 'a whole number, 0 or more');
    check(
      Number.isFinite(w.provisionedHours) &&
        w.provisionedHours > 0 &&
        w.provisionedHours <= MAX_PROVISIONED_HOURS,
      'provisionedHours',
      `a number of hours above 0 and at most ${MAX_PROVISIONED_HOURS}`,
    );
    check(instanceTypes.includes(w.instanceType), 'instanceType', `one of ${instanceTypes.join(', ')}`);
    check(isWhole(w.sagemakerInstances, 1), 'sagemakerInstances', 'a whole number, 1 or more');
    check(Number.isFinite(w.payloadKb) && w.payloadKb > 0, 'payloadKb', 'a number of KB above 0');
    return problems;
  }

  function checkWorkload(w: Workload): void {
    const problems = workloadProblems(w);
    if (problems.length > 0) throw new RangeError(problems.map((p) => `${p.field} ${p.message}`).join('; '));
  }

  /** A workload with the defaults filled in: x86_64, no provisioned concurrency, one default instance, 1 KB. */
  function workload(
    given: Pick<Workload, 'requestsPerMonth' | 'memoryMb' | 'durationMs'> & Partial<Workload>,
  ): Workload {
    return {
      arch: 'x86_64',
      provisionedConcurrency: 0,
      provisionedHours: prices.hoursPerMonth,
      instanceType: prices.sagemaker.realtime.defaultInstanceType,
      sagemakerInstances: 1,
      payloadKb: 1,
      ...given,
    };
  }

  function billedDurationMs(durationMs: number): number {
    return roundUp(durationMs, lambdaPrices.billingGranularityMs.value);
  }

  function lambdaCost(w: Workload): LambdaBreakdown {
    const billedMs = billedDurationMs(w.durationMs);
    // One division last: whole requests, milliseconds and MB multiply exactly, so AWS's examples come out whole.
    const gbSeconds = (w.requestsPerMonth * billedMs * w.memoryMb) / (1000 * MB_PER_GB);
    const requests = (w.requestsPerMonth * lambdaPrices.requests.usdPerMillion) / 1e6;
    if (w.provisionedConcurrency === 0) {
      const duration = tieredCost(gbSeconds, durationTiers(w.arch));
      return {
        total: requests + duration,
        requests,
        duration,
        provisionedConcurrency: 0,
        billedDurationMs: billedMs,
        gbSeconds,
        durationRate: 'on-demand',
        provisionedGbSeconds: 0,
        provisionedCapacity: null,
      };
    }
    const pc = lambdaPrices.provisionedConcurrency;
    const provisionedSeconds = roundUp(w.provisionedHours * SECONDS_PER_HOUR, pc.granularitySeconds);
    const provisionedGbSeconds = (w.provisionedConcurrency * w.memoryMb * provisionedSeconds) / MB_PER_GB;
    const provisioned = provisionedGbSeconds * pc[w.arch].usdPerGbSecond;
    const duration = gbSeconds * lambdaPrices.durationWithProvisionedConcurrency[w.arch].usdPerGbSecond;
    return {
      total: requests + duration + provisioned,
      requests,
      duration,
      provisionedConcurrency: provisioned,
      billedDurationMs: billedMs,
      gbSeconds,
      durationRate: 'provisioned',
      provisionedGbSeconds,
      provisionedCapacity: (w.provisionedConcurrency * provisionedSeconds * 1000) / billedMs,
    };
  }

  function restRequests(w: Workload): number {
    return tieredCost(w.requestsPerMonth, requestTiers(prices.apiGateway.rest.tiers));
  }

  /** Billed HTTP API requests per request: one per started 512 KB. */
  function httpUnits(payloadKb: number): number {
    const increment = prices.apiGateway.http.meteringIncrementKb;
    return Math.max(1, roundUp(payloadKb, increment) / increment);
  }

  function httpRequests(w: Workload): number {
    const billed = w.requestsPerMonth * httpUnits(w.payloadKb);
    return tieredCost(billed, requestTiers(prices.apiGateway.http.tiers));
  }

  /** GB in and out: each request and each response is `payloadKb`. */
  function dataGb(w: Workload): number {
    return (w.requestsPerMonth * 2 * w.payloadKb) / KB_PER_GB;
  }

  function sagemakerRealtimeCost(w: Workload): SagemakerRealtimeBreakdown {
    const usdPerHour = prices.sagemaker.realtime.instances[w.instanceType].usdPerHour;
    const instances = usdPerHour * prices.hoursPerMonth * w.sagemakerInstances;
    const gbData = dataGb(w);
    const dataProcessed = gbData * prices.sagemaker.dataProcessed.usdPerGb;
    return {
      total: instances + dataProcessed,
      instances,
      dataProcessed,
      instanceType: w.instanceType,
      instanceCount: w.sagemakerInstances,
      usdPerHour,
      hours: prices.hoursPerMonth,
      dataGb: gbData,
    };
  }

  /** The smallest Serverless Inference memory size that holds `memoryMb` (null: more than the largest). */
  function serverlessMemoryMb(memoryMb: number): number | null {
    return prices.sagemaker.serverless.memoryMb.find((size) => size >= memoryMb) ?? null;
  }

  function sagemakerServerlessCost(w: Workload): SagemakerServerlessBreakdown {
    const sizes = prices.sagemaker.serverless.memoryMb;
    const memoryMb = serverlessMemoryMb(w.memoryMb);
    if (memoryMb === null) {
      return {
        available: false,
        reason: `Serverless Inference offers at most ${sizes[sizes.length - 1]} MB, less than ${w.memoryMb} MB`,
      };
    }
    const computeSeconds = (w.requestsPerMonth * billedDurationMs(w.durationMs)) / 1000;
    const compute = computeSeconds * (memoryMb / MB_PER_GB) * prices.sagemaker.serverless.usdPerGbSecond;
    const gbData = dataGb(w);
    const dataProcessed = gbData * prices.sagemaker.dataProcessed.usdPerGb;
    return {
      available: true,
      total: compute + dataProcessed,
      compute,
      dataProcessed,
      memoryMb,
      computeSeconds,
      dataGb: gbData,
    };
  }

  /**
   * The first volume where `difference` (a Lambda option less SageMaker real-time) changes sign. Both
   * costs are linear in the volume between tier boundaries, so the difference is too: it is evaluated at
   * each boundary and the root is exact within its segment; past the last boundary the last segment's
   * slope holds.
   */
  function crossing(difference: (requests: number) => number, boundaries: number[]): Crossing | null {
    const points = [...new Set([0, ...boundaries.filter((b) => Number.isFinite(b) && b > 0)])].sort(
      (a, b) => a - b,
    );
    points.push(Math.max(2 * points[points.length - 1], 1e6));
    let a = points[0];
    let fa = difference(a);
    for (let i = 1; i < points.length; i++) {
      const b = points[i];
      const fb = difference(b);
      if (fa < 0 !== fb < 0) {
        return {
          requestsPerMonth: a + ((b - a) * fa) / (fa - fb),
          cheaperBelow: fa < 0 ? 'lambda' : 'sagemakerRealtime',
        };
      }
      if (i === points.length - 1) {
        const slope = (fb - fa) / (b - a);
        if (slope !== 0 && fb < 0 !== slope < 0) {
          const n = b - fb / slope;
          return { requestsPerMonth: n, cheaperBelow: fb < 0 ? 'lambda' : 'sagemakerRealtime' };
        }
        return null;
      }
      a = b;
      fa = fb;
    }
    return null;
  }

  function breakEven(w: Workload): BreakEven {
    const at = (n: number): Workload => ({ ...w, requestsPerMonth: n });
    const gbSecondsPerRequest = (billedDurationMs(w.durationMs) / 1000) * (w.memoryMb / MB_PER_GB);
    const lambdaBoundaries =
      w.provisionedConcurrency > 0
        ? []
        : lambdaPrices.duration[w.arch].map((t) => t.fromGbSeconds / gbSecondsPerRequest);
    const rest = prices.apiGateway.rest.tiers.map((t) => t.fromRequests);
    const http = prices.apiGateway.http.tiers.map((t) => t.fromRequests / httpUnits(w.payloadKb));
    const sagemaker = (n: number) => sagemakerRealtimeCost(at(n)).total;
    const lambda = (n: number) => lambdaCost(at(n)).total;
    return {
      lambda: crossing((n) => lambda(n) - sagemaker(n), lambdaBoundaries),
      apiGatewayRest: crossing(
        (n) => lambda(n) + restRequests(at(n)) - sagemaker(n),
        [...lambdaBoundaries, ...rest],
      ),
      apiGatewayHttp: crossing(
        (n) => lambda(n) + httpRequests(at(n)) - sagemaker(n),
        [...lambdaBoundaries, ...http],
      ),
    };
  }

  function estimate(w: Workload): CostEstimate {
    checkWorkload(w);
    const lambda = lambdaCost(w);
    const rest = restRequests(w);
    const http = httpRequests(w);
    const realtime = sagemakerRealtimeCost(w);
    const serverless = sagemakerServerlessCost(w);
    const notes: string[] = [];
    if (lambda.provisionedCapacity !== null && w.requestsPerMonth > lambda.provisionedCapacity) {
      notes.push(
        `${w.provisionedConcurrency} provisioned environments serve at most ${formatCount(lambda.provisionedCapacity)} requests of ${lambda.billedDurationMs} ms in ${w.provisionedHours} hours; the rest would spill over to on-demand environments, billed at the on-demand duration rate, which these figures do not include`,
      );
    }
    if (!serverless.available) notes.push(serverless.reason);
    return {
      lambda: lambda.total,
      apiGatewayRest: lambda.total + rest,
      apiGatewayHttp: lambda.total + http,
      sagemakerRealtime: realtime.total,
      sagemakerServerless: serverless.available ? serverless.total : null,
      breakdown: {
        lambda,
        apiGatewayRest: { lambda: lambda.total, requests: rest, billedRequests: w.requestsPerMonth },
        apiGatewayHttp: {
          lambda: lambda.total,
          requests: http,
          billedRequests: w.requestsPerMonth * httpUnits(w.payloadKb),
        },
        sagemakerRealtime: realtime,
        sagemakerServerless: serverless,
        breakEven: breakEven(w),
      },
      notes,
    };
  }

  /** The smallest Lambda memory size that holds a process peaking at `peakMb`. */
  function lambdaMemoryFor(peakMb: number): number {
    const { min, max } = lambdaPrices.memoryMb;
    if (!(Number.isFinite(peakMb) && peakMb >= 0))
      throw new RangeError(`peak memory must be 0 MB or more, got ${peakMb}`);
    if (peakMb > max)
      throw new RangeError(`a peak of ${peakMb} MB does not fit in Lambda's largest size, ${max} MB`);
    return Math.max(min, Math.ceil(peakMb - ROUNDING_SLACK));
  }

  /** Dollars for people: cents, thousands separated; amounts under a cent with two significant digits. */
  function formatUsd(usd: number): string {
    if (usd === 0) return '$0.00';
    if (usd < 0) return `-${formatUsd(-usd)}`;
    if (usd < 0.0001) return '<$0.0001';
    if (usd < 0.005) return `$${usd.toPrecision(2)}`;
    const [whole, cents] = usd.toFixed(2).split('.');
    return `$${groupThousands(whole)}.${cents}`;
  }

  function groupThousands(digits: string): string {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  /** A count for people: 9,999 as is, then 10k, 23.4M, 1.5B. */
  function formatCount(n: number): string {
    if (n < 10_000) return groupThousands(String(Math.round(n)));
    for (const [unit, suffix] of [
      [1e9, 'B'],
      [1e6, 'M'],
      [1e3, 'k'],
    ] as const) {
      if (n >= unit) {
        const v = n / unit;
        const text = String(Number(v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)));
        return `${groupThousands(text)}${suffix}`;
      }
    }
    return String(n);
  }

  return {
    prices,
    instanceTypes,
    workload,
    workloadProblems,
    estimate,
    lambdaCost,
    billedDurationMs,
    serverlessMemoryMb,
    lambdaMemoryFor,
    formatUsd,
    formatCount,
  };
}

export type CostModel = ReturnType<typeof costModel>;
