// The OpenAPI 3.1 document of an endpoint, generated from what it serves: every route of every
// protocol the core has (so a protocol added later appears without a change here), each model's
// request and response schemas from its card, the error bodies and status codes, and the limits.
// Routes this file knows (modelgate's, and the Open Inference Protocol's standard paths) are described
// in full; any other route is listed with its method and path.
import { type ModelCard, takesMissing } from '../onnx/card.js';
import { outputKind } from '../runtime/prediction.js';
import { NotFoundError } from './errors.js';
import type { Protocol, Route } from './protocol.js';
import { DATATYPES } from './protocols/kserve-v2/tensors.js';
import type { ModelEntry, ModelRegistry } from './registry.js';
import type { Limits } from './request.js';
import { inputSchema } from './schema.js';

type Schema = Record<string, unknown>;

export interface OpenApiSource {
  protocols: readonly Protocol[];
  models: ModelRegistry;
  limits: Limits;
  /** The path the routes are served under (a base path), '' for none: the document's server URL. */
  prefix: string;
  /** modelgate's version, the document's `info.version`. */
  version: string;
}

/**
 * Past this many models, routes with a `{name}` are listed once, templated, with generic bodies (each
 * model's schemas are at /models/{name}/metadata).
 */
export const MAX_MODELS_EXPANDED = 100;
/**
 * Past this many features over the models listed one by one (a wide model's row schema lists up to
 * 10,000), the document lists the routes once, templated: 100 wide models would be 40 MB of schemas.
 */
export const MAX_FEATURES_EXPANDED = 100_000;
/** Past this many features, an array row is described by its length and the loosest type, not position by position. */
const MAX_POSITIONAL = 1000;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });

/** A component name from a model name: OpenAPI allows letters, digits, `.`, `-` and `_`. */
function componentKey(name: string, taken: Set<string>): string {
  const base = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'model';
  let key = base;
  for (let i = 2; taken.has(key); i++) key = `${base}_${i}`;
  taken.add(key);
  return key;
}

interface ModelSchemas {
  entry: ModelEntry;
  /** The component names of its request and response bodies. */
  request: string;
  response: string;
}

/** The card of an entry that has loaded, else undefined (the document does not load models). */
function cardOf(entry: ModelEntry): ModelCard | undefined {
  const s = entry.status();
  return s.state === 'ready' ? s.predictor.card : undefined;
}

/** The row schema /metadata publishes, as an OpenAPI schema (its own keyword `featureOrder` as an extension). */
function rowSchema(card: ModelCard): Schema {
  const { $schema: _, featureOrder, ...rest } = inputSchema(card) as Schema & { featureOrder?: unknown };
  // A body with none of the model's features is refused (400), even where every feature may be missing.
  const row: Schema = rest.required === undefined ? { ...rest, minProperties: 1 } : rest;
  return featureOrder === undefined ? row : { ...row, 'x-feature-order': featureOrder };
}

function arrayRowSchema(card: ModelCard, row: Schema): Schema {
  const n = card.features.length;
  const properties = row.properties as Record<string, Schema> | undefined;
  if (properties && n <= MAX_POSITIONAL) {
    return {
      type: 'array',
      description: 'one row as an array, its values in the order of the features (x-feature-order)',
      prefixItems: card.features.map((f) => properties[f.name] ?? {}),
      minItems: n,
      maxItems: n,
    };
  }
  const missing = card.features.some((f) => takesMissing(card, f));
  return {
    type: 'array',
    description: `one row as an array of ${n} values in the order of card.features`,
    items: { type: ['number', 'string', 'boolean', ...(missing ? ['null'] : [])] },
    minItems: n,
    maxItems: n,
  };
}

/** The `return_*` flags a model takes, by what it answers beside its prediction. */
function extraFlags(card: ModelCard): string[] {
  switch (outputKind(card)) {
    case 'probabilities':
      return ['probabilities'];
    case 'scores':
    case 'outliers':
      return ['scores'];
    case 'clusters':
      return (['distances', 'probabilities'] as const).filter((e) => card.io[e] !== undefined);
    default:
      return [];
  }
}

function requestSchemas(card: ModelCard, key: string, limits: Limits, out: Record<string, Schema>): void {
  const row = rowSchema(card);
  out[`${key}.row`] = row;
  const rows = (items: Schema, what: string): Schema => ({
    type: 'array',
    description: `${what}: at most ${limits.maxRows} rows (413 beyond), and at most ${limits.maxValues} values (rows x ${card.features.length} features)`,
    items,
    minItems: 1,
    maxItems: limits.maxRows,
  });
  const flags = Object.fromEntries(
    extraFlags(card).map((e) => [
      `return_${e}`,
      { type: 'boolean', default: false, description: `answer each row's ${e}` },
    ]),
  );
  out[`${key}.input`] = {
    type: 'object',
    description:
      'A batch of rows (the scikit-learn-lambda format): arrays in feature order, or objects keyed by feature name.',
    properties: {
      input: rows({ anyOf: [arrayRowSchema(card, row), ref(`${key}.row`)] }, 'the rows'),
      return_prediction: { type: 'boolean', default: true, description: "answer each row's prediction" },
      ...flags,
    },
    required: ['input'],
    additionalProperties: false,
  };
  out[`${key}.instances`] = {
    type: 'object',
    description: 'A batch of named rows (the TF Serving / KServe V1 row format).',
    properties: { instances: rows(ref(`${key}.row`), 'the rows, each keyed by feature name') },
    required: ['instances'],
    additionalProperties: false,
  };
  out[`${key}.request`] = {
    description: `A prediction request for ${card.name}: one named row, an "input" batch or "instances".`,
    anyOf: [ref(`${key}.row`), ref(`${key}.input`), ref(`${key}.instances`)],
  };
}

const num: Schema = { type: 'number' };
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const arr = (items: Schema): Schema => ({ type: 'array', items });

/** The three answers (one row, `input`, `instances`) of a model, by what it outputs. */
function responseSchemas(card: ModelCard): { row: Schema; input: Schema; instances: Schema } {
  const classes = card.classes ?? [];
  const label: Schema =
    classes.length > 0 ? { enum: [...classes] } : { type: ['string', 'number', 'boolean'] };
  const kind = outputKind(card);
  if (kind === 'values') {
    const targets = card.targets;
    const value: Schema = targets
      ? obj({ values: obj(Object.fromEntries(targets.map((t) => [t, num]))) })
      : obj({ value: num });
    const perRow = targets ? (value.properties as Record<string, Schema>).values : num;
    return {
      row: obj({ prediction: value }),
      input: obj({ prediction: arr(perRow as Schema) }),
      instances: obj({ predictions: arr(value) }),
    };
  }
  if (kind === 'labels') {
    return {
      row: obj({ prediction: obj({ label }) }),
      input: obj({ prediction: arr(label) }),
      instances: obj({ predictions: arr(obj({ label })) }),
    };
  }
  if (kind === 'probabilities' || kind === 'scores') {
    const one = kind === 'probabilities' ? 'probability' : 'score';
    const all = kind === 'probabilities' ? 'probabilities' : 'scores';
    const per: Schema = { ...num, ...(kind === 'probabilities' ? { minimum: 0, maximum: 1 } : {}) };
    const byClass = obj(Object.fromEntries(classes.map((c) => [String(c), per])));
    return {
      row: obj({ prediction: obj({ label, [one]: per }) }),
      input: { ...obj({ prediction: arr(label), [all]: arr(byClass) }, []), minProperties: 1 },
      instances: obj({ predictions: arr(obj({ label, [one]: per, [all]: byClass })) }),
    };
  }
  if (kind === 'clusters') {
    const k = card.clusters ?? 0;
    const vector: Schema = { type: 'array', items: num, minItems: k, maxItems: k };
    const cluster: Schema = { type: 'integer', minimum: 0, ...(k > 0 ? { maximum: k - 1 } : {}) };
    return {
      row: obj({ prediction: obj({ cluster, distance: num, probability: num }, ['cluster']) }),
      input: {
        ...obj({ prediction: arr(cluster), distances: arr(vector), probabilities: arr(vector) }, []),
        minProperties: 1,
      },
      instances: obj({
        predictions: arr(obj({ cluster, distances: vector, probabilities: vector }, ['cluster'])),
      }),
    };
  }
  const outlier = obj({ outlier: { type: 'boolean' }, score: num });
  return {
    row: obj({ prediction: outlier }),
    input: { ...obj({ prediction: arr({ type: 'boolean' }), scores: arr(num) }, []), minProperties: 1 },
    instances: obj({ predictions: arr(outlier) }),
  };
}

/** The components of one model: its request and response bodies (generic until it has loaded). */
function modelComponents(entry: ModelEntry, key: string, limits: Limits, out: Record<string, Schema>): void {
  const card = cardOf(entry);
  if (!card) {
    const why = `The model ${JSON.stringify(entry.name)} has not loaded yet: its schemas appear once it has (this document is regenerated).`;
    out[`${key}.request`] = { type: 'object', description: why };
    out[`${key}.response`] = { type: 'object', description: why };
    return;
  }
  requestSchemas(card, key, limits, out);
  const answers = responseSchemas(card);
  out[`${key}.response.row`] = { description: 'the answer to one named row', ...answers.row };
  out[`${key}.response.input`] = { description: 'the answer to an "input" batch', ...answers.input };
  out[`${key}.response.instances`] = { description: 'the answer to "instances"', ...answers.instances };
  out[`${key}.response`] = {
    description: `What ${card.name} answers (${outputKind(card)}), by the request's format.`,
    anyOf: [ref(`${key}.response.row`), ref(`${key}.response.input`), ref(`${key}.response.instances`)],
  };
}

const STATUS_TEXT: Record<string, string> = {
  '400':
    'the body is not JSON, has the wrong shape or types, or rows that do not fit the model (the message names the field, row and expected type)',
  '404': 'no such path, or no model of that name (the message names the ones there are)',
  '405': 'the method is not allowed on this path (the Allow header lists those that are)',
  '413': 'the body is over the size limit, or has more rows or values than the limits allow',
  '415': 'the content type is not JSON',
  '500': 'a fault inside modelgate (logged with the request id), or a model output that is not finite',
  '503': 'the model is still loading, or failed to load (the reason is in the server log)',
};

/** The error body a protocol writes, read off one of its own answers: an object (modelgate's) or a string (V2's). */
function errorSchemaName(protocol: Protocol, schemas: Record<string, Schema>): string {
  const name = `error.${protocol.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  if (schemas[name]) return name;
  let body: unknown;
  try {
    body = JSON.parse(protocol.errorResponse(new NotFoundError('probe')).body);
  } catch {
    body = undefined;
  }
  const error = (body as { error?: unknown } | undefined)?.error;
  schemas[name] =
    typeof error === 'string'
      ? obj({ error: { type: 'string', description: 'what went wrong' } })
      : typeof error === 'object' && error !== null
        ? obj({
            error: obj(
              {
                type: { type: 'string', description: 'a stable error type: invalid_row, too_many_rows, ...' },
                message: { type: 'string', description: 'what is wrong, naming the field, row or limit' },
                details: { type: 'object', description: 'the field, row, limit and values involved' },
              },
              ['type', 'message'],
            ),
          })
        : { description: 'the error body' };
  return name;
}

function errorResponses(codes: string[], schema: string): Record<string, unknown> {
  return Object.fromEntries(
    codes.map((c) => [c, { description: STATUS_TEXT[c] ?? 'an error', content: json(ref(schema)) }]),
  );
}

const MODEL_HEADERS = {
  'x-model-name': { description: 'the model that answered', schema: { type: 'string' } },
  'x-model-version': {
    description: "its version (the card's, else its sha256's first 12 hex digits)",
    schema: { type: 'string' },
  },
};

interface Op {
  summary: string;
  description?: string;
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

/** The operation for a route of modelgate's protocol; `model` is the one it answers for (undefined: none, or any). */
function modelgateOperation(
  route: Route,
  model: ModelSchemas | undefined,
  error: string,
  limits: Limits,
): Op {
  const named = model ? ` (${model.entry.name})` : '';
  switch (route.name) {
    case 'predict':
      return {
        summary: `Predict${named}`,
        requestBody: {
          required: true,
          description: `JSON, at most ${limits.maxBodyBytes} bytes (413 beyond).`,
          content: json(model ? ref(model.request) : { type: 'object' }),
        },
        responses: {
          '200': {
            description: 'the predictions',
            headers: MODEL_HEADERS,
            content: json(model ? ref(model.response) : { type: 'object' }),
          },
          ...errorResponses(['400', '404', '413', '415', '500', '503'], error),
        },
      };
    case 'health':
      return {
        summary: 'Alive',
        responses: {
          '200': { description: 'the process answers', content: json(obj({ status: { const: 'ok' } })) },
        },
      };
    case 'ready':
      return {
        summary: `Ready${named}`,
        responses: {
          '200': {
            description: 'the model is loaded',
            content: json(
              obj({ status: { const: 'ready' }, model: { type: 'string' }, version: { type: 'string' } }),
            ),
          },
          ...errorResponses(['404', '503'], error),
        },
      };
    case 'metadata':
      return {
        summary: `Model card and input schema${named}`,
        responses: {
          '200': {
            description: 'the model card, the JSON Schema of one row, and the limits',
            content: json(
              obj({
                card: { type: 'object', description: 'the model card (docs/model-card.md)' },
                schema: { type: 'object', description: 'JSON Schema (2020-12) of one named row' },
                limits: obj({
                  maxBodyBytes: { type: 'integer' },
                  maxRows: { type: 'integer' },
                  maxValues: { type: 'integer' },
                }),
              }),
            ),
          },
          ...errorResponses(['404', '503'], error),
        },
      };
    case 'models':
      return {
        summary: 'The models served',
        responses: {
          '200': {
            description: 'every model, with its state',
            content: json(
              obj({
                models: arr(
                  obj(
                    {
                      name: { type: 'string' },
                      version: { type: 'string' },
                      state: { enum: ['loading', 'ready', 'failed'] },
                      default: { const: true },
                    },
                    ['name', 'state'],
                  ),
                ),
              }),
            ),
          },
        },
      };
    default:
      return {
        summary: `${route.name}${named}`,
        responses: { '200': { description: route.name }, ...errorResponses(['503'], error) },
      };
  }
}

// The Open Inference Protocol's bodies (REST), described generically: tensors of the datatypes the
// protocol module takes (FP16 and BF16 are refused there, so they are not offered here).
const v2Tensor = (data: boolean): Schema =>
  obj(
    {
      name: { type: 'string' },
      shape: arr({ type: 'integer', minimum: -1 }),
      datatype: { enum: [...DATATYPES] },
      parameters: { type: 'object' },
      ...(data ? { data: { type: 'array', description: 'the values, row-major, flat or nested' } } : {}),
    },
    data ? ['name', 'shape', 'datatype'] : ['name', 'datatype', 'shape'],
  );
const V2_SCHEMAS: Record<string, Schema> = {
  'v2.server': obj(
    { name: { type: 'string' }, version: { type: 'string' }, extensions: arr({ type: 'string' }) },
    ['name', 'version', 'extensions'],
  ),
  'v2.model': obj(
    {
      name: { type: 'string' },
      versions: arr({ type: 'string' }),
      platform: { type: 'string' },
      inputs: arr(v2Tensor(false)),
      outputs: arr(v2Tensor(false)),
      parameters: { type: 'object' },
    },
    ['name', 'platform', 'inputs', 'outputs'],
  ),
  'v2.inferRequest': obj(
    {
      id: { type: 'string' },
      parameters: { type: 'object' },
      inputs: { ...arr(v2Tensor(true)), minItems: 1 },
      outputs: arr(obj({ name: { type: 'string' }, parameters: { type: 'object' } }, ['name'])),
    },
    ['inputs'],
  ),
  'v2.inferResponse': obj(
    {
      model_name: { type: 'string' },
      model_version: { type: 'string' },
      id: { type: 'string' },
      parameters: { type: 'object' },
      outputs: arr(v2Tensor(true)),
    },
    ['model_name', 'outputs'],
  ),
};

/** The operation for an Open Inference Protocol route, by its standard path; undefined for another path. */
function v2Operation(path: string, error: string, limits: Limits): Op | undefined {
  const errors = (codes: string[]) => errorResponses(codes, error);
  if (path === '/v2')
    return {
      summary: 'Server metadata (V2)',
      responses: { '200': { description: 'the server', content: json(ref('v2.server')) } },
    };
  if (path === '/v2/health/live' || path === '/v2/health/ready')
    return {
      summary: `Server ${path.endsWith('live') ? 'live' : 'ready'} (V2)`,
      responses: { '200': { description: 'yes' }, ...errors(['503']) },
    };
  if (!path.startsWith('/v2/models/')) return undefined;
  if (path.endsWith('/ready'))
    return {
      summary: 'Model ready (V2)',
      responses: { '200': { description: 'the model is ready' }, ...errors(['404', '503']) },
    };
  if (path.endsWith('/infer'))
    return {
      summary: 'Inference (V2)',
      requestBody: {
        required: true,
        description: `JSON, at most ${limits.maxBodyBytes} bytes; or, with the binary tensor data extension (Inference-Header-Content-Length), the JSON header followed by the tensors' bytes.`,
        content: {
          ...json(ref('v2.inferRequest')),
          'application/octet-stream': {
            schema: { type: 'string', contentMediaType: 'application/octet-stream' },
          },
        },
      },
      responses: {
        '200': {
          description: 'the output tensors',
          content: {
            ...json(ref('v2.inferResponse')),
            'application/octet-stream': {
              schema: { type: 'string', contentMediaType: 'application/octet-stream' },
            },
          },
        },
        ...errors(['400', '404', '413', '415', '500', '503']),
      },
    };
  return {
    summary: 'Model metadata (V2)',
    responses: {
      '200': { description: 'the model', content: json(ref('v2.model')) },
      ...errors(['404', '503']),
    },
  };
}

/** A route of a protocol this file does not describe in full: the two it serves itself, else by name. */
function otherOperation(protocol: Protocol, route: Route): Op {
  if (protocol.name === 'metrics')
    return {
      summary: 'Prometheus metrics',
      responses: {
        '200': {
          description: "the figures in Prometheus' text format (version 0.0.4)",
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      },
    };
  if (protocol.name === 'openapi')
    return {
      summary: 'This document',
      responses: {
        '200': { description: 'the OpenAPI 3.1 document', content: json({ type: 'object' }) },
      },
    };
  return { summary: `${protocol.name} ${route.name}`, responses: { '200': { description: route.name } } };
}

function pathParameters(path: string): unknown[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

/** The OpenAPI 3.1 document of what `source` serves. */
export function openApiDocument(source: OpenApiSource): Schema {
  const { models, limits } = source;
  const schemas: Record<string, Schema> = {};
  const taken = new Set<string>();
  const entries = models.list();
  const features = entries.reduce((n, e) => n + (cardOf(e)?.features.length ?? 0), 0);
  const expand = entries.length <= MAX_MODELS_EXPANDED && features <= MAX_FEATURES_EXPANDED;
  const byEntry = new Map<ModelEntry, ModelSchemas>();
  for (const entry of expand ? entries : []) {
    const key = componentKey(entry.name, taken);
    modelComponents(entry, key, limits, schemas);
    byEntry.set(entry, { entry, request: `${key}.request`, response: `${key}.response` });
  }
  const defaultEntry = models.defaultEntry();
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  let usesV2 = false;

  const add = (protocol: Protocol, route: Route, path: string, model: ModelSchemas | undefined) => {
    const method = route.method.toLowerCase();
    const item = paths[path] ?? {};
    paths[path] = item;
    if (item[method]) return; // an earlier protocol's route answers here
    const error = errorSchemaName(protocol, schemas);
    let op: Op | undefined;
    if (protocol.name === 'modelgate') op = modelgateOperation(route, model, error, limits);
    else {
      op = path.startsWith('/v2') ? v2Operation(route.path, error, limits) : undefined;
      if (op) usesV2 = true;
    }
    op ??= otherOperation(protocol, route);
    let id = `${method}${path.replace(/[^A-Za-z0-9]+/g, '_')}`.replace(/_+$/, '');
    for (let i = 2; operationIds.has(id); i++) id = `${method}${path.replace(/[^A-Za-z0-9]+/g, '_')}_${i}`;
    operationIds.add(id);
    const parameters = pathParameters(path);
    item[method] = {
      operationId: id,
      tags: [protocol.name],
      ...op,
      ...(parameters.length > 0 ? { parameters } : {}),
    };
  };

  for (const protocol of source.protocols) {
    for (const route of protocol.routes) {
      if (route.path.includes('{name}') && expand) {
        for (const entry of entries)
          add(
            protocol,
            route,
            route.path.replace('{name}', encodeURIComponent(entry.name)),
            byEntry.get(entry),
          );
      } else {
        const model = route.path.includes('{name}') || !defaultEntry ? undefined : byEntry.get(defaultEntry);
        add(protocol, route, route.path, model);
      }
    }
  }
  if (usesV2) Object.assign(schemas, V2_SCHEMAS);

  const names = entries.map((e) => e.name);
  return {
    openapi: '3.1.0',
    info: {
      title: names.length === 1 ? `modelgate: ${names[0]}` : `modelgate: ${names.length} models`,
      version: source.version,
      description:
        `Prediction API served by modelgate for ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}. ` +
        `Limits: a body of at most ${limits.maxBodyBytes} bytes, at most ${limits.maxRows} rows and ${limits.maxValues} values (rows x features) a request; 413 beyond. ` +
        'Every error is JSON with a stable type and a message that names what is wrong.',
    },
    ...(source.prefix !== '' ? { servers: [{ url: source.prefix }] } : {}),
    paths,
    components: { schemas },
  };
}
