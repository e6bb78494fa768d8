// `ModelEndpoint`: a modelgate prediction endpoint in a CDK app, with the Terraform module's choices: the
// function from modelgate's zip (built here at synth, offline, no docker) or from an image in ECR; x86_64
// or arm64; a log group with retention; a role that may write its own logs, read the model's prefix and
// pull its own image; an alias with optional provisioned concurrency and a weighted canary; a REST API
// (the reference's {proxy+} and root POST) or an HTTP API, throttled, with an API key or IAM auth.
import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { installedSources, type PackageSources } from '../deploy/contents.js';
import { functionFiles, layerFiles, stagedFolder } from '../deploy/package.js';
import type { LambdaArchitecture } from '../deploy/platform.js';

/** The function's code: modelgate's own zip, or an image from the modelgate Dockerfile. */
export type ModelEndpointCode =
  | {
      type: 'zip';
      /** A function zip from `modelgate package`; without it the construct writes the function's files itself. */
      functionZip?: string;
      /** The layer zip from `modelgate package`, for a function zip packaged with --use-layer. */
      layerZip?: string;
      /** Without functionZip: put onnxruntime-node in a layer of its own rather than in the function. */
      useLayer?: boolean;
    }
  | { type: 'image'; repository: ecr.IRepository; tagOrDigest: string };

export interface ModelEndpointProps {
  /** The model, `s3://bucket/key.onnx` (`modelgate push` prints it). The function may read that key's prefix. */
  readonly modelUri: string;
  /** The model's sha256; the function refuses other bytes. */
  readonly modelSha256?: string;
  /** Default: modelgate's zip, written at synth from this installation. */
  readonly code?: ModelEndpointCode;
  /** Default x86_64. */
  readonly architecture?: LambdaArchitecture;
  /** MB; default 128, which serves the iris demo (peak about 90 MB). */
  readonly memorySize?: number;
  /** Default 10 seconds. */
  readonly timeout?: Duration;
  /** Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** Reserved concurrent executions; default unreserved. */
  readonly reservedConcurrency?: number;
  /** Default `live`. */
  readonly aliasName?: string;
  /** Environments kept initialized on the alias; default none. */
  readonly provisionedConcurrency?: number;
  /** A gradual rollout: the version the alias keeps serving while canaryWeight goes to the new one. */
  readonly stableVersion?: string;
  /** Share (0 to 1) of requests for the new version while stableVersion is set; default 0.1. */
  readonly canaryWeight?: number;
  /** `rest` (default: the reference's REST API, API keys) or `http` (cheaper). */
  readonly api?: 'rest' | 'http';
  /** Default `prod`. */
  readonly stageName?: string;
  /** Requests per second and burst the stage accepts; default 100 and 200. */
  readonly throttling?: { rateLimit: number; burstLimit: number };
  /** `none` (default) or `iam` (SigV4-signed callers with execute-api:Invoke). */
  readonly authorization?: 'none' | 'iam';
  /** REST only: require an x-api-key; a key and a usage plan with the stage's throttling are created. */
  readonly apiKey?: boolean | { quotaPerDay?: number };
  /** Where the construct reads modelgate's bundle and onnxruntime-node from; default this installation. */
  readonly sources?: PackageSources;
}

/** Bucket and key of an s3:// URI, or an error that names it. */
export function parseModelUri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  if (!m || m[2]?.endsWith('/'))
    throw new Error(
      `ModelEndpoint: modelUri must be s3://bucket/key of a model object, got ${JSON.stringify(uri)}`,
    );
  return { bucket: m[1] as string, key: m[2] as string };
}

export class ModelEndpoint extends Construct {
  readonly function: lambda.Function;
  readonly alias: lambda.Alias;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The API's base URL: POST a request body to it. */
  readonly url: string;
  readonly restApi?: apigateway.RestApi;
  readonly httpApi?: apigwv2.HttpApi;
  readonly apiKey?: apigateway.IApiKey;

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id);
    const { bucket, key } = parseModelUri(props.modelUri);
    const arch = props.architecture ?? 'x86_64';
    const architecture = arch === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64;
    const code = props.code ?? { type: 'zip' };
    const api = props.api ?? 'rest';
    if (api === 'http' && props.apiKey)
      throw new Error(
        'ModelEndpoint: API keys are a REST API feature; use api: "rest", or authorization: "iam"',
      );
    const weight = props.canaryWeight ?? 0.1;
    if (weight < 0 || weight >= 1)
      throw new Error('ModelEndpoint: canaryWeight must be at least 0 and below 1');

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.logGroup.logGroupArn}:*`],
      }),
    );
    // The folder of the model's key, so a new model pushed beside it is readable too.
    const prefix = key.includes('/') ? `${key.slice(0, key.lastIndexOf('/') + 1)}*` : key;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadModels',
        actions: ['s3:GetObject'],
        resources: [`arn:${Stack.of(this).partition}:s3:::${bucket}/${prefix}`],
      }),
    );

    const common = {
      architecture,
      role: this.role,
      memorySize: props.memorySize ?? 128,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        MODEL_URI: props.modelUri,
        ...(props.modelSha256 ? { MODEL_SHA256: props.modelSha256 } : {}),
      },
      description: 'modelgate prediction endpoint',
    };
    if (code.type === 'image') {
      // Lambda pulls with the function's role when the repository's policy does not already let it.
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'PullOwnImage',
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          resources: [code.repository.repositoryArn],
        }),
      );
      this.function = new lambda.DockerImageFunction(this, 'Function', {
        ...common,
        code: lambda.DockerImageCode.fromEcr(code.repository, { tagOrDigest: code.tagOrDigest }),
      });
    } else {
      const { functionCode, layer } = this.zipCode(code, arch, props.sources);
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: functionCode,
        layers: layer ? [layer] : undefined,
      });
    }

    const stable = props.stableVersion
      ? lambda.Version.fromVersionAttributes(this, 'StableVersion', {
          lambda: this.function,
          version: props.stableVersion,
        })
      : undefined;
    this.alias = new lambda.Alias(this, 'Alias', {
      aliasName: props.aliasName ?? 'live',
      version: stable ?? this.function.currentVersion,
      additionalVersions: stable ? [{ version: this.function.currentVersion, weight }] : undefined,
      provisionedConcurrentExecutions: props.provisionedConcurrency || undefined,
    });

    const throttling = props.throttling ?? { rateLimit: 100, burstLimit: 200 };
    const stageName = props.stageName ?? 'prod';
    if (api === 'rest') {
      const rest = new apigateway.RestApi(this, 'Api', {
        description: 'modelgate prediction endpoint',
        endpointTypes: [apigateway.EndpointType.REGIONAL],
        // No account-wide role for API Gateway's own logging: that role would carry a managed policy
        // over every log group.
        cloudWatchRole: false,
        deployOptions: {
          stageName,
          metricsEnabled: true,
          throttlingRateLimit: throttling.rateLimit,
          throttlingBurstLimit: throttling.burstLimit,
        },
      });
      const integration = new apigateway.LambdaIntegration(this.alias);
      const options: apigateway.MethodOptions = {
        authorizationType:
          props.authorization === 'iam'
            ? apigateway.AuthorizationType.IAM
            : apigateway.AuthorizationType.NONE,
        apiKeyRequired: Boolean(props.apiKey),
      };
      rest.root.addMethod('POST', integration, options);
      rest.root.addResource('{proxy+}').addMethod('ANY', integration, options);
      if (props.apiKey) {
        const quota = typeof props.apiKey === 'object' ? props.apiKey.quotaPerDay : undefined;
        const plan = rest.addUsagePlan('UsagePlan', {
          throttle: throttling,
          quota: quota ? { limit: quota, period: apigateway.Period.DAY } : undefined,
        });
        plan.addApiStage({ stage: rest.deploymentStage });
        this.apiKey = rest.addApiKey('ApiKey');
        plan.addApiKey(this.apiKey);
      }
      this.restApi = rest;
      this.url = rest.url;
    } else {
      const http = new apigwv2.HttpApi(this, 'Api', {
        description: 'modelgate prediction endpoint',
        createDefaultStage: false,
      });
      const integration = new HttpLambdaIntegration('Integration', this.alias);
      const authorizer = props.authorization === 'iam' ? new HttpIamAuthorizer() : undefined;
      http.addRoutes({ path: '/', methods: [apigwv2.HttpMethod.POST], integration, authorizer });
      http.addRoutes({ path: '/{proxy+}', methods: [apigwv2.HttpMethod.ANY], integration, authorizer });
      const stage = http.addStage('Stage', { stageName, autoDeploy: true, throttle: throttling });
      this.httpApi = http;
      this.url = stage.url;
    }
  }

  /** modelgate's zip: the given files, or the function's files written here from this installation. */
  private zipCode(
    code: Extract<ModelEndpointCode, { type: 'zip' }>,
    arch: LambdaArchitecture,
    sources: PackageSources | undefined,
  ): { functionCode: lambda.Code; layer?: lambda.LayerVersion } {
    const layerVersion = (layerCode: lambda.Code) =>
      new lambda.LayerVersion(this, 'OnnxruntimeLayer', {
        code: layerCode,
        compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
        compatibleArchitectures: [arch === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64],
        description: 'onnxruntime-node for modelgate',
      });
    if (code.functionZip) {
      return {
        functionCode: lambda.Code.fromAsset(code.functionZip),
        layer: code.layerZip ? layerVersion(lambda.Code.fromAsset(code.layerZip)) : undefined,
      };
    }
    // Written once per distinct content to a temporary folder; CDK hashes the asset by its content, so
    // an unchanged package is no change to deploy.
    const from = sources ?? installedSources();
    const functionDir = stagedFolder('function', functionFiles(from, arch, undefined, code.useLayer));
    const layer = code.useLayer
      ? layerVersion(lambda.Code.fromAsset(stagedFolder('layer', layerFiles(from, arch))))
      : undefined;
    return { functionCode: lambda.Code.fromAsset(functionDir), layer };
  }
}
