// Requests laid out with numpy's own bytes as tritonclient and kserve's client lay them out
// (test/fixtures/v2/requests.json, written by scripts/reference/make_v2_requests.py): the test's client
// builders produce them byte for byte, and every transport answers them with the modelgate protocol's
// numbers.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Core } from '../../src/api/core.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { twoInputs } from '../helpers/graphs.js';
import { trainIris } from '../helpers/models.js';
import { type Sent, startTransports } from './transports.js';
import { decodeAnswer, kserveRequest, tritonRequest } from './v2-clients.js';

interface Fixture {
  client: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
const FIXTURES = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/v2/requests.json', import.meta.url)), 'utf8'),
) as Record<string, Fixture>;

const sentOf = (f: Fixture): Sent => ({
  method: 'POST',
  path: f.path,
  headers: Object.fromEntries(Object.entries(f.headers).map(([k, v]) => [k.toLowerCase(), v])),
  binary: Buffer.from(f.body, 'base64'),
  needsHttp: true,
});

const ROWS = [
  [5.9, 3, 5.1, 1.8],
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
].map((r) => r.map(Math.fround));
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

describe("the test's client builders", () => {
  const same = (built: Sent, name: string) => {
    const f = sentOf(FIXTURES[name] as Fixture);
    expect(Buffer.from(built.binary as Uint8Array).toString('hex')).toBe(
      Buffer.from(f.binary as Uint8Array).toString('hex'),
    );
    expect(built.headers).toEqual(f.headers);
  };

  it("lay out tritonclient's requests as numpy does, byte for byte", () => {
    same(
      tritonRequest('iris', [{ name: 'input', shape: [3, 4], datatype: 'FP32', values: ROWS.flat() }]),
      'triton-iris-fp32',
    );
    same(
      tritonRequest(
        'iris',
        FEATURES.map((f, j) => ({
          name: f,
          shape: [3, 1],
          datatype: 'FP64' as const,
          values: ROWS.map((r) => r[j] as number),
        })),
        { id: '7', outputs: [{ name: 'label' }, { name: 'probabilities', binary: false }] },
      ),
      'triton-iris-fp64-columns',
    );
    same(
      tritonRequest('typed', [
        { name: 'x0', shape: [2, 1], datatype: 'FP32', values: [1.5, 2] },
        { name: 'x1', shape: [2, 1], datatype: 'BOOL', values: [true, false] },
        { name: 'color', shape: [2, 1], datatype: 'BYTES', values: ['b', 'c'] },
      ]),
      'triton-typed',
    );
  });

  it("lay out kserve's requests as numpy does, byte for byte", () => {
    same(
      kserveRequest('iris', [{ name: 'input-0', shape: [3, 4], datatype: 'FP32', values: ROWS.flat() }], {
        id: '0b5e7f3e-9c1d-4a57-8d0e-3c9f1f3a2b11',
      }),
      'kserve-iris-fp32',
    );
  });
});

describe('the requests as numpy lays them out, through every transport', () => {
  it("are answered with the modelgate protocol's numbers", async () => {
    const iris = await Predictor.load(trainIris({ nEstimators: 10 }).bytes);
    const typed = await Predictor.load(twoInputs());
    const native = async (rows: unknown[][]) => {
      const r = await new Core(() => ({ state: 'ready', predictor: iris })).handle({
        method: 'POST',
        path: '/predict',
        headers: {},
        body: JSON.stringify({ input: rows, return_probabilities: true }),
      });
      const b = JSON.parse(r.body) as { prediction: string[]; probabilities: Record<string, number>[] };
      const classes = iris.card.classes as string[];
      return { label: b.prediction, probabilities: b.probabilities.flatMap((p) => classes.map((c) => p[c])) };
    };
    const expected: Record<string, Record<string, unknown[]>> = {
      'triton-iris-fp32': await native(ROWS),
      'triton-iris-fp64-columns': await native(ROWS),
      'triton-iris-nan': await native([[Math.fround(5.9), null, Math.fround(5.1), null]]),
      'kserve-iris-fp32': await native(ROWS),
      'triton-typed': { value: [22.5, 32] },
      'kserve-typed-bytes': { value: [22.5, 32] },
    };
    const both = [await startTransports(iris, {}), await startTransports(typed, {})];
    try {
      for (const [name, fixture] of Object.entries(FIXTURES)) {
        const transports = fixture.path.includes('/typed/') ? both[1] : both[0];
        for (const t of transports?.list.filter((x) => !x.name.includes('direct invoke')) ?? []) {
          const a = await t.send(sentOf(fixture));
          expect(a.status, `${name} through ${t.name}: ${a.body}`).toBe(200);
          const got = Object.fromEntries(
            decodeAnswer(a.headers, a.raw).outputs.map((o) => [o.name, o.values]),
          );
          expect(got, `${name} through ${t.name}`).toEqual(expected[name]);
        }
      }
    } finally {
      for (const t of both) await t.close();
      await iris.release();
      await typed.release();
    }
  });
});
