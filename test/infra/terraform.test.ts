// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform's expressions are strings holding ${...}.
// Static tests of the Terraform module and its example, parsed with @cdktf/hcl2json (no terraform binary
// runs here): references resolve, variables are typed and described, IAM is scoped, the bucket is
// locked down, the API is the reference's shape, and redeploys follow the API's definition.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../infra/terraform', import.meta.url));
const MODULES = { module: ROOT, example: join(ROOT, 'examples/iris') };

type Block = Record<string, unknown>;
interface Module {
  dir: string;
  text: string;
  resource: Record<string, Record<string, Block[]>>;
  data: Record<string, Record<string, Block[]>>;
  variable: Record<string, Block[]>;
  output: Record<string, Block[]>;
  locals: Block[];
  module: Record<string, Block[]>;
  provider: Record<string, Block[]>;
  terraform: Block[];
}

/** Every .tf file of a folder, parsed and merged by block kind. */
async function load(dir: string): Promise<Module> {
  const m: Module = {
    dir,
    text: '',
    resource: {},
    data: {},
    variable: {},
    output: {},
    locals: [],
    module: {},
    provider: {},
    terraform: [],
  };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    m.text += text;
    const json = (await parse(file, text)) as Record<string, unknown>;
    for (const [kind, value] of Object.entries(json)) {
      if (kind === 'locals') m.locals.push(...(value as Block[]));
      else if (kind === 'terraform') m.terraform.push(...(value as Block[]));
      else if (kind === 'resource' || kind === 'data')
        for (const [type, byName] of Object.entries(value as Record<string, Record<string, Block[]>>))
          m[kind][type] = { ...m[kind][type], ...byName };
      else if (kind === 'variable' || kind === 'output' || kind === 'module' || kind === 'provider')
        Object.assign(m[kind], value);
      else throw new Error(`${file}: a block kind the test does not know: ${kind}`);
    }
  }
  return m;
}

/** Every string in a parsed value (expressions are strings holding ${...}). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) strings(v, strings(k, out));
  return out;
}

/** The references in a module's expressions that name nothing it declares. */
function unresolved(m: Module): string[] {
  const declaredLocals = new Set(m.locals.flatMap((l) => Object.keys(l)));
  const missing: string[] = [];
  const everything = [m.resource, m.data, m.variable, m.output, m.locals, m.module, m.provider];
  for (const s of strings(everything)) {
    for (const [, expr] of s.matchAll(/\$\{([\s\S]*)\}/g)) {
      const code = (expr as string).replace(/"(?:[^"\\]|\\.)*"/g, (lit) =>
        lit.replace(/[a-z_]+\.[a-z_]+/gi, ''),
      );
      for (const [ref, kind, a, b] of code.matchAll(
        /(?<![\w.])(var|local|module|data)\.([\w-]+)(?:\.([\w-]+))?/g,
      )) {
        const ok =
          (kind === 'var' && a && a in m.variable) ||
          (kind === 'local' && a && declaredLocals.has(a)) ||
          (kind === 'module' && a && a in m.module) ||
          (kind === 'data' && a && b && m.data[a]?.[b] !== undefined);
        if (!ok) missing.push(ref);
      }
      for (const [ref, type, name] of code.matchAll(/(?<![\w.])(aws_[a-z0-9_]+)\.([\w-]+)/g))
        if (!(type && name && m.resource[type]?.[name])) missing.push(ref);
    }
  }
  return [...new Set(missing)];
}

const one = (blocks: Block[] | undefined): Block => {
  expect(blocks, 'block').toBeDefined();
  return (blocks as Block[])[0] as Block;
};

let mod: Module;
let example: Module;
beforeAll(async () => {
  mod = await load(MODULES.module);
  example = await load(MODULES.example);
});

describe.each(Object.keys(MODULES))('Terraform %s', (which) => {
  const m = () => (which === 'module' ? mod : example);

  it('resolves every reference to something declared', () => {
    expect(unresolved(m())).toEqual([]);
  });

  it('types and describes every variable and describes every output', () => {
    for (const [name, blocks] of Object.entries(m().variable)) {
      const v = one(blocks);
      expect(v.type, `variable ${name} type`).toBeTruthy();
      expect(String(v.description ?? ''), `variable ${name} description`).not.toBe('');
    }
    for (const [name, blocks] of Object.entries(m().output))
      expect(String(one(blocks).description ?? ''), `output ${name}`).not.toBe('');
  });

  it('pins the AWS provider to one major version and calls no timestamp()', () => {
    const providers = one(m().terraform[0]?.required_providers as Block[]);
    expect((providers.aws as Block).version).toMatch(/^~> \d+\.\d+$/);
    expect(m().text).not.toMatch(/timestamp\(/);
  });
});

describe('Terraform module', () => {
  it('detects an unresolved reference (the check itself)', async () => {
    const broken = { ...mod, variable: { ...mod.variable } };
    delete broken.variable.memory_size;
    expect(unresolved(broken)).toEqual(['var.memory_size']);
  });

  it('grants no wildcard action and no wildcard resource', () => {
    const documents = mod.data.aws_iam_policy_document ?? {};
    expect(Object.keys(documents).sort()).toEqual(['assume', 'ecr_pull', 'function', 'models_bucket']);
    const statements = Object.values(documents).flatMap((blocks) =>
      blocks.flatMap((d) => [
        ...((d.statement as Block[] | undefined) ?? []),
        ...(((d.dynamic as Block | undefined)?.statement as Block[] | undefined) ?? []).flatMap(
          (dyn) => dyn.content as Block[],
        ),
      ]),
    );
    expect(statements.length).toBeGreaterThanOrEqual(6);
    for (const s of statements) {
      for (const action of (s.actions as string[]) ?? []) expect(action).not.toMatch(/(^\*$|:\*$|\*)/);
      for (const resource of (s.resources as string[]) ?? []) {
        expect(resource).not.toBe('*');
        expect(resource).not.toMatch(/^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/);
      }
    }
  });

  it('scopes the role: its own log group, the model prefix, its own repository', () => {
    const fn = one(mod.data.aws_iam_policy_document?.function);
    const statements = fn.statement as Block[];
    const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));
    expect(bySid.OwnLogs?.resources).toEqual(['${aws_cloudwatch_log_group.function.arn}:*']);
    expect(bySid.ReadModels?.actions).toEqual(['s3:GetObject']);
    expect(bySid.ReadModels?.resources).toEqual(['${aws_s3_bucket.models.arn}/${var.model_prefix}*']);
    const image = strings(fn.dynamic);
    expect(image).toContain('${aws_ecr_repository.function[0].arn}');
    expect(image).toContain('${local.is_image ? [1] : []}');
  });

  it('keeps the bucket private, encrypted and versioned, TLS only', () => {
    const block = one(mod.resource.aws_s3_bucket_public_access_block?.models);
    expect(block).toMatchObject({
      bucket: '${aws_s3_bucket.models.id}',
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const sse = one(mod.resource.aws_s3_bucket_server_side_encryption_configuration?.models);
    expect(strings(sse)).toContain('AES256');
    expect(strings(one(mod.resource.aws_s3_bucket_versioning?.models))).toContain('Enabled');
    const tls = one(one(mod.data.aws_iam_policy_document?.models_bucket).statement as Block[]);
    expect(tls).toMatchObject({ effect: 'Deny' });
    expect(strings(tls.condition)).toContain('aws:SecureTransport');
  });

  it('scans images on push and lets only the function pull them', () => {
    const repo = one(mod.resource.aws_ecr_repository?.function);
    expect(one(repo.image_scanning_configuration as Block[]).scan_on_push).toBe(true);
    expect(repo.image_tag_mutability).toBe('IMMUTABLE');
    const pull = one(one(mod.data.aws_iam_policy_document?.ecr_pull).statement as Block[]);
    expect(strings(pull.condition).join(' ')).toContain(':function:${var.name}');
  });

  it('runs Node.js 22 from the zip or the image, with MODEL_URI and MODEL_SHA256, publishing versions', () => {
    const fn = one(mod.resource.aws_lambda_function?.this);
    expect(fn).toMatchObject({
      runtime: '${local.is_zip ? "nodejs22.x" : null}',
      handler: '${local.is_zip ? "index.handler" : null}',
      package_type: '${var.package_type}',
      architectures: ['${var.architecture}'],
      publish: true,
    });
    expect(strings(fn.environment)).toEqual(
      expect.arrayContaining(['MODEL_URI', '${local.model_uri}', 'MODEL_SHA256', '${local.model_sha256}']),
    );
    expect(String(fn.image_uri)).toContain('one(aws_ecr_repository.function[*].repository_url)');
    expect(one(mod.resource.aws_cloudwatch_log_group?.function).retention_in_days).toBe(
      '${var.log_retention_days}',
    );
    expect(one(mod.variable.memory_size).default).toBe(128);
  });

  it('puts the API behind an alias with optional provisioned concurrency and a weighted canary', () => {
    const alias = one(mod.resource.aws_lambda_alias?.live);
    expect(strings(alias.dynamic).join(' ')).toContain('additional_version_weights');
    expect(mod.resource.aws_lambda_provisioned_concurrency_config?.live).toBeDefined();
    for (const integration of ['proxy', 'root'])
      expect(one(mod.resource.aws_api_gateway_integration?.[integration]).uri).toBe(
        '${aws_lambda_alias.live.invoke_arn}',
      );
  });

  it("is the reference's REST API: {proxy+} and a root POST, AWS_PROXY, throttled, redeployed by a hash", () => {
    expect(one(mod.resource.aws_api_gateway_resource?.proxy).path_part).toBe('{proxy+}');
    expect(one(mod.resource.aws_api_gateway_method?.root).http_method).toBe('POST');
    for (const name of ['proxy', 'root'])
      expect(one(mod.resource.aws_api_gateway_integration?.[name]).type).toBe('AWS_PROXY');
    const settings = one(one(mod.resource.aws_api_gateway_method_settings?.all).settings as Block[]);
    expect(settings.throttling_rate_limit).toBe('${var.throttling_rate_limit}');
    const triggers = one(mod.resource.aws_api_gateway_deployment?.this).triggers as Block;
    expect(String(triggers.redeployment)).toMatch(/^\$\{sha256\(jsonencode\(\[/);
    expect(mod.resource.aws_api_gateway_usage_plan?.this).toBeDefined();
    expect(mod.resource.aws_api_gateway_api_key?.this).toBeDefined();
  });

  it('offers an HTTP API with the same routes', () => {
    expect(String(one(mod.resource.aws_apigatewayv2_route?.this).for_each)).toContain(
      '"POST /", "ANY /{proxy+}"',
    );
    expect(one(mod.resource.aws_apigatewayv2_integration?.this).integration_type).toBe('AWS_PROXY');
    expect(mod.resource.aws_lambda_permission?.http).toBeDefined();
  });

  it('outputs the endpoint URL, function and alias, and bucket', () => {
    for (const name of ['endpoint_url', 'function_name', 'alias_name', 'bucket_name'])
      expect(mod.output[name], name).toBeDefined();
  });

  it('documents every input and output in its README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const name of [...Object.keys(mod.variable), ...Object.keys(mod.output)])
      expect(readme, name).toContain(`\`${name}\``);
  });

  it('is used by the example with the demo model and a packaged zip', () => {
    const iris = one(example.module.iris);
    expect(iris.source).toBe('../..');
    expect(String(iris.model_file)).toContain('examples/iris/model.onnx');
    expect(String(iris.function_zip)).toContain('build/function-x86_64.zip');
  });
});
