// An S3 command prints what modelgate has to say and nothing of the AWS SDK's: on Node 20 the SDK tells
// every process that its 2027 releases need Node 22, a notice the user did not cause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { IRIS_MODEL } from '../helpers/models.js';
import { type RunningS3, startS3 } from '../helpers/s3.js';

describe('modelgate on S3', () => {
  let s3: RunningS3;
  beforeAll(async () => {
    s3 = await startS3(['models']);
  });
  afterAll(async () => {
    await s3.stop();
  });

  it('push writes its own lines only, where the user left the SDK notice on', async () => {
    // The S3 helper's environment turns the notice off; a user's shell does not (empty is unset here).
    const r = await runCli(['push', IRIS_MODEL, 's3://models/prod/'], {
      env: { ...s3.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '' },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^uploaded \S+ \(\d+ bytes\) to s3:\/\/models\/prod\/iris\/[0-9a-f]{64}\.onnx\n$/,
    );
  });
});
