// CloudWatch embedded metric format lines from the Lambda handler: one per answered invoke, each checked
// against the rules of the EMF specification (docs.aws.amazon.com, "Specification: Embedded metric
// format"): the root a JSON object alone on its line, `_aws` with an integer Timestamp and MetricDirectives
// (Namespace of 1-255 characters; DimensionSets of at most 9 keys, each a member of the root with a string
// value; at most 100 MetricDefinitions whose Name is a member of the root holding a number or an array of
// at most 100 numbers, and whose Unit is a CloudWatch unit), and no members the specification does not
// define in the objects it defines.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmfMetrics, emfFromEnv } from '../../src/adapters/emf.js';
import { createLambdaHandler, type LambdaHandler } from '../../src/adapters/lambda.js';
import { JsonLog } from '../../src/adapters/log.js';
import { handlerFromEnv } from '../../src/lambda.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';

const UNITS = new Set(
  [
    'Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits',
    'Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second',
    'Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second Count/Second None',
  ]
    .join(' ')
    .split(' '),
);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (o: Record<string, unknown>, allowed: string[], what: string) => {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw new Error(`${what} has members the specification does not define: ${extra}`);
};
const name = (v: unknown, what: string) => {
  if (typeof v !== 'string' || v.length < 1 || v.length > 255)
    throw new Error(`${what} must be 1-255 characters`);
  return v;
};

/** The EMF document on a line, or an error naming the rule it breaks. */
function checkEmfLine(line: string): Record<string, unknown> {
  if (!line.endsWith('\n') || line.indexOf('\n') !== line.length - 1) throw new Error('not one line');
  if (Buffer.byteLength(line) > 256 * 1024) throw new Error('over the 256 KB log event limit');
  const root = JSON.parse(line) as unknown;
  if (!isObject(root)) throw new Error('the root is not an object');
  const aws = root._aws;
  if (!isObject(aws)) throw new Error('_aws is not an object');
  onlyKeys(aws, ['Timestamp', 'CloudWatchMetrics'], '_aws');
  if (!Number.isInteger(aws.Timestamp) || (aws.Timestamp as number) < 0)
    throw new Error('Timestamp is not ms since the epoch');
  if (!Array.isArray(aws.CloudWatchMetrics)) throw new Error('CloudWatchMetrics is not an array');
  for (const d of aws.CloudWatchMetrics as unknown[]) {
    if (!isObject(d)) throw new Error('a MetricDirective is not an object');
    onlyKeys(d, ['Namespace', 'Dimensions', 'Metrics'], 'a MetricDirective');
    name(d.Namespace, 'Namespace');
    if (!Array.isArray(d.Dimensions) || d.Dimensions.length < 1)
      throw new Error('Dimensions is not a non-empty array');
    for (const set of d.Dimensions as unknown[]) {
      if (!Array.isArray(set) || set.length > 9)
        throw new Error('a DimensionSet is not an array of at most 9 keys');
      for (const key of set) {
        name(key, 'a dimension key');
        const value = root[key as string];
        if (typeof value !== 'string' || value.length < 1 || value.length > 1024)
          throw new Error(`the dimension ${key} is not a member with a string value of 1-1024 characters`);
      }
    }
    if (!Array.isArray(d.Metrics) || d.Metrics.length > 100)
      throw new Error('Metrics is not an array of at most 100');
    for (const m of d.Metrics as unknown[]) {
      if (!isObject(m)) throw new Error('a MetricDefinition is not an object');
      onlyKeys(m, ['Name', 'Unit', 'StorageResolution'], 'a MetricDefinition');
      const metric = name(m.Name, 'a metric Name');
      if (m.Unit !== undefined && !UNITS.has(m.Unit as string))
        throw new Error(`${m.Unit} is not a CloudWatch unit`);
      const value = root[metric];
      const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
      if (!(finite(value) || (Array.isArray(value) && value.length <= 100 && value.every(finite))))
        throw new Error(`the metric ${metric} is not a member holding a number or up to 100 numbers`);
    }
  }
  return root;
}

let predictor: Predictor;
const quiet = new JsonLog({ write: () => {} }, { level: 'off' });
beforeAll(async () => {
  predictor = await Predictor.load(readFileSync(IRIS_MODEL));
});
afterAll(async () => {
  await predictor.release();
});

function withEmf(): { handler: LambdaHandler; lines: string[] } {
  const lines: string[] = [];
  const emf = new EmfMetrics({
    namespace: 'modelgate/test',
    write: (l) => lines.push(l),
    now: () => 1_700_000_000_123.7,
  });
  return { handler: createLambdaHandler(predictor, { log: quiet, hooks: [emf] }), lines };
}

const httpApi = (method: string, rawPath: string, body?: string) => ({
  version: '2.0',
  routeKey: '$default',
  rawPath,
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  requestContext: { http: { method, path: rawPath }, stage: '$default', requestId: 'id' },
  ...(body !== undefined ? { body, isBase64Encoded: false } : {}),
});

describe('EMF lines', () => {
  it('one per invoke, valid by the specification, with the request figures', async () => {
    const { handler, lines } = withEmf();
    const answers = [
      await handler({ body: REFERENCE_ROW }, { awsRequestId: 'a1' }),
      await handler(
        {
          body: {
            input: [
              [5.9, 3, 5.1, 1.8],
              [5.1, 3.5, 1.4, 0.2],
            ],
          },
        },
        { awsRequestId: 'a2' },
      ),
      await handler({ body: { input: [[1, 2]] } }, { awsRequestId: 'a3' }),
      await handler(httpApi('GET', '/metadata'), { awsRequestId: 'a4' }),
      await handler(httpApi('GET', '/nowhere'), { awsRequestId: 'a5' }),
      await handler(httpApi('POST', '/predict', '{"input": ['), { awsRequestId: 'a6' }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 400, 200, 405, 400]);
    expect(lines).toHaveLength(answers.length);
    const docs = lines.map(checkEmfLine);
    expect(docs[0]).toMatchObject({
      model: 'iris',
      route: 'predict',
      status: '200',
      Requests: 1,
      Rows: 1,
      requestId: 'a1',
    });
    expect(docs[1]).toMatchObject({ Rows: 2, requestId: 'a2' });
    // A refused request's rows are not a batch size.
    expect(docs[2]).toMatchObject({ status: '400', model: 'iris' });
    expect(docs[2]).not.toHaveProperty('Rows');
    expect(docs[3]).toMatchObject({ route: 'metadata', status: '200' });
    // Behind API Gateway any POST path predicts: a GET elsewhere is a 405. No model, no route: a value CloudWatch takes, never an empty string.
    expect(docs[4]).toMatchObject({ model: 'none', route: 'none', status: '405' });
    for (const d of docs) {
      expect((d._aws as { Timestamp: number }).Timestamp).toBe(1_700_000_000_123);
      expect(typeof d.Latency).toBe('number');
      expect(d.Latency as number).toBeGreaterThanOrEqual(0);
      expect((d._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]?.Namespace).toBe(
        'modelgate/test',
      );
    }
  });

  it('the checker refuses what the specification forbids', () => {
    const good = {
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [{ Namespace: 'n', Dimensions: [['d']], Metrics: [{ Name: 'm', Unit: 'Count' }] }],
      },
      d: 'x',
      m: 1,
    };
    expect(() => checkEmfLine(`${JSON.stringify(good)}\n`)).not.toThrow();
    const bad = [
      { ...good, d: 1 },
      { ...good, d: '' },
      { ...good, m: 'one' },
      { ...good, m: Array.from({ length: 101 }, () => 1) },
      { ...good, _aws: { ...good._aws, Timestamp: 1.5 } },
      { ...good, _aws: { ...good._aws, Extra: 1 } },
      {
        ...good,
        _aws: { ...good._aws, CloudWatchMetrics: [{ ...good._aws.CloudWatchMetrics[0], Namespace: '' }] },
      },
      {
        ...good,
        _aws: {
          ...good._aws,
          CloudWatchMetrics: [
            { ...good._aws.CloudWatchMetrics[0], Metrics: [{ Name: 'm', Unit: 'Parsecs' }] },
          ],
        },
      },
      {
        ...good,
        _aws: {
          ...good._aws,
          CloudWatchMetrics: [
            { ...good._aws.CloudWatchMetrics[0], Dimensions: [Array.from({ length: 10 }, () => 'd')] },
          ],
        },
      },
    ];
    for (const b of bad) expect(() => checkEmfLine(`${JSON.stringify(b)}\n`), JSON.stringify(b)).toThrow();
  });

  it('are on when the environment names a namespace, off otherwise', () => {
    expect(emfFromEnv({})).toBeUndefined();
    expect(emfFromEnv({ METRICS_NAMESPACE: 'a' })).toBeInstanceOf(EmfMetrics);
    expect(emfFromEnv({ POWERTOOLS_METRICS_NAMESPACE: 'b' })).toBeInstanceOf(EmfMetrics);
    expect(() => emfFromEnv({ METRICS_NAMESPACE: 'x'.repeat(256) })).toThrow(RangeError);
  });

  it('are written by the deployable handler when METRICS_NAMESPACE is set', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const handler = await handlerFromEnv({
        MODEL_URI: IRIS_MODEL,
        METRICS_NAMESPACE: 'modelgate',
        LOG_REQUESTS: 'off',
      });
      expect((await handler({ body: REFERENCE_ROW }, { awsRequestId: 'x1' })).statusCode).toBe(200);
    } finally {
      spy.mockRestore();
    }
    const emf = written.filter((l) => l.startsWith('{"_aws"'));
    expect(emf).toHaveLength(1);
    expect(checkEmfLine(emf[0] as string)).toMatchObject({ model: 'iris', route: 'predict', status: '200' });
  });
});
