// `modelgate predict <model> [body | @file.json | -]`: prints what the API answers for the same body.
import { readFile } from 'node:fs/promises';
import { loadPredictor } from '../adapters/model.js';
import { ApiError } from '../api/errors.js';
import { predictBody } from '../api/predict.js';
import { UsageError } from './errors.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function bodyText(arg: string | undefined): Promise<string> {
  if (arg === undefined || arg === '-') {
    if (arg === undefined && process.stdin.isTTY) {
      throw new UsageError(
        "give the request body as an argument ('{...}'), as @file.json, or on standard input",
      );
    }
    return readStdin();
  }
  if (arg.startsWith('@')) {
    const path = arg.slice(1);
    try {
      return await readFile(path, 'utf8');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new UsageError(
        `cannot read the request body from ${path}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`,
      );
    }
  }
  return arg;
}

/** Returns the process exit code: 0 for an answer, 1 when the API would answer with an error. */
export async function predictCommand(model: string, body: string | undefined): Promise<number> {
  const text = await bodyText(body);
  const predictor = await loadPredictor({ uri: model });
  try {
    const answer = await predictBody(predictor, text);
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    process.stdout.write(`${JSON.stringify(err.toJSON())}\n`);
    process.stderr.write(`modelgate: the API would answer ${err.status}: ${err.message}\n`);
    return 1;
  } finally {
    await predictor.release();
  }
}
