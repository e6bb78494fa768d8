// Cross-origin requests from browsers (CORS), as hooks around the core: a preflight (OPTIONS with
// Access-Control-Request-Method) from an allowed origin is answered before routing; every answer to an
// allowed origin says so. Only the origins listed are echoed; `*` allows any (the API takes no
// cookies, so a wildcard never exposes a user's credentials).
import type { Hooks } from './hooks.js';
import type { CoreResponse, Exchange } from './protocol.js';

export interface CorsOptions {
  /** `*`, or origins such as `https://app.example.com` (scheme, host and port; no path). */
  origins: '*' | readonly string[];
  /** How long a browser may keep a preflight's answer, in seconds (default 600). */
  maxAgeSeconds?: number;
}

/** What a preflight is told the API takes. */
const ALLOW_METHODS = 'GET, HEAD, POST, OPTIONS';
/** Headers a cross-origin request may send, unless the preflight asks for others (which are echoed). */
const ALLOW_HEADERS = 'content-type, x-request-id, inference-header-content-length';
/** Response headers a page's script may read (beyond the CORS-safelisted ones). */
const EXPOSE_HEADERS = 'x-request-id, x-model-name, x-model-version, inference-header-content-length';
/** A comma list of header names, as Access-Control-Request-Headers holds, and not too long to echo. */
const HEADER_LIST = /^[!#$%&'*+.^_`|~\w-]+(\s*,\s*[!#$%&'*+.^_`|~\w-]+)*$/;
const MAX_ECHOED = 1024;

/**
 * An origin as a browser sends it (`https://app.example.com`, `http://localhost:3000`), from what an
 * operator wrote; a RangeError naming the value otherwise.
 */
export function parseOrigin(raw: string): string {
  const text = raw.trim();
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {}
  if (
    !url ||
    !/^https?:$/.test(url.protocol) ||
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== '' ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    throw new RangeError(
      `a CORS origin is a scheme, host and optional port such as https://app.example.com, got ${JSON.stringify(raw)}`,
    );
  }
  return url.origin;
}

/** `*`, or the origins of a comma list (`--cors`), each checked. */
export function parseCorsOrigins(raw: string): '*' | string[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new RangeError('--cors takes * or a comma list of origins, got nothing');
  if (items.includes('*')) {
    if (items.length > 1) throw new RangeError('--cors takes * alone or a list of origins, not both');
    return '*';
  }
  return [...new Set(items.map(parseOrigin))];
}

function addVary(headers: Record<string, string>, names: string): void {
  const had = headers.vary;
  headers.vary = had ? `${had}, ${names}` : names;
}

export function corsHooks(options: CorsOptions): Hooks {
  const any = options.origins === '*';
  const allowed = new Set(any ? [] : (options.origins as readonly string[]).map(parseOrigin));
  const maxAge = options.maxAgeSeconds ?? 600;
  if (!Number.isInteger(maxAge) || maxAge < 0)
    throw new RangeError(`maxAgeSeconds must be a whole number of seconds, got ${maxAge}`);

  /** The Access-Control-Allow-Origin value for this request, or undefined when its origin is not allowed. */
  const allowOrigin = (exchange: Exchange): string | undefined => {
    const origin = exchange.request.headers.origin;
    if (origin === undefined) return undefined;
    if (any) return '*';
    // Browsers send the origin serialized (lower-case scheme and host): compared as sent.
    return allowed.has(origin) ? origin : undefined;
  };

  return {
    before(exchange: Exchange): CoreResponse | undefined {
      if (exchange.method !== 'OPTIONS') return undefined;
      const requested = exchange.request.headers['access-control-request-method'];
      if (requested === undefined) return undefined;
      const origin = allowOrigin(exchange);
      // Not an allowed origin: the router's own OPTIONS answer, without CORS headers, fails the preflight.
      if (origin === undefined) return undefined;
      const asked = exchange.request.headers['access-control-request-headers'];
      const headers: Record<string, string> = {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': ALLOW_METHODS,
        'access-control-allow-headers':
          asked !== undefined && asked.length <= MAX_ECHOED && HEADER_LIST.test(asked.trim())
            ? asked.trim().toLowerCase()
            : ALLOW_HEADERS,
        'access-control-max-age': String(maxAge),
      };
      if (!any) headers.vary = 'origin';
      addVary(headers, 'access-control-request-method, access-control-request-headers');
      return { status: 204, headers, body: '' };
    },
    after(exchange: Exchange, response: CoreResponse): void {
      const headers = response.headers;
      if (headers['access-control-allow-origin'] !== undefined) return; // a preflight answered above
      // A list means the answer depends on the Origin: caches must keep one per origin.
      if (!any) addVary(headers, 'origin');
      const origin = allowOrigin(exchange);
      if (origin === undefined) return;
      headers['access-control-allow-origin'] = origin;
      headers['access-control-expose-headers'] = EXPOSE_HEADERS;
    },
  };
}
