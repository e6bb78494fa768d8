// The path an API is served under (`--base-path /ml`), checked once where it is given.

/** A base path as the core serves under it (`/ml`), or '' for none; a RangeError for one that is not a URL path. */
export function normalBasePath(given: string | undefined): string {
  if (given === undefined || given === '' || given === '/') return '';
  const p = `/${given.replace(/^\/+|\/+$/g, '')}`;
  if (!/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/.test(p))
    throw new RangeError(`basePath must be a URL path such as /ml, got ${JSON.stringify(given)}`);
  return p;
}
