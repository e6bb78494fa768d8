// The Open Inference Protocol (KServe V2) over REST, as KServe, Triton, MLServer and Seldon speak it:
// GET /v2, /v2/health/live, /v2/health/ready, /v2/models/{name}[/versions/{version}][/ready], POST
// .../infer, with the binary tensor data extension (Inference-Header-Content-Length). Input tensors map
// to the card's features (one [N, F] tensor, or one tensor per feature) and become rows that go through
// the same validation and Predictor as the modelgate protocol's; errors are {"error": "<message>"}.
import type { ModelCard } from '../../../onnx/card.js';
import type { Prediction } from '../../../runtime/prediction.js';
import type { Predictor } from '../../../runtime/predictor.js';
import { VERSION } from '../../../version.js';
import {
  type ApiError,
  BadRequestError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
} from '../../errors.js';
import { predictRows } from '../../predict.js';
import {
  type CoreResponse,
  type Exchange,
  JSON_HEADERS,
  jsonResponse,
  type Protocol,
  type Route,
  type RouteContext,
} from '../../protocol.js';
import { cardVersion, findModel, type ModelEntry, notReadyError } from '../../registry.js';
import { type Limits, parseJson } from '../../request.js';
import { answerHeaders } from '../modelgate.js';
import { inputsOf, type OutputTensor, outputJson, outputsOf, outputTensors } from './format.js';
import {
  binaryElements,
  type Element,
  encodeBinary,
  type InputHead,
  jsonElements,
  parseInputHead,
  typeOf,
} from './tensors.js';

export const HEADER_LENGTH = 'inference-header-content-length';
const REQUEST_KEYS = new Set(['id', 'parameters', 'inputs', 'outputs', 'model_name', 'model_version']);
const OUTPUT_KEYS = new Set(['name', 'parameters']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_ID = 1024;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const bad = (message: string, details?: Record<string, unknown>) =>
  new BadRequestError('invalid_request', message, details);

const clip = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}...` : s);

/** The model a route names, ready, with its version checked against the path's. */
async function modelOf(ctx: RouteContext, exchange: Exchange): Promise<Predictor> {
  const entry: ModelEntry = findModel(ctx.models, ctx.params.name as string);
  return checkedModel(ctx, exchange, await ctx.models.ready(entry));
}

/** The model a route names when it is loaded (held for the request), else undefined. */
function modelNow(ctx: RouteContext, exchange: Exchange): Predictor | undefined {
  const predictor = ctx.readyNow(findModel(ctx.models, ctx.params.name as string));
  return predictor && checkedModel(ctx, exchange, predictor);
}

/** The predictor, noted on the exchange, with its version checked against the path's. */
function checkedModel(ctx: RouteContext, exchange: Exchange, predictor: Predictor): Predictor {
  const version = cardVersion(predictor);
  exchange.model = predictor.card.name;
  exchange.version = version;
  const asked = ctx.params.version;
  if (asked !== undefined && asked !== version)
    throw new NotFoundError(
      `the model ${clip(predictor.card.name)} has no version ${clip(asked)}; it serves version ${JSON.stringify(version)}`,
      { model: predictor.card.name, version: asked, versions: [version] },
    );
  return predictor;
}

/** A request split into its JSON header and the binary tensor bytes after it (the extension). */
function splitBody(ctx: RouteContext): { json: string; binary?: Uint8Array } {
  const header = ctx.request.headers[HEADER_LENGTH];
  if (header === undefined) {
    ctx.requireJson();
    return { json: ctx.text() };
  }
  const bytes = ctx.bytes();
  const spelt = header.trim();
  if (!/^\d{1,15}$/.test(spelt))
    throw bad(`the Inference-Header-Content-Length header must be a byte count, got ${clip(header)}`);
  const length = Number(spelt);
  if (length === 0)
    throw bad(
      'Inference-Header-Content-Length is 0 (a raw binary tensor without a JSON header), which modelgate does not take; send the JSON inference header first',
    );
  if (length > bytes.length)
    throw bad(
      `the Inference-Header-Content-Length header says the JSON is ${length} bytes, but the body is ${bytes.length}`,
      { header: length, body: bytes.length },
    );
  let json: string;
  try {
    json = utf8.decode(bytes.subarray(0, length));
  } catch {
    throw bad('the inference header (the body before Inference-Header-Content-Length) is not valid UTF-8');
  }
  return { json, binary: bytes.subarray(length) };
}

function booleanParameter(params: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(`${where}parameters.${key} must be true or false, got ${typeOf(v)}`);
  return v;
}

function parametersOf(v: unknown, where: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw bad(`${where}"parameters" must be an object, got ${typeOf(v)}`);
  return v;
}

interface Requested {
  name: string;
  binary: boolean;
}

/** The outputs asked for (all of the model's, by default), each answered in JSON or in binary. */
function requestedOutputs(v: unknown, available: readonly string[], binaryDefault: boolean): Requested[] {
  if (v === undefined || v === null) return available.map((name) => ({ name, binary: binaryDefault }));
  if (!Array.isArray(v)) throw bad(`"outputs" must be an array of {"name": ...}, got ${typeOf(v)}`);
  if (v.length === 0) return available.map((name) => ({ name, binary: binaryDefault }));
  const seen = new Set<string>();
  return v.map((o, i) => {
    if (!isObject(o) || typeof o.name !== 'string')
      throw bad(`output ${i} must be an object with a "name" string, got ${typeOf(o)}`);
    const extra = Object.keys(o).filter((k) => !OUTPUT_KEYS.has(k));
    if (extra.length > 0)
      throw bad(
        `output ${clip(o.name)} has unknown fields ${extra.slice(0, 8).map(clip).join(', ')}; an output has name, parameters`,
      );
    if (!available.includes(o.name))
      throw bad(`this model has no output ${clip(o.name)}; its outputs are ${available.join(', ')}`, {
        output: o.name.slice(0, 200),
        outputs: available,
      });
    if (seen.has(o.name)) throw bad(`the output ${clip(o.name)} is asked for twice`);
    seen.add(o.name);
    const params = parametersOf(o.parameters, `output ${clip(o.name)}: `);
    if (params.shared_memory_region !== undefined)
      throw bad(`output ${clip(o.name)}: the shared memory extension is not supported`);
    if (params.classification !== undefined && params.classification !== null && params.classification !== 0)
      throw bad(
        `output ${clip(o.name)}: the classification extension is not supported; ask for "label" and "probabilities" instead`,
      );
    return {
      name: o.name,
      binary: booleanParameter(params, 'binary_data', `output ${clip(o.name)}: `) ?? binaryDefault,
    };
  });
}

/** The rows the input tensors stand for: one [N, F] tensor, or one [N] / [N, 1] tensor per feature. */
function rowsOf(
  tensors: { head: InputHead; elements: Element[] }[],
  predictor: Predictor,
  limits: Limits,
): unknown[] {
  const card = predictor.card;
  const width = card.features.length;
  const encoder = predictor.encoder;
  const perFeature = tensors.every(
    ({ head }) => encoder.has(head.name) && (head.shape.length === 1 || head.shape[1] === 1),
  );
  let rows: unknown[];
  if (perFeature) {
    const n = (tensors[0] as { head: InputHead }).head.shape[0] as number;
    for (const { head } of tensors)
      if (head.shape[0] !== n)
        throw bad(
          `the inputs have different numbers of rows: ${clip((tensors[0] as { head: InputHead }).head.name)} has ${n}, ${clip(head.name)} ${head.shape[0]}`,
        );
    checkRows(n, width, limits);
    rows = new Array(n);
    for (let r = 0; r < n; r++) {
      const row: Record<string, Element> = {};
      for (const { head, elements } of tensors) row[head.name] = elements[r] as Element;
      rows[r] = row;
    }
    return rows;
  }
  const only = tensors.length === 1 ? (tensors[0] as { head: InputHead; elements: Element[] }) : undefined;
  if (only && only.head.shape.length === 2 && only.head.shape[1] === width) {
    const n = only.head.shape[0] as number;
    checkRows(n, width, limits);
    rows = new Array(n);
    for (let r = 0; r < n; r++) rows[r] = only.elements.slice(r * width, (r + 1) * width);
    return rows;
  }
  const unknown = tensors.map((t) => t.head.name).filter((name) => !encoder.has(name));
  const features = card.features
    .slice(0, 8)
    .map((f) => f.name)
    .join(', ');
  throw bad(
    only
      ? `input ${clip(only.head.name)} has shape [${only.head.shape.join(', ')}]; send one [rows, ${width}] tensor of the features in order (${features}${width > 8 ? ', ...' : ''}), or one [rows] tensor per feature named as the feature`
      : unknown.length > 0
        ? `the inputs ${unknown.slice(0, 8).map(clip).join(', ')} name no feature of the model (${features}${width > 8 ? ', ...' : ''}); several inputs are one [rows] tensor per feature, named as the feature`
        : `several inputs are one [rows] or [rows, 1] tensor per feature; ${clip(tensors.find((t) => t.head.shape.length === 2 && t.head.shape[1] !== 1)?.head.name ?? '')} is not`,
    { features: card.features.slice(0, 100).map((f) => f.name) },
  );
}

function checkRows(n: number, width: number, limits: Limits): void {
  if (n === 0) throw bad('the inputs have no rows; send at least one');
  if (n > limits.maxRows)
    throw new PayloadTooLargeError(
      'too_many_rows',
      `the inputs have ${n} rows, over the limit of ${limits.maxRows}; split them into smaller requests`,
      { limit: limits.maxRows, rows: n },
    );
  if (n * width > limits.maxValues)
    throw new PayloadTooLargeError(
      'too_many_values',
      `the inputs have ${n} rows of ${width} features, ${n * width} values, over the limit of ${limits.maxValues}; split them into smaller requests`,
      { limit: limits.maxValues, rows: n, features: width },
    );
}

/**
 * The answer: JSON, or the JSON header followed by the binary outputs. The JSON is written from the
 * prediction's arrays (outputJson); a binary output's elements are made for its bytes alone.
 */
function inferResponse(
  head: { model_name: string; model_version: string; id?: string },
  prediction: Prediction,
  card: ModelCard,
  asked: readonly Requested[],
  predictor: Predictor,
): CoreResponse {
  const binaries: Uint8Array[] = [];
  let tensors: Map<string, OutputTensor> | undefined;
  const outputs = asked.map(({ name, binary }) => {
    if (!binary) return outputJson(prediction, card, name);
    tensors ??= outputTensors(prediction, card);
    const { datatype, shape, data } = tensors.get(name) as OutputTensor;
    const bytes = encodeBinary(datatype, data);
    binaries.push(bytes);
    return JSON.stringify({ name, datatype, shape, parameters: { binary_data_size: bytes.length } });
  });
  const json = `${JSON.stringify(head).slice(0, -1)},"outputs":[${outputs.join(',')}]}`;
  const headers = answerHeaders(predictor);
  if (binaries.length === 0) return { status: 200, headers, body: json };
  const bytes = Buffer.from(json, 'utf8');
  headers['content-type'] = 'application/octet-stream';
  headers[HEADER_LENGTH] = String(bytes.length);
  return {
    status: 200,
    headers,
    body: '',
    bytes: Buffer.concat([bytes, ...binaries]),
  };
}

const infer: Route['handle'] = async (ctx, exchange) => {
  const { json, binary } = splitBody(ctx);
  const predictor = modelNow(ctx, exchange) ?? (await modelOf(ctx, exchange));
  const req = parseJson(json);
  if (!isObject(req))
    throw bad(`the inference request must be a JSON object with "inputs", got ${typeOf(req)}`);
  const extra = Object.keys(req).filter((k) => !REQUEST_KEYS.has(k));
  if (extra.length > 0)
    throw bad(
      `unknown field${extra.length > 1 ? 's' : ''} ${extra.slice(0, 8).map(clip).join(', ')} in the inference request; it has ${[...REQUEST_KEYS].join(', ')}`,
      { unknown: extra.slice(0, 100) },
    );
  const id = req.id;
  if (id !== undefined && id !== null && (typeof id !== 'string' || id.length > MAX_ID))
    throw bad(`"id" must be a string of at most ${MAX_ID} characters, got ${typeOf(id)}`);
  if (req.model_name !== undefined && req.model_name !== null && req.model_name !== predictor.card.name)
    throw bad(
      `"model_name" is ${typeof req.model_name === 'string' ? clip(req.model_name) : typeOf(req.model_name)}, but the path names the model ${clip(predictor.card.name)}`,
    );
  if (
    req.model_version !== undefined &&
    req.model_version !== null &&
    req.model_version !== '' &&
    req.model_version !== exchange.version
  )
    throw bad(`"model_version" does not match the model's version ${JSON.stringify(exchange.version)}`);
  const params = parametersOf(req.parameters, '');
  const binaryDefault = booleanParameter(params, 'binary_data_output', '') ?? false;

  if (!Array.isArray(req.inputs) || req.inputs.length === 0)
    throw bad(`"inputs" must be a non-empty array of tensors, got ${typeOf(req.inputs)}`, {
      field: 'inputs',
    });
  const width = predictor.card.features.length;
  if (req.inputs.length > width)
    throw bad(`the request has ${req.inputs.length} inputs, but the model has ${width} features`);
  const heads = req.inputs.map((v, i) => parseInputHead(v, i, ctx.limits, binary !== undefined));
  const names = new Set<string>();
  for (const h of heads) {
    if (names.has(h.name)) throw bad(`the input ${clip(h.name)} is given twice`);
    names.add(h.name);
  }
  // The binary tensors follow the JSON in the inputs' order, and fill the body exactly.
  let offset = 0;
  const rest = binary ?? new Uint8Array(0);
  const tensors = heads.map((head) => {
    const where = `input ${clip(head.name)}`;
    if (head.binarySize === undefined) return { head, elements: jsonElements(head, where) };
    if (head.binarySize > rest.length - offset)
      throw bad(
        `${where}: binary_data_size ${head.binarySize} goes past the end of the body (${rest.length - offset} bytes are left after the JSON and the tensors before it)`,
        { field: 'parameters.binary_data_size' },
      );
    const bytes = rest.subarray(offset, offset + head.binarySize);
    offset += head.binarySize;
    return { head, elements: binaryElements(head, bytes, where) };
  });
  if (offset !== rest.length)
    throw bad(
      `the body holds ${rest.length - offset} bytes after the JSON header and the binary tensors it describes`,
      { extra: rest.length - offset },
    );

  const rows = rowsOf(tensors, predictor, ctx.limits);
  exchange.rows = rows.length;
  const prediction = await predictRows(predictor, rows);
  const asked = requestedOutputs(req.outputs, outputNames(predictor), binaryDefault);
  const head: { model_name: string; model_version: string; id?: string } = {
    model_name: predictor.card.name,
    model_version: exchange.version as string,
  };
  if (typeof id === 'string') head.id = id;
  return inferResponse(head, prediction, predictor.card, asked, predictor);
};

/** The names of a model's outputs, in the order they are answered when none is asked for. */
function outputNames(predictor: Predictor): string[] {
  return outputsOf(predictor.card, predictor.kind).map((m) => m.name);
}

/** Model metadata: the tensors it takes and answers; the class order and task in `parameters`. */
function metadataBody(predictor: Predictor): string {
  const { card } = predictor;
  const parameters: Record<string, string | number | boolean> = { task: card.task };
  if (card.classes) parameters.classes = JSON.stringify(card.classes);
  if (card.targets) parameters.targets = JSON.stringify(card.targets);
  if (card.clusters !== undefined) parameters.clusters = card.clusters;
  parameters.features = JSON.stringify(card.features.map((f) => f.name));
  return JSON.stringify({
    name: card.name,
    versions: [cardVersion(predictor)],
    platform: 'onnxruntime',
    inputs: inputsOf(card),
    outputs: outputsOf(card, predictor.kind),
    parameters,
  });
}

export function kserveV2Protocol(): Protocol {
  const metadataBodies = new WeakMap<Predictor, string>();
  const metadata: Route['handle'] = async (ctx, exchange) => {
    const predictor = await modelOf(ctx, exchange);
    let body = metadataBodies.get(predictor);
    if (body === undefined) {
      body = metadataBody(predictor);
      metadataBodies.set(predictor, body);
    }
    return { status: 200, headers: { ...JSON_HEADERS }, body };
  };
  const modelReady: Route['handle'] = async (ctx, exchange) => {
    const predictor = await modelOf(ctx, exchange);
    return jsonResponse(200, { name: predictor.card.name, ready: true });
  };
  const serverReady: Route['handle'] = (ctx) => {
    for (const entry of ctx.models.list()) {
      const status = entry.status();
      if (status.state !== 'ready') throw notReadyError(status, entry.name);
    }
    return jsonResponse(200, { ready: true });
  };
  const server = jsonResponse(200, {
    name: 'modelgate',
    version: VERSION,
    extensions: ['binary_tensor_data'],
  });
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/v2',
      name: 'v2-server',
      handle: () => ({ ...server, headers: { ...server.headers } }),
    },
    {
      method: 'GET',
      path: '/v2/health/live',
      name: 'v2-live',
      handle: () => jsonResponse(200, { live: true }),
    },
    { method: 'GET', path: '/v2/health/ready', name: 'v2-ready', handle: serverReady },
  ];
  for (const base of ['/v2/models/{name}', '/v2/models/{name}/versions/{version}']) {
    routes.push(
      { method: 'GET', path: base, name: 'v2-metadata', handle: metadata },
      { method: 'GET', path: `${base}/ready`, name: 'v2-model-ready', handle: modelReady },
      { method: 'POST', path: `${base}/infer`, name: 'infer', handle: infer },
    );
  }
  return { name: 'kserve-v2', routes, owns, errorResponse };
}

/** The paths this protocol answers errors for: any under a `/v2` segment. */
function owns(path: string): boolean {
  return /(^|\/)v2(\/|$)/.test(path);
}

function errorResponse(err: ApiError): CoreResponse {
  const extra: Record<string, string> =
    err instanceof MethodNotAllowedError ? { allow: err.allow.join(', ') } : {};
  return jsonResponse(err.status, { error: err.message }, extra);
}
