// GET /openapi.json: the OpenAPI 3.1 document of everything the core serves (src/api/openapi.ts), built
// from the protocols' routes and the models' cards, and rebuilt only when a model loads, fails or is
// swapped (the document of a wide model is not rebuilt on every request).
import { VERSION } from '../../version.js';
import { openApiDocument } from '../openapi.js';
import { JSON_HEADERS, type Protocol } from '../protocol.js';
import { errorResponse } from './modelgate.js';

/** Documents kept, by prefix and models' states: a few prefixes at most (a base path, an API Gateway resource). */
const CACHED = 8;

export function openapiProtocol(): Protocol {
  const cache = new Map<string, string>();
  return {
    name: 'openapi',
    routes: [
      {
        method: 'GET',
        path: '/openapi.json',
        name: 'openapi',
        handle: (ctx) => {
          // What the request's path had in front of the route (a base path): the server's URL.
          const raw = ctx.request.path;
          const q = raw.indexOf('?');
          const full = (q >= 0 ? raw.slice(0, q) : raw).replace(/\/+$/, '');
          const prefix = full.endsWith(ctx.path) ? full.slice(0, full.length - ctx.path.length) : '';
          const entries = ctx.models.list();
          const key = `${prefix}\n${entries
            .map((e) => {
              const s = e.status();
              // The predictor itself, by identity: a reload swaps it.
              return `${e.name}\t${e.version ?? ''}\t${s.state}\t${s.state === 'ready' ? s.predictor.sha256 : ''}`;
            })
            .join('\n')}`;
          let body = cache.get(key);
          if (body === undefined) {
            body = JSON.stringify(
              openApiDocument({
                protocols: ctx.protocols,
                models: ctx.models,
                limits: ctx.limits,
                prefix,
                version: VERSION,
              }),
            );
            if (cache.size >= CACHED) cache.clear();
            cache.set(key, body);
          }
          return { status: 200, headers: { ...JSON_HEADERS }, body };
        },
      },
    ],
    owns: () => false,
    errorResponse,
  };
}
