// modelgate's own protocol (handbook protocol.md): one named row, `input` batches and `instances` at
// POST / and /predict for the default model and at /models/{name}/predict for any; GET /health,
// /ready, /metadata (also per model), /models; errors as {"error": {"type", "message", "details"}}.
import type { Predictor } from '../../runtime/predictor.js';
import { type ApiError, MethodNotAllowedError } from '../errors.js';
import { predictJson } from '../predict.js';
import {
  type CoreResponse,
  type Exchange,
  JSON_HEADERS,
  jsonResponse,
  type Protocol,
  type Route,
  type RouteContext,
} from '../protocol.js';
import { cardVersion, defaultModel, findModel, type ModelEntry } from '../registry.js';
import { parseJson } from '../request.js';
import { inputSchema } from '../schema.js';

export type ModelPage = (predictor: Predictor) => Promise<CoreResponse>;

export interface ModelgateProtocolOptions {
  /**
   * More GET routes (exact paths) that answer from the default model, as `/metadata` does: 503 until it
   * is ready. The server's `/cost` page is one.
   */
  modelPages?: Readonly<Record<string, ModelPage>>;
}

/** The model a route names (`{name}`), or the default one. */
function entryOf(ctx: RouteContext): ModelEntry {
  const name = ctx.params.name;
  return name === undefined ? defaultModel(ctx.models) : findModel(ctx.models, name);
}

async function predictorOf(ctx: RouteContext, exchange: Exchange): Promise<Predictor> {
  return answering(exchange, await ctx.models.ready(entryOf(ctx)));
}

/** Notes on the exchange which model and version answer. */
function answering(exchange: Exchange, predictor: Predictor): Predictor {
  exchange.model = predictor.card.name;
  exchange.version = cardVersion(predictor);
  return predictor;
}

export function modelgateProtocol(options: ModelgateProtocolOptions = {}): Protocol {
  // GET /metadata, built once per model: a wide card's schema is not rebuilt on every request.
  const metadataBodies = new WeakMap<Predictor, string>();

  // Not async: a request for a loaded model goes to the predictor in this turn of the event loop.
  const predict: Route['handle'] = (ctx, exchange) => {
    ctx.requireJson();
    const text = ctx.text();
    const entry = entryOf(ctx);
    const now = ctx.readyNow(entry);
    if (now) return predictWith(answering(exchange, now), ctx, exchange, text);
    return ctx.models
      .ready(entry)
      .then((predictor) => predictWith(answering(exchange, predictor), ctx, exchange, text));
  };
  const ready: Route['handle'] = async (ctx, exchange) => {
    const predictor = await predictorOf(ctx, exchange);
    return jsonResponse(200, { status: 'ready', model: predictor.card.name, version: exchange.version });
  };
  const metadata: Route['handle'] = async (ctx, exchange) => {
    const predictor = await predictorOf(ctx, exchange);
    let body = metadataBodies.get(predictor);
    if (body === undefined) {
      const { card } = predictor;
      body = JSON.stringify({ card, schema: inputSchema(card), limits: ctx.limits });
      metadataBodies.set(predictor, body);
    }
    return { status: 200, headers: { ...JSON_HEADERS }, body };
  };
  const models: Route['handle'] = (ctx) => {
    const list = ctx.models.list().map((e) => {
      const status = e.status();
      return {
        name: e.name,
        ...(e.version !== undefined ? { version: e.version } : {}),
        state: status.state,
        ...(e === ctx.models.defaultEntry() ? { default: true } : {}),
      };
    });
    return jsonResponse(200, { models: list });
  };

  const routes: Route[] = [
    { method: 'GET', path: '/health', name: 'health', handle: () => jsonResponse(200, { status: 'ok' }) },
    { method: 'GET', path: '/ready', name: 'ready', handle: ready },
    { method: 'GET', path: '/metadata', name: 'metadata', handle: metadata },
    { method: 'POST', path: '/', name: 'predict', handle: predict },
    { method: 'POST', path: '/predict', name: 'predict', handle: predict },
    { method: 'GET', path: '/models', name: 'models', handle: models },
    { method: 'GET', path: '/models/{name}', name: 'metadata', handle: metadata },
    { method: 'GET', path: '/models/{name}/metadata', name: 'metadata', handle: metadata },
    { method: 'GET', path: '/models/{name}/ready', name: 'ready', handle: ready },
    { method: 'POST', path: '/models/{name}', name: 'predict', handle: predict },
    { method: 'POST', path: '/models/{name}/predict', name: 'predict', handle: predict },
  ];
  for (const [path, page] of Object.entries(options.modelPages ?? {})) {
    routes.push({
      method: 'GET',
      path,
      name: path.slice(1) || 'page',
      handle: async (ctx, exchange) => page(await predictorOf(ctx, exchange)),
    });
  }
  return {
    name: 'modelgate',
    routes,
    owns: () => true,
    errorResponse,
    anyPathPost: { method: 'POST', path: '/', name: 'predict', handle: predict },
  };
}

function predictWith(
  predictor: Predictor,
  ctx: RouteContext,
  exchange: Exchange,
  text: string,
): Promise<CoreResponse> {
  return predictJson(predictor, parseJson(text), ctx.limits, exchange).then((body) => ({
    status: 200,
    headers: answerHeaders(predictor),
    body,
  }));
}

/** A JSON answer's headers for a predictor's model, made once per predictor. */
const answerHeaderSets = new WeakMap<Predictor, Readonly<Record<string, string>>>();

/**
 * The headers of a JSON prediction from `predictor`, naming the model and version that answered (several
 * models may share an endpoint): a copy of ones made once, the caller's to add to.
 */
export function answerHeaders(predictor: Predictor): Record<string, string> {
  let headers = answerHeaderSets.get(predictor);
  if (!headers) {
    headers = {
      ...JSON_HEADERS,
      'x-model-name': encodeHeader(predictor.card.name),
      'x-model-version': cardVersion(predictor),
    };
    answerHeaderSets.set(predictor, headers);
  }
  return { ...headers };
}

/** A header value from a model name, which may hold any character: percent-encoded outside printable ASCII. */
function encodeHeader(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/** An error in modelgate's format, {"error": {"type", "message", "details"}} (with `allow` on a 405). */
export function errorResponse(err: ApiError): CoreResponse {
  const extra: Record<string, string> =
    err instanceof MethodNotAllowedError ? { allow: err.allow.join(', ') } : {};
  return jsonResponse(err.status, err.toJSON(), extra);
}
