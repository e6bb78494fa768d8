// `modelgate/cdk` as built (dist/cdk), synthesized offline with docker made unusable: resource counts,
// IAM scope, the API's routes, the function's environment, both packaging paths, the alias and canary.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelEndpoint, type ModelEndpointProps } from '../../dist/cdk/index.js';

const MODEL_URI = 's3://my-models/prod/iris/3f1c.onnx';
const SHA = 'ab'.repeat(32);

let root: string;
let n = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'modelgate-cdk-test-'));
  // Any docker call during synth would fail: CDK runs the program CDK_DOCKER names.
  process.env.CDK_DOCKER = '/nonexistent/docker';
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A stack holding one ModelEndpoint, synthesized to its own folder. */
function synth(
  props:
    | (Partial<ModelEndpointProps> & ((stack: Stack) => Partial<ModelEndpointProps>))
    | Partial<ModelEndpointProps> = {},
) {
  const outdir = join(root, `app-${n++}`);
  // Asset metadata (as the CDK CLI turns on) says where each asset's files were staged.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const extra = typeof props === 'function' ? props(stack) : props;
  const endpoint = new ModelEndpoint(stack, 'Iris', { modelUri: MODEL_URI, modelSha256: SHA, ...extra });
  return { app, stack, endpoint, template: Template.fromStack(stack), outdir };
}

/** Every statement of every IAM policy in the template. */
function statements(template: Template): { Action: string | string[]; Resource: unknown; Sid?: string }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement,
  );
}

const list = <T>(x: T | T[]) => (Array.isArray(x) ? x : [x]);

/** The folder of a synthesized Lambda asset (the function's code) in the cloud assembly. */
function assetFiles(outdir: string, app: App, logicalPrefix: string): string[] {
  const assembly = app.synth();
  const stack = assembly.getStackByName('Stack');
  const fn = Object.entries(
    stack.template.Resources as Record<string, { Type: string; Metadata?: Record<string, string> }>,
  ).find(([id, r]) => id.startsWith(logicalPrefix) && r.Metadata?.['aws:asset:path']);
  const path = fn?.[1].Metadata?.['aws:asset:path'];
  expect(path, 'asset path').toBeDefined();
  return readdirSync(join(outdir, path as string), { recursive: true }).map(String);
}

describe('ModelEndpoint with only a model URI', () => {
  let s: ReturnType<typeof synth>;
  beforeAll(() => {
    s = synth();
  }, 120_000);

  it('synthesizes the function, its alias, log group, role and a REST API, nothing more', () => {
    const counts: Record<string, number> = {
      'AWS::Lambda::Function': 1,
      'AWS::Lambda::Version': 1,
      'AWS::Lambda::Alias': 1,
      'AWS::Logs::LogGroup': 1,
      'AWS::IAM::Role': 1,
      'AWS::IAM::Policy': 1,
      'AWS::ApiGateway::RestApi': 1,
      'AWS::ApiGateway::Resource': 1,
      'AWS::ApiGateway::Method': 2,
      'AWS::ApiGateway::Deployment': 1,
      'AWS::ApiGateway::Stage': 1,
      'AWS::ApiGateway::Account': 0,
      'AWS::Lambda::LayerVersion': 0,
      'AWS::ApiGatewayV2::Api': 0,
    };
    for (const [type, count] of Object.entries(counts)) s.template.resourceCountIs(type, count);
  });

  it('runs Node.js 22 with index.handler, 128 MB, and MODEL_URI and MODEL_SHA256', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['x86_64'],
      MemorySize: 128,
      Timeout: 10,
      Environment: { Variables: { MODEL_URI: MODEL_URI, MODEL_SHA256: SHA } },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    s.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('packages modelgate itself: index.mjs and onnxruntime-node for linux/x64 only', () => {
    const files = assetFiles(s.outdir, s.app, 'IrisFunction');
    expect(files).toContain('index.mjs');
    expect(files).toContain('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node');
    expect(files.filter((f) => /bin\/napi-v6\/(?!linux\/x64)[^/]+\/[^/]+\//.test(`${f}/`))).toEqual([]);
  });

  it('lets the role write its own logs and read the model prefix, and nothing else', () => {
    s.template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    const all = statements(s.template);
    expect(all.map((x) => x.Sid).sort()).toEqual(['OwnLogs', 'ReadModels']);
    for (const st of all) {
      for (const action of list(st.Action)) expect(action).not.toContain('*');
      for (const resource of list(st.Resource)) expect(resource).not.toBe('*');
    }
    const read = all.find((x) => x.Sid === 'ReadModels');
    expect(read?.Action).toBe('s3:GetObject');
    expect(JSON.stringify(read?.Resource)).toContain(':s3:::my-models/prod/iris/*');
  });

  it('routes POST / and ANY /{proxy+} through AWS_PROXY to the alias, throttled', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    for (const method of ['POST', 'ANY'])
      s.template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: method,
        AuthorizationType: 'NONE',
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: Match.anyValue() },
      });
    const methods = Object.values(s.template.findResources('AWS::ApiGateway::Method'));
    for (const m of methods) expect(JSON.stringify(m)).toContain('IrisAlias');
    s.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
          HttpMethod: '*',
          ResourcePath: '/*',
        }),
      ]),
    });
  });

  it('puts the alias live on the published version, no canary and no provisioned concurrency', () => {
    s.template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('IrisFunctionCurrentVersion'), 'Version'] },
      RoutingConfig: Match.absent(),
      ProvisionedConcurrencyConfig: Match.absent(),
    });
  });
});

describe('ModelEndpoint choices', () => {
  it('the image path: a function from an ECR image, pull scoped to that repository', () => {
    const { template } = synth((stack) => ({
      code: {
        type: 'image',
        repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'iris'),
        tagOrDigest: 'v1',
      },
    }));
    template.hasResourceProperties('AWS::Lambda::Function', {
      PackageType: 'Image',
      Code: { ImageUri: Match.anyValue() },
      Runtime: Match.absent(),
      Handler: Match.absent(),
      Environment: { Variables: { MODEL_URI: MODEL_URI } },
    });
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).toContain('/iris:v1');
    const all = statements(template);
    expect(all.map((x) => x.Sid).sort()).toEqual(['OwnLogs', 'PullOwnImage', 'ReadModels']);
    const pull = all.find((x) => x.Sid === 'PullOwnImage');
    expect(pull?.Action).toEqual(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
    expect(JSON.stringify(pull?.Resource)).toContain(':repository/iris');
    for (const st of all) expect(list(st.Resource)).not.toContain('*');
  });

  it('the zip path from modelgate package zips, with the layer', () => {
    const zip = (name: string) => {
      const path = join(root, name);
      writeFileSync(path, zipSync({ 'index.mjs': new TextEncoder().encode('export const handler = 1;') }));
      return path;
    };
    const { template } = synth({
      code: { type: 'zip', functionZip: zip('function.zip'), layerZip: zip('layer.zip') },
      architecture: 'arm64',
    });
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: ['nodejs22.x'],
      CompatibleArchitectures: ['arm64'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Layers: [Match.anyValue()],
      Handler: 'index.handler',
    });
  });

  it('arm64 with the layer built here: the function without onnxruntime-node, the layer with arm64 only', () => {
    const s = synth({ architecture: 'arm64', code: { type: 'zip', useLayer: true } });
    const fn = assetFiles(s.outdir, s.app, 'IrisFunction');
    expect(fn).toContain('index.mjs');
    expect(fn.some((f) => f.startsWith('node_modules'))).toBe(false);
    const layer = assetFiles(s.outdir, s.app, 'IrisOnnxruntimeLayer');
    expect(layer).toContain(
      'nodejs/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/libonnxruntime.so.1',
    );
    expect(layer.some((f) => f.includes('linux/x64'))).toBe(false);
  }, 120_000);

  it('an HTTP API with IAM auth: POST / and ANY /{proxy+}, a throttled stage', () => {
    const { template } = synth({
      api: 'http',
      authorization: 'iam',
      throttling: { rateLimit: 5, burstLimit: 10 },
    });
    template.resourceCountIs('AWS::ApiGateway::RestApi', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 2);
    for (const key of ['POST /', 'ANY /{proxy+}'])
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: key,
        AuthorizationType: 'AWS_IAM',
      });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
  });

  it('an API key with a usage plan and a daily quota, required on both methods', () => {
    const { template } = synth({ apiKey: { quotaPerDay: 1000 } });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Quota: { Limit: 1000, Period: 'DAY' },
      Throttle: { RateLimit: 100, BurstLimit: 200 },
    });
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(
      methods.map((m) => (m as { Properties: { ApiKeyRequired: boolean } }).Properties.ApiKeyRequired),
    ).toEqual([true, true]);
  });

  it('a gradual rollout: the stable version keeps the alias, the new one gets the canary weight; warm environments', () => {
    const { template } = synth({
      stableVersion: '3',
      canaryWeight: 0.25,
      provisionedConcurrency: 2,
      reservedConcurrency: 10,
    });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      FunctionVersion: '3',
      RoutingConfig: {
        AdditionalVersionWeights: [
          { FunctionVersion: { 'Fn::GetAtt': [Match.anyValue(), 'Version'] }, FunctionWeight: 0.25 },
        ],
      },
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 10 });
  });

  it.each<[string, Partial<ModelEndpointProps>, RegExp]>([
    ['an https model URI', { modelUri: 'https://example.com/m.onnx' }, /modelUri must be s3:\/\/bucket\/key/],
    ['a prefix, not an object', { modelUri: 's3://my-models/prod/' }, /modelUri must be s3:\/\/bucket\/key/],
    ['a malformed bucket', { modelUri: 's3://My_Models/m.onnx' }, /modelUri must be s3:\/\/bucket\/key/],
    ['an API key on an HTTP API', { api: 'http', apiKey: true }, /API keys are a REST API feature/],
    [
      'a canary weight of 1',
      { stableVersion: '1', canaryWeight: 1 },
      /canaryWeight must be at least 0 and below 1/,
    ],
  ])('refuses %s', (_, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
