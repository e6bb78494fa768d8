// A real S3-compatible server (s3rver) on 127.0.0.1 for the tests, and small fake endpoints for the
// faults s3rver cannot produce (access denied, a truncated body, no answer).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Env extends Record<string, string> {
  AWS_ENDPOINT_URL_S3: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_REGION: string;
}

export interface RunningS3 {
  endpoint: string;
  /** The environment that points modelgate (or a child process) at this server. */
  env: S3Env;
  stop(): Promise<void>;
}

function envFor(endpoint: string): S3Env {
  // s3rver checks signatures made with its fixed key pair.
  return {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    // The SDK's notice that its 2027 releases need Node 22 would fill the test output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export async function startS3(buckets: string[]): Promise<RunningS3> {
  const directory = mkdtempSync(join(tmpdir(), 'modelgate-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    env: envFor(endpoint),
    async stop() {
      server.httpServer?.closeAllConnections();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** An endpoint that answers every request with `handle`, counting them. */
export async function startFakeS3(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RunningS3 & { requests: () => number }> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    env: envFor(endpoint),
    requests: () => count,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Sets variables in this process's environment until the returned function restores them. */
export function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
