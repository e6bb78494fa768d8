// The built `modelgate/lambda` entry, imported in a fresh process as Lambda's runtime imports it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const LAMBDA_ENTRY = fileURLToPath(new URL('../../dist/lambda.js', import.meta.url));
export const LAMBDA_BUNDLE = fileURLToPath(new URL('../../dist/bundle/lambda.mjs', import.meta.url));

const run = promisify(execFile);

/**
 * Imports `entry` in a fresh process with only PATH and `env`, invokes its handler once with `event`,
 * and prints `{"init": <ms>, "result": ...}`. Rejects (with the child's stderr) when init fails.
 */
export function invokeEntry(env: Record<string, string>, event: unknown, entry = LAMBDA_ENTRY) {
  const script = `
    const t0 = performance.now();
    const { handler } = await import(${JSON.stringify(entry)});
    const init = performance.now() - t0;
    const result = await handler(${JSON.stringify(event)}, { awsRequestId: 'test' });
    console.log(JSON.stringify({ init, result }));
  `;
  return run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 30_000,
  });
}
