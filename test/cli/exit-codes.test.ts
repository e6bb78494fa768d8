// Exit codes, as docs/cli.md says: 0 done, 1 the command failed while working, 2 a wrong command
// line. Every out-of-range or malformed option value, an unknown option, a missing option or argument
// and one argument too many is a 2 with a message naming what is wrong, before any work is done.
// Run in this process; a few through the built command line, to prove the process's exit code.
import { describe, expect, it } from 'vitest';
import { runCli, runInProcess } from '../helpers/cli.js';
import { IRIS_CSV, IRIS_MODEL } from '../helpers/models.js';

const TRAIN = ['train', IRIS_CSV, '-t', 'species'];
const SERVE = ['serve', IRIS_MODEL];
const SHA = 'f'.repeat(64);

const USAGE: [string, string[], RegExp][] = [
  ['no command', [], /^Usage: modelgate \[options\] \[command\]/],
  ['an unknown command', ['fly'], /unknown command 'fly'/],
  ['an unknown option', [...TRAIN, '--n-trees', '5'], /unknown option '--n-trees'/],
  ['a missing required option', ['train', IRIS_CSV], /required option '-t, --target <column>' not specified/],
  ['package without --out', ['package'], /required option '-o, --out <dir>' not specified/],
  ['a missing argument', ['train', '-t', 'species'], /missing required argument 'csv'/],
  ['push without a destination', ['push', IRIS_MODEL], /missing required argument 'destination'/],
  ['too many arguments', ['predict', IRIS_MODEL, '{}', 'extra'], /too many arguments for 'predict'/],
  ['an argument to cost', ['cost', 'model.onnx'], /too many arguments for 'cost'/],
  ['an option without its value', [...TRAIN, '--out'], /option '-o, --out <path>' argument missing/],
  [
    '--n-estimators -5',
    [...TRAIN, '--n-estimators', '-5'],
    /^modelgate: --n-estimators must be an integer from 1 to 100000, got -5\n$/,
  ],
  [
    '--n-estimators ten',
    [...TRAIN, '--n-estimators', 'ten'],
    /option '--n-estimators <n>' argument 'ten' is invalid/,
  ],
  [
    '--learning-rate 0',
    [...TRAIN, '--learning-rate', '0'],
    /^modelgate: --learning-rate must be a positive number, got 0\n$/,
  ],
  ['--subsample 2', [...TRAIN, '--subsample', '2'], /^modelgate: --subsample must be in \(0, 1\], got 2\n$/],
  ['--max-depth 31', [...TRAIN, '--max-depth', '31'], /--max-depth must be an integer from 1 to 30, got 31/],
  [
    '--min-samples-split 1',
    [...TRAIN, '--min-samples-split', '1'],
    /--min-samples-split must be an integer from 2/,
  ],
  ['--max-bins 1', [...TRAIN, '--max-bins', '1'], /--max-bins must be an integer from 2 to 65536, got 1/],
  ['--seed -1', [...TRAIN, '--seed', '-1'], /--seed must be an integer from 0/],
  [
    '--threads 65',
    [...TRAIN, '--threads', '65'],
    /^modelgate: --threads must be an integer from 0 to 64, got 65\n$/,
  ],
  [
    'train --task ranking',
    [...TRAIN, '--task', 'ranking'],
    /'--task <task>' argument 'ranking' is invalid\. Allowed choices are classification, regression/,
  ],
  [
    'train --json --quiet',
    [...TRAIN, '--json', '--quiet'],
    /option '--json' cannot be used with option '-q, --quiet'/,
  ],
  [
    'import --json -q',
    ['import', 'm.pkl', '--json', '-q'],
    /option '--json' cannot be used with option '-q, --quiet'/,
  ],
  [
    'import --precision float16',
    ['import', 'm.pkl', '--precision', 'float16'],
    /Allowed choices are float32, float64/,
  ],
  [
    'pack --task ranking',
    ['pack', IRIS_MODEL, '--task', 'ranking'],
    /Allowed choices are classification, regression/,
  ],
  ['--port 70000', [...SERVE, '--port', '70000'], /^modelgate: --port must be from 0 to 65535, got 70000\n$/],
  ['--port http', [...SERVE, '--port', 'http'], /option '-p, --port <port>' argument 'http' is invalid/],
  ['--max-rows 0', [...SERVE, '--max-rows', '0'], /^modelgate: --max-rows must be at least 1, got 0\n$/],
  [
    '--max-models 0',
    [...SERVE, '--max-models', '0'],
    /^modelgate: --max-models must be at least 1, got 0\n$/,
  ],
  [
    '--reload-interval -1',
    [...SERVE, '--reload-interval', '-1'],
    /^modelgate: --reload-interval must be from 0 to 86400 seconds, got -1\n$/,
  ],
  ['--reload-interval abc', [...SERVE, '--reload-interval', 'abc'], /expected a number, got "abc"/],
  [
    '--max-body-bytes -1',
    [...SERVE, '--max-body-bytes', '-1'],
    /--max-body-bytes must be at least 1, got -1/,
  ],
  ['--load-timeout-ms 1.5', [...SERVE, '--load-timeout-ms', '1.5'], /expected an integer, got "1\.5"/],
  [
    'serve --sha256 abc',
    [...SERVE, '--sha256', 'abc'],
    /option '--sha256 <hex>' argument 'abc' is invalid\. expected a sha256: 64 hex digits/,
  ],
  [
    'package --sha256 abc',
    ['package', '-o', 'x', '--model', IRIS_MODEL, '--sha256', 'abc'],
    /'--sha256 <hex>' argument 'abc' is invalid/,
  ],
  ['package --arch sparc', ['package', '-o', 'x', '--arch', 'sparc'], /Allowed choices are x86_64, arm64/],
  [
    'package --server --use-layer',
    ['package', '-o', 'x', '--server', '--use-layer'],
    /--use-layer and --unpacked are for Lambda/,
  ],
  ['package --sha256 without --model', ['package', '-o', 'x', '--sha256', SHA], /--sha256 needs --model/],
  [
    '--requests-per-month abc',
    ['cost', '--requests-per-month', 'abc', '--duration-ms', '5'],
    /^modelgate: --requests-per-month expects a number such as 1000000/,
  ],
  [
    '--memory-mb 5',
    ['cost', '--memory-mb', '5', '--duration-ms', '5'],
    /^modelgate: --memory-mb must be a whole number of MB from 128 to 10240, got 5\n$/,
  ],
  ['--duration-ms x', ['cost', '--duration-ms', 'x'], /--duration-ms expects a number, got "x"/],
  ['cost --arch sparc', ['cost', '--arch', 'sparc'], /Allowed choices are x86_64, arm64/],
  ['cost --sha256 abc', ['cost', '--sha256', 'abc'], /'--sha256 <hex>' argument 'abc' is invalid/],
  ['push to a folder', ['push', IRIS_MODEL, '/tmp/models/'], /the destination must be an s3:\/\/ URI/],
  [
    'predict @missing.json',
    ['predict', IRIS_MODEL, '@/nonexistent/body.json'],
    /cannot read the request body from \/nonexistent\/body\.json/,
  ],
];

describe('exit code 2: a wrong command line', () => {
  it.each(USAGE)('%s', async (_, args, message) => {
    const r = await runInProcess(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it.each<[string, string[], RegExp]>([
    ['no command', [], /^Usage: modelgate \[options\] \[command\]\n[\s\S]*\n {2}train \[options\] <csv> /],
    [
      '--n-estimators -5',
      [...TRAIN, '--n-estimators', '-5'],
      /^modelgate: --n-estimators must be an integer/,
    ],
    [
      'an unknown option',
      [...SERVE, '--prot', '8081'],
      /^error: unknown option '--prot'\n\(Did you mean --port\?\)/,
    ],
    ['--port 70000', [...SERVE, '--port', '70000'], /^modelgate: --port must be from 0 to 65535/],
  ])('the process exits 2 on %s', async (_, args, message) => {
    const r = await runCli(args, { env: { MODEL_URI: '' } });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('exit code 1: the command failed while working', () => {
  it.each<[string, string[], RegExp]>([
    ['a model that is not there', ['predict', '/nonexistent/model.onnx', '{}'], /cannot read: no such file/],
    [
      'a target that is not there',
      ['train', IRIS_CSV, '-t', 'variety', '--out', '/nonexistent/m.onnx'],
      /has no target column "variety"/,
    ],
  ])('%s', async (_, args, message) => {
    const r = await runInProcess(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
  });
});

describe('exit code 0', () => {
  it.each([[['--help']], [['help']], [['help', 'train']], [['--version']]])('%j', async (args) => {
    const r = await runInProcess(args);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toBe('');
  });
});
