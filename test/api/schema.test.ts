// The row schema /metadata publishes says exactly what the API takes: for typed cards (numbers with
// lists, booleans, categories fed as text or as codes, unknown ones refused, made missing or passed on,
// second spellings of a feature), every row of a generated corpus is valid under the schema, checked by
// Ajv (a real JSON Schema 2020-12 validator), if and only if the request encoder takes it.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { inputSchema, SCHEMA_MAX_PROPERTIES } from '../../src/api/schema.js';
import { type ModelCard, validateCard } from '../../src/onnx/card.js';
import { InvalidRowError } from '../../src/runtime/errors.js';
import { RowEncoder } from '../../src/runtime/rows.js';
import { Random } from '../../src/train/random.js';
import { TEST_PROVENANCE } from '../helpers/graphs.js';

const card = (
  c: Omit<ModelCard, 'format' | 'provenance' | 'task' | 'missing'> & Partial<Pick<ModelCard, 'missing'>>,
): ModelCard =>
  validateCard({ format: 2, task: 'regression', provenance: TEST_PROVENANCE, missing: 'reject', ...c });

const CARDS: Record<string, ModelCard> = {
  'a string input beside a numeric one, with a second spelling': card({
    name: 'text',
    features: [
      { name: 'x0', type: 'number' },
      { name: 'x1', type: 'boolean' },
      { name: 'color', type: 'category', categories: ['a', 'b', '3'], column: 'Color' },
    ],
    io: {
      inputs: [
        { name: 'num', type: 'float32', features: ['x0', 'x1'] },
        { name: 'cat', type: 'string', features: ['color'] },
      ],
      value: 'value',
    },
  }),
  'codes in a numeric input, unknown ones missing, missing values imputed': card({
    name: 'codes',
    missing: 'impute',
    features: [
      { name: 'x0', type: 'number', values: [1, 2] },
      {
        name: 'size',
        type: 'category',
        categories: ['s', 'm', '10', '1.50'],
        unknown: 'missing',
        column: 'Size',
      },
      { name: 'ok', type: 'boolean', missing: 'reject' },
      // Text only: a number is refused, though an unknown string is taken as missing.
      { name: 'port', type: 'category', categories: ['C', 'Q', 'S'], unknown: 'missing' },
    ],
    io: { input: 'input', inputType: 'float32', value: 'value' },
  }),
  'unknown ones passed on, some features required': card({
    name: 'pass',
    features: [
      { name: 'x0', type: 'number', missing: 'impute' },
      { name: 'size', type: 'category', categories: ['s', '0'], unknown: 'pass' },
      { name: 'kind', type: 'category', categories: ['u', 'v'], column: 'Kind Of' },
    ],
    io: { input: 'input', inputType: 'float64', value: 'value' },
  }),
};

/** Values of every JSON kind a client may send, including near misses of the cards' categories. */
const VALUES: unknown[] = [
  0,
  1,
  2,
  3,
  10,
  1.5,
  -1,
  'a',
  'b',
  '3',
  'z',
  's',
  'm',
  '10',
  '1.50',
  'u',
  'v',
  '0',
  '',
  true,
  false,
  null,
  [1],
  { a: 1 },
];

function accepts(c: ModelCard, row: Record<string, unknown>): boolean {
  const encoder = new RowEncoder(c);
  try {
    for (const key of Object.keys(row)) if (!encoder.has(key)) return false;
    if (encoder.plain) encoder.encode([row]);
    else encoder.encodeInputs([row]);
    return true;
  } catch (e) {
    if (e instanceof InvalidRowError) return false;
    throw e;
  }
}

/** Values a feature of this type is likely to take (most rows are then valid, some not). */
function likely(f: ModelCard['features'][number]): unknown[] {
  if (f.type === 'boolean') return [true, false];
  if (f.type === 'category')
    return [...(f.categories ?? []), ...(f.categories ?? []).map(Number).filter(Number.isFinite)];
  return f.values ?? [0, 1.5, -2];
}

/** Rows of the card's features (each under one of its names, or absent), with values from VALUES. */
function* rows(c: ModelCard, count: number, seed: number): Generator<Record<string, unknown>> {
  const random = new Random(seed);
  const next = (n: number) => random.int(n);
  for (let k = 0; k < count; k++) {
    const row: Record<string, unknown> = {};
    for (const f of c.features) {
      const how = next(10);
      if (how === 0) continue; // absent
      const name = f.column !== undefined && how === 1 ? f.column : f.name;
      const fits = likely(f);
      row[name] = next(3) > 0 ? fits[next(fits.length)] : VALUES[next(VALUES.length)];
      if (f.column !== undefined && how === 2) row[f.column] = row[f.name]; // under both names
    }
    if (next(20) === 0) row.extra = 1;
    yield row;
  }
}

describe('the row schema agrees with the API', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  for (const [name, c] of Object.entries(CARDS)) {
    it(name, () => {
      const validate = ajv.compile(inputSchema(c));
      let accepted = 0;
      const disagreements: string[] = [];
      for (const row of rows(c, 2000, 7)) {
        const api = accepts(c, row);
        if (api) accepted++;
        if (validate(row) !== api)
          disagreements.push(`${JSON.stringify(row)}: API ${api ? 'takes' : 'refuses'} it`);
      }
      expect(disagreements.slice(0, 5)).toEqual([]);
      // The corpus holds rows of both verdicts.
      expect(accepted).toBeGreaterThan(50);
      expect(accepted).toBeLessThan(1950);
    });
  }

  it('past the listed size, the loosest rule covers every feature type', () => {
    const many = card({
      name: 'wide',
      features: [
        ...Array.from({ length: SCHEMA_MAX_PROPERTIES }, (_, i) => ({
          name: `f${i}`,
          type: 'number' as const,
        })),
        { name: 'flag', type: 'boolean' },
        { name: 'kind', type: 'category', categories: ['u', 'v'], unknown: 'missing', missing: 'impute' },
      ],
      io: { input: 'input', inputType: 'float32', value: 'value' },
    });
    const schema = inputSchema(many);
    expect(schema.additionalProperties).toEqual({ type: ['number', 'boolean', 'string', 'null'] });
    expect(ajv.validate(schema, { flag: true, kind: 'u', f0: 1 })).toBe(true);
  });
});
