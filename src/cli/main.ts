// The `modelgate` command line: arguments and printing only; the work is in the rooms below.
import { type Argument, Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import { normalBasePath } from '../api/base-path.js';
import { parseCorsOrigins } from '../api/cors.js';
import { LAMBDA_ARCHITECTURES } from '../deploy/platform.js';
import { VERSION } from '../version.js';
import { UsageError } from './errors.js';
import {
  integerOption,
  listOption,
  logLevelOption,
  logRequestsOption,
  numberOption,
  sha256Option,
} from './options.js';

/** Where the command line's own text goes: help, version and usage errors (a command's output aside). */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const processOutput: CliOutput = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

/**
 * Help as commander writes it, with required options marked, and arguments shown as the usage line
 * shows them (`<csv>` required, `[body]` optional).
 */
const helpConfiguration = {
  optionDescription(this: Help, option: Option): string {
    const text = Help.prototype.optionDescription.call(this, option);
    return option.mandatory ? `${text} (required)` : text;
  },
  argumentTerm(argument: Argument): string {
    const name = `${argument.name()}${argument.variadic ? '...' : ''}`;
    return argument.required ? `<${name}>` : `[${name}]`;
  },
};

/** The examples block at the end of a command's help: each one runs as written from the repository root. */
function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ modelgate ${line}`).join('\n')}\n`;
}

const PROGRAM_NOTES = `
Exit codes: 0 done; 1 the command failed (a file, a model, the network);
2 a wrong command line (an unknown option, a value out of range; see --help).
In a clone of the repository, or a project that depends on modelgate, run it
as npx modelgate. Each command's --help has its own examples; docs/cli.md.
`;

export function buildProgram(
  setExitCode: (code: number) => void,
  output: CliOutput = processOutput,
): Command {
  const program = new Command('modelgate')
    .description('Train, import and serve machine learning models as prediction APIs (AWS Lambda or HTTP).')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput(output)
    .configureHelp(helpConfiguration)
    .exitOverride()
    .addHelpText(
      'after',
      examples([
        'train examples/iris/iris.csv --target species --out model.onnx',
        'predict model.onnx \'{"sepal_length": 5.9, "sepal_width": 3, "petal_length": 5.1, "petal_width": 1.8}\'',
        'serve model.onnx --port 8081',
      ]) + PROGRAM_NOTES,
    );

  program
    .command('train')
    .description('train gradient-boosted trees (with a mean imputer) on a CSV and write an ONNX model')
    .argument('<csv>', 'training data: a local path, s3:// or http(s) URI')
    .requiredOption('-t, --target <column>', 'the column to predict')
    .option('-o, --out <path>', 'where to write the model: a local path or s3:// URI', 'model.onnx')
    .addOption(
      new Option('--task <task>', 'what to predict (default: inferred from the target)').choices(TASKS),
    )
    .option('--drop <columns>', 'comma-separated columns to leave out (ids, free text)', listOption)
    .option(
      '--keep <columns>',
      'comma-separated columns to keep that look like identifiers (unique per row)',
      listOption,
    )
    .addOption(
      new Option(
        '--dates <how>',
        'date columns: drop (left out), or parts (year, month, day, day of week, hour, minute features)',
      )
        .choices(['drop', 'parts'])
        .default('drop'),
    )
    .option(
      '--delimiter <c>',
      'the field delimiter: a character, or tab (\\t), comma, semicolon, pipe (default: sniffed)',
      delimiterOption,
    )
    .addOption(
      new Option('--decimal <mark>', "numbers' decimal mark (, for 1,5; no thousands separators)")
        .choices(['.', ','])
        .default('.'),
    )
    .option(
      '--categorical <columns>',
      'comma-separated columns to learn as categories, such as integer codes (text columns always are)',
      listOption,
    )
    .option('--name <name>', "the model's name in its card (default: the CSV's base name)")
    .option('--n-estimators <n>', 'boosting stages', integerOption, 100)
    .option('--learning-rate <x>', 'shrinkage of each tree', numberOption, 0.1)
    .option('--max-depth <n>', 'depth of each tree', integerOption, 3)
    .option('--min-samples-split <n>', 'fewest rows a node needs to be split', integerOption, 2)
    .option('--min-samples-leaf <n>', 'fewest rows in a leaf', integerOption, 1)
    .option('--subsample <x>', 'fraction of rows per tree (below 1: stochastic boosting)', numberOption, 1)
    .option('--seed <n>', 'random seed (tie-breaking between equal splits, subsampling)', integerOption, 0)
    .option(
      '--exact-up-to <rows>',
      'exact split search up to this many rows; histogram bins beyond',
      integerOption,
      10_000,
    )
    .option('--max-bins <n>', 'histogram bins per feature past --exact-up-to rows', integerOption, 255)
    .option(
      '--threads <n>',
      "threads for split search (0: the machine's cores, up to 4); the model is the same",
      integerOption,
      0,
    )
    .addOption(jsonOption('print the summary as one JSON object (docs/cli.md), and no progress bar'))
    .option('-q, --quiet', 'no progress bar and no summary')
    .addHelpText(
      'after',
      examples([
        'train examples/iris/iris.csv --target species --out model.onnx',
        'train examples/iris/iris.csv --target species --n-estimators 50 --max-depth 2 --json',
      ]),
    )
    .hook('preAction', (command) => checkTrainingOptions(command.opts()))
    .action(async (csv: string, opts) => {
      const { trainCommand } = await import('./train.js');
      await trainCommand(csv, opts);
    });

  program
    .command('import')
    .description(
      'convert a scikit-learn pickle or joblib file, or a LightGBM model (text, JSON dump or pickle), to an ONNX model (the file is read, never run; its format is found from its bytes)',
    )
    .argument('<file>', 'the .pkl, .joblib, LightGBM .txt or .json file: a local path, s3:// or http(s) URI')
    .option('-o, --out <path>', 'where to write the model: a local path or s3:// URI', 'model.onnx')
    .option('--name <name>', "the model's name in its card (default: the file's base name)")
    .option(
      '--features <names>',
      'comma-separated feature names, when the model was not fitted on a DataFrame',
      listOption,
    )
    .addOption(
      new Option(
        '--precision <type>',
        "neural networks' layer arithmetic: float32 (many times faster on large networks, probabilities within about 1e-6 of scikit-learn's) or float64 (scikit-learn's own); every other estimator computes in float64",
      )
        .choices(['float32', 'float64'])
        .default('float32'),
    )
    .option(
      '--labels <file>',
      "the LabelEncoder (pickle or joblib) a classifier's targets were encoded with: answers carry its labels",
    )
    .addOption(jsonOption('print what was imported as one JSON object (docs/cli.md)'))
    .option('-q, --quiet', 'print nothing')
    .addHelpText(
      'after',
      examples([
        'import examples/iris/pipeline.joblib --out imported.onnx',
        'import examples/iris/pipeline.joblib --out imported.onnx --json',
      ]),
    )
    .action(async (file: string, opts) => {
      const { importCommand } = await import('./import.js');
      await importCommand(file, opts);
    });

  program
    .command('pack')
    .description("wrap an ONNX model from another tool with modelgate's model card, so it serves")
    .argument('<model>', 'the .onnx file: a local path, s3:// or http(s) URI')
    .option('-o, --out <path>', 'where to write the packed model: a local path or s3:// URI', 'model.onnx')
    .option('--name <name>', "the model's name in its card (default: the file's base name)")
    .option('--features <names>', 'comma-separated feature names, in input order', listOption)
    .option(
      '--classes <labels>',
      'comma-separated class labels, in output order (when the model does not name them)',
      listOption,
    )
    .addOption(
      new Option('--task <task>', 'what the model predicts (default: inferred from the outputs)').choices(
        TASKS,
      ),
    )
    .option('--softmax', 'the model outputs logits: add a Softmax to make them probabilities')
    .option('-q, --quiet', 'print nothing')
    .addHelpText(
      'after',
      examples([
        'pack examples/iris/model.onnx --out packed.onnx',
        'pack examples/iris/logistic.onnx --features sepal_length,sepal_width,petal_length,petal_width --out packed.onnx',
      ]),
    )
    .action(async (model: string, opts) => {
      const { packCommand } = await import('./pack.js');
      await packCommand(model, opts);
    });

  program
    .command('predict')
    .description('print what the API answers for a request body, without a server')
    .argument('<model>', 'the ONNX model: a local path, s3:// or http(s) URI')
    .argument('[body]', 'the JSON body, @file.json, or - (or nothing) to read standard input')
    .addHelpText(
      'after',
      examples([
        'predict examples/iris/model.onnx \'{"sepal_length": 5.9, "sepal_width": 3, "petal_length": 5.1, "petal_width": 1.8}\'',
        'predict examples/iris/model.onnx \'{"input": [[5.9, 3, 5.1, 1.8]], "return_probabilities": true}\'',
      ]),
    )
    .action(async (model: string, body: string | undefined) => {
      const { predictCommand } = await import('./predict.js');
      setExitCode(await predictCommand(model, body));
    });

  program
    .command('push')
    .description('upload a model to S3 under a content-addressed key; prints MODEL_URI and MODEL_SHA256')
    .argument('<model>', 'the ONNX model: a local path, s3:// or http(s) URI')
    .argument('<destination>', 'where to put it: s3://bucket/prefix/')
    .option('-q, --quiet', 'print only the MODEL_URI and MODEL_SHA256 lines')
    .addHelpText('after', examples(['push examples/iris/model.onnx s3://my-models/prod/']))
    .action(async (model: string, destination: string, opts: { quiet?: boolean }) => {
      const { pushCommand } = await import('./push.js');
      await pushCommand(model, destination, opts.quiet);
    });

  program
    .command('package')
    .description(
      'write a Lambda function zip and an onnxruntime-node layer zip (or a folder for modelgate serve)',
    )
    .requiredOption('-o, --out <dir>', 'the folder to write into')
    .addOption(
      new Option('--arch <arch>', 'the Lambda architecture to carry binaries for')
        .choices(LAMBDA_ARCHITECTURES)
        .default('x86_64'),
    )
    .option(
      '--model <model>',
      'a model file to bake in, or an s3:// or https:// URI the function reads at start',
    )
    .option('--sha256 <hex>', 'refuse the model unless its bytes have this sha256', sha256Option)
    .option('--use-layer', 'leave onnxruntime-node out of the function zip (attach the layer zip instead)')
    .option('--unpacked', "also write the function's files to a folder (for a Lambda container image)")
    .option('--server', 'write a folder that runs modelgate serve (for a container) instead of Lambda zips')
    .option('-q, --quiet', 'print nothing')
    .addHelpText(
      'after',
      examples([
        'package --model examples/iris/model.onnx --out lambda',
        'package --server --model examples/iris/model.onnx --out server',
      ]),
    )
    .action(async (opts) => {
      const { packageCommand } = await import('./package.js');
      await packageCommand(opts);
    });

  program
    .command('cost')
    .description(
      'monthly AWS cost of a workload: Lambda (alone, behind API Gateway REST or HTTP APIs), SageMaker real-time and Serverless',
    )
    .option('--requests-per-month <n>', 'requests a month: 1000000, 1e6, 1_000_000 or 1M', '1M')
    .option(
      '--memory-mb <mb>',
      "the function's memory size, 128-10240 (default: the smallest that holds the measured model, else 128)",
    )
    .option('--duration-ms <ms>', 'duration of one request (default: measured on the model)')
    .addOption(
      new Option('--arch <arch>', 'the Lambda architecture').choices(LAMBDA_ARCHITECTURES).default('x86_64'),
    )
    .option('--provisioned-concurrency <n>', 'Lambda environments kept warm', '0')
    .option('--provisioned-hours <h>', 'hours a month provisioned concurrency is on', '730')
    .option('--instance-type <type>', "the SageMaker real-time endpoint's instance type", 'ml.m5.large')
    .option('--sagemaker-instances <n>', 'instances behind the SageMaker real-time endpoint', '1')
    .option('--payload-kb <kb>', 'size of each request body and each response body', '1')
    .option(
      '--model <model>',
      'measure this model (a path, s3:// or https:// URI) for the figures not given (default: as serve: MODEL_URI, else the packaged model)',
    )
    .option('--sha256 <hex>', 'refuse the model unless its bytes have this sha256', sha256Option)
    .option('--json', 'print the figures as JSON')
    .addHelpText(
      'after',
      examples([
        'cost --requests-per-month 7.44M --duration-ms 2000 --memory-mb 1024',
        'cost --model examples/iris/model.onnx --requests-per-month 10M --json',
      ]),
    )
    .action(async (opts) => {
      const { costCommand } = await import('./cost.js');
      await costCommand(opts, process.env, new URL('.', import.meta.url));
    });

  program
    .command('serve')
    .description(
      'serve the prediction API over HTTP for one model or many (POST / or /predict, /models/{name}/predict; GET /health, /ready, /metadata, /models, /cost, /metrics, /openapi.json)',
    )
    .argument(
      '[models...]',
      'ONNX models: local paths, s3:// or http(s) URIs, folders (every .onnx in one) or s3://bucket/prefix/ (every .onnx directly under it) (default: MODEL_URI, else the model `modelgate package` put beside this program)',
    )
    .option('--host <host>', 'address to listen on (0.0.0.0 in a container)', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on', integerOption, 8080)
    .option('--default <name>', 'the model that answers / and /predict (default: the first given)')
    .option(
      '--sha256 <hex>',
      'refuse the model unless its bytes have this sha256 (one model file only)',
      sha256Option,
    )
    .option('--max-body-bytes <n>', 'largest request body', integerOption, 6 * 1024 * 1024)
    .option('--max-rows <n>', 'most rows in one request', integerOption, 10_000)
    .option(
      '--max-values <n>',
      "most values (rows x the model's features) in one request (default: --max-body-bytes)",
      integerOption,
    )
    .option(
      '--max-models <n>',
      'most models on this endpoint, folders and prefixes included',
      integerOption,
      1000,
    )
    .option(
      '--reload-interval <seconds>',
      'how often s3:// models (their ETag) and https:// models are checked for a new version; 0: never (default: 30 for s3://, never for https://)',
      numberOption,
    )
    .option(
      '--no-watch',
      'do not watch local model files or poll remote ones (SIGHUP still reloads every model)',
    )
    .option('--log-bodies', 'log request bodies (off: they may hold personal data)')
    .option(
      '--workers <n>',
      'server processes sharing the port, restarted when they die; 1 serves in this process (default: the CPUs available, cgroup quota included)',
      integerOption,
    )
    .option(
      '--cors <origins>',
      'let browsers on these origins call the API: a comma list (https://app.example.com) or * for any',
      corsOption,
    )
    .option('--base-path <path>', 'serve every route under this path (/ml: POST /ml/predict)', basePathOption)
    .option(
      '--log-level <level>',
      'drop log lines below this level: debug, info, warn, error or off (default: LOG_LEVEL, else info)',
      logLevelOption,
    )
    .option(
      '--log-requests <share>',
      'write request log lines: on, off, or the share of them to write, 0 to 1 (default: LOG_REQUESTS, else on; errors are always written)',
      logRequestsOption,
    )
    .option('--no-metrics', 'serve no Prometheus metrics at GET /metrics')
    .addOption(
      new Option(
        '--runtime <runtime>',
        "what runs the models: onnxruntime, or compiled (modelgate's own evaluator for each graph it compiles, onnxruntime for the rest)",
      )
        .choices(['onnxruntime', 'compiled'])
        .default('onnxruntime'),
    )
    .option(
      '--load-timeout-ms <ms>',
      'give up reading a model (a path, s3:// or https://) after this long',
      integerOption,
      30_000,
    )
    .option(
      '--headers-timeout-ms <ms>',
      "a request's headers must arrive within this long of its first byte, else 408 (default: 10000, at most --request-timeout-ms)",
      integerOption,
    )
    .option(
      '--request-timeout-ms <ms>',
      'a request, headers and body, must arrive whole within this long of its first byte, else 408',
      integerOption,
      30_000,
    )
    .option(
      '--drain-timeout-ms <ms>',
      'on SIGTERM or SIGINT, cut the connections still open after this long and exit',
      integerOption,
      10_000,
    )
    .addHelpText(
      'after',
      `${examples([
        'serve examples/iris/model.onnx --port 8081',
        'serve s3://my-models/prod/iris.onnx --host 0.0.0.0 --max-rows 1000',
        'serve examples/iris/model.onnx --workers 4 --cors https://app.example.com --base-path /ml',
        'serve examples/iris/ --default iris',
        'serve examples/iris/model.onnx s3://my-models/prod/churn.onnx',
        'serve s3://my-models/prod/ --reload-interval 60',
      ])}
Many models: each is served at /models/{name}/predict (its card's name), the default one at / too;
GET /models lists them with their state. A model that fails to load answers 503 for itself only.
Reload: a model file that changes (or an s3:// object whose ETag changes) is loaded, checked and
swapped in while requests keep being answered; one that fails to load keeps the old model. SIGHUP
reloads every model.
`,
    )
    .hook('preAction', (command) => checkServeOptions(command.opts()))
    .action(async (models: string[], opts) => {
      const { serveCommand, modelsToServe } = await import('./serve.js');
      const chosen = modelsToServe(models, opts.sha256, process.env, new URL('.', import.meta.url));
      const { reloadInterval, ...rest } = opts;
      setExitCode(
        await serveCommand(chosen.uris, {
          ...rest,
          sha256: chosen.sha256,
          ...(reloadInterval !== undefined ? { reloadIntervalMs: Math.round(reloadInterval * 1000) } : {}),
        }),
      );
    });

  // `modelgate <command> --version` as well as `modelgate --version`.
  for (const command of program.commands) command.version(VERSION);
  return program;
}

const TASKS = ['classification', 'regression'];

const DELIMITER_NAMES: Record<string, string> = {
  tab: '\t',
  '\\t': '\t',
  comma: ',',
  semicolon: ';',
  pipe: '|',
};

/** `--delimiter`: one character, or a name for one (a tab is awkward to type in a shell). */
function delimiterOption(value: string): string {
  const d = DELIMITER_NAMES[value.toLowerCase()] ?? value;
  if ([...d].length !== 1 || d === '"' || d === '\n' || d === '\r') {
    throw new InvalidArgumentError(
      `expected one character (not a quote or a newline), or tab, comma, semicolon, pipe; got ${JSON.stringify(value)}`,
    );
  }
  return d;
}

/** `--json`: a summary for programs, which `--quiet` (no summary) contradicts: together, a usage error. */
function jsonOption(description: string): Option {
  return new Option('--json', description).conflicts('quiet');
}

/**
 * The hyper-parameters checked by the trainer's own rules before the CSV is read: a RangeError from
 * them is a wrong option (exit 2), while one raised later is a fault (an array too long, a stack
 * overflow). The trainer's messages begin with the option's name.
 */
async function checkTrainingOptions(opts: Record<string, unknown>): Promise<void> {
  const { DEFAULT_PARAMS, validateParams } = await import('../train/boosting.js');
  const params = { ...DEFAULT_PARAMS };
  for (const key of Object.keys(DEFAULT_PARAMS) as (keyof typeof DEFAULT_PARAMS)[]) {
    if (typeof opts[key] === 'number') params[key] = opts[key];
  }
  try {
    validateParams(params);
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(`--${err.message}`, { cause: err });
    throw err;
  }
  if (opts.decimal === ',' && opts.delimiter === ',')
    throw new UsageError('--decimal , and --delimiter , cannot be used together: choose another delimiter');
  const { threads } = opts;
  if (typeof threads === 'number' && !(Number.isInteger(threads) && threads >= 0 && threads <= 64))
    throw new UsageError(`--threads must be an integer from 0 to 64, got ${threads}`);
}

/** More server processes than this is a typo, not a machine. */
const MAX_WORKERS = 256;

/** `--cors`: `*` or a comma list of origins, each a scheme, host and optional port. */
function corsOption(value: string): '*' | string[] {
  try {
    return parseCorsOrigins(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** `--base-path`: a URL path such as /ml. */
function basePathOption(value: string): string {
  try {
    return normalBasePath(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^basePath/, 'expected a path'));
  }
}

function checkServeOptions(opts: Record<string, number | undefined>): void {
  const { port, workers } = opts;
  if (port !== undefined && (port < 0 || port > 65535))
    throw new UsageError(`--port must be from 0 to 65535, got ${port}`);
  if (workers !== undefined && (workers < 1 || workers > MAX_WORKERS))
    throw new UsageError(`--workers must be from 1 to ${MAX_WORKERS}, got ${workers}`);
  for (const [name, flag] of [
    ['maxBodyBytes', 'max-body-bytes'],
    ['maxRows', 'max-rows'],
    ['maxValues', 'max-values'],
    ['loadTimeoutMs', 'load-timeout-ms'],
    ['headersTimeoutMs', 'headers-timeout-ms'],
    ['requestTimeoutMs', 'request-timeout-ms'],
    ['drainTimeoutMs', 'drain-timeout-ms'],
    ['maxModels', 'max-models'],
  ] as const) {
    const value = opts[name];
    if (value !== undefined && value < 1) throw new UsageError(`--${flag} must be at least 1, got ${value}`);
  }
  const { reloadInterval } = opts;
  if (reloadInterval !== undefined && (reloadInterval < 0 || reloadInterval > 86_400))
    throw new UsageError(`--reload-interval must be from 0 to 86400 seconds, got ${reloadInterval}`);
  const { headersTimeoutMs, requestTimeoutMs } = opts;
  if (
    headersTimeoutMs !== undefined &&
    requestTimeoutMs !== undefined &&
    headersTimeoutMs > requestTimeoutMs
  ) {
    throw new UsageError(
      `--headers-timeout-ms (${headersTimeoutMs}) must not be more than --request-timeout-ms (${requestTimeoutMs})`,
    );
  }
}

/**
 * JavaScript's own error classes, as the engine and Node.js throw them for a fault (a stack overflow,
 * an array too long, a property of undefined). modelgate's rooms name their errors (StoreError, ...),
 * subclasses or not, so an error still named like one of these reached the command line unexplained.
 */
const FAULTS = [RangeError, TypeError, ReferenceError, SyntaxError, EvalError, URIError];

function isFault(e: Error): boolean {
  return FAULTS.some((F) => e instanceof F && e.name === F.name);
}

/**
 * What the command line prints for an error that ended a command (not commander's own, which it has
 * printed), and the exit code: 2 for a wrong command line, 1 for a failure while working.
 */
export function failureOutput(
  err: unknown,
  debug = Boolean(process.env.MODELGATE_DEBUG),
): {
  code: number;
  text: string;
} {
  if (err instanceof UsageError) return { code: 2, text: `modelgate: ${err.message}\n` };
  const e =
    err instanceof Error
      ? err
      : new Error(typeof err === 'string' ? err : 'a value that is not an Error was thrown');
  const stack = debug && e.stack ? `${e.stack}\n` : '';
  if (isFault(e)) {
    const hint = debug ? '' : '; MODELGATE_DEBUG=1 prints where';
    return {
      code: 1,
      text: `modelgate: internal error: ${e.name}: ${e.message} (a fault in modelgate, please report it${hint})\n${stack}`,
    };
  }
  return { code: 1, text: `modelgate: ${e.message}\n${stack}` };
}

/**
 * Runs the command line and returns the exit code: 0 done (help and --version too), 1 the command
 * failed, 2 a wrong command line (commander's own errors, which it has printed, and UsageError).
 * Without a command, the help goes to standard error and the code is 2, as for any usage error.
 */
export async function main(argv: string[], output: CliOutput = processOutput): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  }, output);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const out = failureOutput(err);
    output.writeErr(out.text);
    return out.code;
  }
}
