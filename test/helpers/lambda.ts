// The built `modelgate/lambda/handler` entry, imported in a fresh process as Lambda's runtime imports it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REFERENCE_ROW } from './models.js';

export const LAMBDA_ENTRY = fileURLToPath(new URL('../../dist/lambda-handler.js', import.meta.url));
export const LAMBDA_BUNDLE = fileURLToPath(new URL('../../dist/bundle/lambda/index.mjs', import.meta.url));

const run = promisify(execFile);

/** The reference request as API Gateway (REST API, proxy integration) hands it to the function. */
export const REFERENCE_EVENT = {
  resource: '/{proxy+}',
  path: '/predict',
  httpMethod: 'POST',
  headers: { 'Content-Type': 'application/json' },
  requestContext: { stage: 'prod', requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' },
  body: JSON.stringify(REFERENCE_ROW),
  isBase64Encoded: false,
};

/**
 * Imports `entry` in a fresh process with only PATH and `env`, invokes its handler once with `event`;
 * `stdout` is its last line, `{"init": <ms>, "result": ...}`, and `log` the handler's JSON lines before
 * it. Rejects (with the child's stderr) when init fails.
 */
export async function invokeEntry(
  env: Record<string, string>,
  event: unknown,
  entry = LAMBDA_ENTRY,
): Promise<{ stdout: string; stderr: string; log: Record<string, unknown>[] }> {
  const script = `
    const t0 = performance.now();
    const { handler } = await import(${JSON.stringify(entry)});
    const init = performance.now() - t0;
    const result = await handler(${JSON.stringify(event)}, { awsRequestId: 'test' });
    console.log(JSON.stringify({ init, result }));
  `;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 30_000,
  });
  const lines = stdout.trimEnd().split('\n');
  return {
    stdout: lines.at(-1) ?? '',
    stderr,
    log: lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
