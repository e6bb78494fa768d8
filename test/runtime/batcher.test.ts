// The batcher under stress: 64 concurrent clients, each sending requests of mixed sizes whose rows
// identify them, for models of every output shape; every client must receive only its own rows'
// answers, in order. The same through the HTTP server, which batches as `modelgate serve` does.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLog } from '../../src/adapters/log.js';
import { type RunningServer, startServer } from '../../src/adapters/server.js';
import { InferenceError } from '../../src/runtime/errors.js';
import { type Prediction, sliceRows } from '../../src/runtime/prediction.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { type Kind, kindModel } from '../helpers/graphs.js';

const CLIENTS = 64;
const REQUESTS = 12;
/** Request sizes cycle through these: single rows, small batches, and one past the batcher's 512 (runs alone). */
const SIZES = [1, 3, 1, 7, 2, 16, 1, 5, 600, 1, 9, 4];
const CLASSES = 100_000;

/** Row `id`: distinct per row of the whole run; each model's answer is a known function of it. */
const rowOf = (id: number): number[] => [id, (id % 97) / 10, (id % 89) / 10];

function expected(kind: Kind, row: number[]): number[] | number {
  if (kind === 'values' || kind === 'labels') return row[0] as number;
  if (kind === 'scores') return row;
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / sum);
}

/** The answers of one prediction, row by row, as numbers to compare. */
function answers(p: Prediction): (number[] | number)[] {
  const k = 3;
  const row = (m: Float32Array | Float64Array, r: number) => Array.from(m.subarray(r * k, r * k + k));
  return Array.from({ length: p.rows }, (_, r): number[] | number => {
    if (p.kind === 'values') return p.values[r] as number;
    if (p.kind === 'labels') return p.labels[r] as number;
    if (p.kind === 'scores') return row(p.scores, r);
    if (p.kind === 'probabilities') return row(p.probabilities, r);
    throw new Error(`no ${p.kind} here`);
  });
}

function same(a: number[] | number, b: number[] | number): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  return a.length === b.length && a.every((v, i) => Math.abs(v - (b[i] as number)) <= 1e-6);
}

const models = (kind: Kind) =>
  kindModel(kind, {
    card: (c) => (kind === 'labels' ? { ...c, classes: Array.from({ length: CLASSES }, (_, i) => i) } : c),
  });

describe.each<Kind>(['probabilities', 'scores', 'labels', 'values'])('the batcher, %s model', (kind) => {
  it(`gives each of ${CLIENTS} concurrent clients exactly its own rows`, async () => {
    const predictor = await Predictor.load(models(kind), { batching: true });
    let next = 0;
    let wrong = 0;
    let rows = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let j = 0; j < REQUESTS; j++) {
          const size = SIZES[(j + client) % SIZES.length] as number;
          const ids = Array.from({ length: size }, () => next++ % CLASSES);
          const out = await predictor.predict(ids.map(rowOf));
          expect(out.kind).toBe(kind);
          expect(out.rows).toBe(size);
          answers(out).forEach((got, r) => {
            if (!same(got, expected(kind, rowOf(ids[r] as number)))) wrong++;
          });
          rows += size;
          // Yield now and then so that requests from different clients interleave in one batch.
          if (j % 3 === client % 3) await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
    expect(rows).toBeGreaterThan(CLIENTS * REQUESTS);
    expect(wrong, 'answers that were not the sender’s own').toBe(0);
    // The requests were gathered: far fewer runs of the model than requests.
    const { runs, requests } = predictor.stats;
    expect(requests).toBe(CLIENTS * REQUESTS);
    expect(runs).toBeLessThan(requests / 4);
    await predictor.release();
  });
});

describe('a lone request', () => {
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('runs at once, in the turn it came, rather than waiting for others', async () => {
    const predictor = await Predictor.load(models('values'), { batching: true });
    for (let i = 0; i < 5; i++) {
      const answer = predictor.predict([rowOf(i)]);
      // Run before predict() returned: nothing waits for the end of the turn.
      expect(predictor.stats.runs).toBe(i + 1);
      expect(answers(await answer)).toEqual([i]);
      await turn();
    }
    await predictor.release();
  });

  it('after a turn of several requests, a turn’s requests are one batch, each given its own rows', async () => {
    const predictor = await Predictor.load(models('values'), { batching: true });
    // The first of a turn after a quiet one runs alone; the rest of that turn are gathered.
    const first = await Promise.all([1, 2, 3].map((id) => predictor.predict([rowOf(id)])));
    expect(first.map((p) => answers(p)[0])).toEqual([1, 2, 3]);
    expect(predictor.stats.runs).toBe(2);
    // That turn had three: in the next, the first waits for the others too.
    const second = await Promise.all([4, 5, 6, 7].map((id) => predictor.predict([rowOf(id)])));
    expect(second.map((p) => answers(p)[0])).toEqual([4, 5, 6, 7]);
    expect(predictor.stats.runs).toBe(3);
    // A quiet turn (one request) after it: the next request runs alone again.
    await predictor.predict([rowOf(8)]);
    await turn();
    const before = predictor.stats.runs;
    void predictor.predict([rowOf(9)]);
    expect(predictor.stats.runs).toBe(before + 1);
    await predictor.release();
  });
});

describe('sliceRows, the batcher’s split', () => {
  const p: Prediction = {
    kind: 'probabilities',
    rows: 2,
    labels: ['a', 'b'],
    probabilities: new Float32Array([0.5, 0.5, 0.2, 0.8]),
  };

  it('hands out each request’s rows', () => {
    expect(sliceRows(p, 1, 2, 2)).toEqual({
      kind: 'probabilities',
      rows: 1,
      labels: ['b'],
      probabilities: new Float32Array([0.2, 0.8]),
    });
  });

  it('refuses to split an output that does not hold exactly one answer per row', () => {
    // Two classes' worth of numbers read as three would shift every later request's rows.
    expect(() => sliceRows(p, 0, 1, 3)).toThrow(InferenceError);
    expect(() => sliceRows(p, 0, 1, 3)).toThrow(/holds 4 numbers for 2 rows of 3; refusing to split it/);
    expect(() => sliceRows({ ...p, labels: ['a'] }, 0, 1, 2)).toThrow(/holds 1 labels for 2 rows/);
    expect(() => sliceRows(p, 1, 3, 2)).toThrow(/outside the batch of 2 rows/);
  });
});

describe('through the HTTP server (batching on, as `modelgate serve` runs)', () => {
  let server: RunningServer;
  let predictor: Predictor;

  beforeAll(async () => {
    predictor = await Predictor.load(models('scores'), { batching: true });
    server = await startServer(() => ({ state: 'ready', predictor }), {
      port: 0,
      log: new JsonLog({ write: () => {} }),
    });
  });

  afterAll(async () => {
    await server.close();
    await predictor.release();
  });

  it(`${CLIENTS} keep-alive clients, mixed batch sizes: every answer is the sender’s own`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const post = (body: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          `${server.url}/`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    let next = 0;
    let wrong = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let j = 0; j < 6; j++) {
          const size = SIZES[(j + client) % SIZES.length] as number;
          const ids = Array.from({ length: Math.min(size, 50) }, () => next++);
          const body = JSON.parse(
            await post(JSON.stringify({ input: ids.map(rowOf), return_scores: true })),
          ) as { scores: Record<string, number>[] };
          body.scores.forEach((s, r) => {
            const want = expected('scores', rowOf(ids[r] as number)) as number[];
            if (!same([s.c0, s.c1, s.c2] as number[], want)) wrong++;
          });
        }
      }),
    );
    agent.destroy();
    expect(wrong, 'answers that were not the sender’s own').toBe(0);
    expect(predictor.stats.runs, 'runs of the model').toBeLessThan(predictor.stats.requests);
  });
});
