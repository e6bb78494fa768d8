import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { IRIS_CSV, IRIS_MODEL, REFERENCE_ROW } from '../helpers/models.js';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-cli-'));
const model = join(dir, 'iris.onnx');
let server: Server;
let base: string;
let closedPort: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/iris.csv') {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(readFileSync(IRIS_CSV));
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that nothing listens on: taken, then given back.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const trained = await runCli(['train', IRIS_CSV, '--target', 'species', '--out', model]);
  expect(trained.code, trained.stderr).toBe(0);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('modelgate train, then predict (the reference job)', () => {
  it('answers the reference row with virginica above 0.99', async () => {
    const out = await runCli(['predict', model, JSON.stringify(REFERENCE_ROW)]);
    expect(out.code).toBe(0);
    const body = JSON.parse(out.stdout);
    expect(body.prediction.label).toBe('virginica');
    expect(body.prediction.probability).toBeGreaterThan(0.99);
    expect(out.stdout).toBe('{"prediction":{"label":"virginica","probability":0.9997}}\n');
  });

  it('prints a summary: rows, features, classes, training accuracy, time', async () => {
    const out = await runCli(['train', IRIS_CSV, '--target', 'species', '--out', join(dir, 'again.onnx')]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/delimiter\s+comma \(sniffed\)\n/);
    expect(out.stdout).toMatch(/rows\s+150/);
    expect(out.stdout).toMatch(/features\s+4/);
    expect(out.stdout).toMatch(/classes\s+3: setosa, versicolor, virginica/);
    expect(out.stdout).toMatch(/training accuracy\s+1\.0000/);
    expect(out.stdout).toMatch(/time\s+\d+\.\d\d s/);
    // Not a terminal: no progress bar.
    expect(out.stderr).toBe('');
  });

  it('trains from an http(s) URL', async () => {
    const out = await runCli([
      'train',
      `${base}/iris.csv`,
      '--target',
      'species',
      '--out',
      join(dir, 'url.onnx'),
      '-q',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('');
    const p = await runCli(['predict', join(dir, 'url.onnx'), JSON.stringify(REFERENCE_ROW)]);
    expect(JSON.parse(p.stdout).prediction.label).toBe('virginica');
  });

  it('takes the batch formats, @file.json and standard input', async () => {
    const batch = await runCli(['predict', model, '{"input": [[0, 0, 0, 0]], "return_probabilities": true}']);
    expect(batch.code).toBe(0);
    const body = JSON.parse(batch.stdout);
    expect(body.prediction).toHaveLength(1);
    expect(Object.keys(body.probabilities[0])).toEqual(['setosa', 'versicolor', 'virginica']);
    const fromFile = await runCli([
      'predict',
      model,
      `@${file('req.json', JSON.stringify({ instances: [REFERENCE_ROW] }))}`,
    ]);
    expect(JSON.parse(fromFile.stdout).predictions[0].label).toBe('virginica');
    const fromStdin = await runCli(['predict', model], { input: JSON.stringify(REFERENCE_ROW) });
    expect(JSON.parse(fromStdin.stdout).prediction.label).toBe('virginica');
    const dash = await runCli(['predict', model, '-'], { input: JSON.stringify(REFERENCE_ROW) });
    expect(dash.stdout).toBe(fromStdin.stdout);
  });

  it.each([
    ['bad JSON', '{"sepal_length": 5.9,', 'invalid_json'],
    ['a string for a number', '{"sepal_length": "5.9"}', 'invalid_row'],
    ['a short row', '{"input": [[1, 2]]}', 'invalid_row'],
    ['an unknown feature', '{"sepal_length": 1, "colour": 2}', 'unknown_feature'],
  ])('%s: the API’s error body, a message and exit code 1', async (_, body, type) => {
    const out = await runCli(['predict', model, body]);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout).error.type).toBe(type);
    expect(out.stderr).toMatch(/the API would answer 400/);
  });

  it('predict: a missing model, a file that is not ONNX, and a missing @file are clear errors', async () => {
    const missing = await runCli(['predict', join(dir, 'nope.onnx'), '{}']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.onnx: cannot read: no such file/);
    const notOnnx = await runCli(['predict', IRIS_CSV, '{}']);
    expect(notOnnx.code).toBe(1);
    expect(notOnnx.stderr).toMatch(/it looks like CSV data, not an ONNX model; train a model on it first/);
    const noBody = await runCli(['predict', model, '@/nonexistent/body.json']);
    expect(noBody.code).toBe(2);
    expect(noBody.stderr).toMatch(
      /cannot read the request body from \/nonexistent\/body\.json: no such file/,
    );
  });
});

describe('modelgate train --json', () => {
  const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

  it('prints one JSON object, the summary and the file written, and nothing else', async () => {
    const out = join(dir, 'json.onnx');
    const r = await runCli(['train', IRIS_CSV, '--target', 'species', '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual([
      'source',
      'out',
      'bytes',
      'sha256',
      'name',
      'target',
      'task',
      'taskReason',
      'delimiter',
      'rows',
      'skippedRows',
      'features',
      'booleans',
      'categorical',
      'leftOut',
      'dates',
      'classes',
      'trainAccuracy',
      'trainR2',
      'splits',
      'seconds',
    ]);
    expect(json).toMatchObject({
      source: IRIS_CSV,
      out,
      bytes: readFileSync(out).length,
      sha256: sha256(out),
      name: 'iris',
      target: 'species',
      task: 'classification',
      taskReason: 'the target is not numeric',
      delimiter: ',',
      rows: 150,
      skippedRows: 0,
      features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
      classes: ['setosa', 'versicolor', 'virginica'],
      trainAccuracy: 1,
      trainR2: null,
      splits: 'exact (every distinct value)',
    });
    expect(json.seconds).toBeGreaterThan(0);
  });

  it('a regressor: R^2 for accuracy, no classes, the rows without a target counted', async () => {
    const csv = file('json-regression.csv', 'a,b,y\n1,2,0.5\n2,,1.5\n3,4,2.5\n4,5,\n5,6,3.5\n');
    const out = join(dir, 'json-regression.onnx');
    const r = await runCli(['train', csv, '-t', 'y', '--out', out, '--json', '--n-estimators', '5']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      task: 'regression',
      rows: 4,
      skippedRows: 1,
      classes: null,
      trainAccuracy: null,
    });
    expect(json.trainR2).toBeGreaterThan(0);
    expect(json.sha256).toBe(sha256(out));
  });

  it('draws no progress bar on a terminal either', async () => {
    const { stdout } = await promisify(execFile)('script', [
      '-qec',
      `${process.execPath} ${BIN} train ${IRIS_CSV} --target species --out ${join(dir, 'tty-json.onnx')} --json`,
      '/dev/null',
    ]);
    // Through the terminal, standard output and standard error both: the JSON alone.
    expect(JSON.parse(stdout.replaceAll('\r\n', '\n')).rows).toBe(150);
  });
});

describe('modelgate train: CSV as people have it', () => {
  const semicolons = () => file('semicolons.csv', 'a;b;y\n1;2;x\n2;1;y\n3;4;x\n4;3;y\n5;6;x\n6;5;y\n');

  it('sniffs a semicolon delimiter and says so', async () => {
    const r = await runCli(['train', semicolons(), '-t', 'y', '--out', join(dir, 'semi.onnx')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/delimiter\s+semicolon \(sniffed\)\n/);
    expect(r.stdout).toMatch(/features\s+2/);
  });

  it.each(['tab', '\\t', '\t'])('takes --delimiter %j for a tab', async (d) => {
    const csv = file('tabs.tsv', 'a\tb\ty\n1\t2\tx\n2\t1\ty\n3\t4\tx\n4\t3\ty\n');
    const r = await runCli([
      'train',
      csv,
      '-t',
      'y',
      '--delimiter',
      d,
      '--out',
      join(dir, 'tab.onnx'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ delimiter: '\t', features: ['a', 'b'] });
  });

  it('says "as given" by leaving out "(sniffed)" for --delimiter', async () => {
    const r = await runCli([
      'train',
      semicolons(),
      '-t',
      'y',
      '--delimiter',
      ';',
      '--out',
      join(dir, 's2.onnx'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/delimiter\s+semicolon\n/);
  });

  it('names the candidates of an ambiguous file (exit 1)', async () => {
    const csv = file('ambiguous.csv', 'a;b,y\n1;2,x\n3;4,y\n');
    const r = await runCli(['train', csv, '-t', 'y', '--out', join(dir, 'no.onnx')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot tell the delimiter: comma \(2 fields\), semicolon \(2 fields\)/);
  });

  const titanic = 'test/fixtures/datasets/titanic-like.csv';
  /** The table is read with its decimal commas in both tests. */
  const titanicArgs = ['train', titanic, '-t', 'Survived', '--decimal', ','];

  it('a titanic-like table: its text columns learned as categories, and said so', async () => {
    const r = await runCli([...titanicArgs, '--out', join(dir, 'titanic-text.onnx')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      '  features          6 (boolean, read as 0/1: travels_alone; categorical: sex, embarked)\n',
    );
    const json = await runCli([...titanicArgs, '--json', '--out', join(dir, 'titanic-text.onnx')]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      booleans: ['travels_alone'],
      categorical: ['sex', 'embarked'],
    });
  });

  it('a titanic-like table: ids and dates left out, booleans and decimal commas read', async () => {
    const out = join(dir, 'titanic.onnx');
    const args = [...titanicArgs, '--drop', 'sex,embarked', '--out', out];
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      [
        '  delimiter         semicolon (sniffed)',
        '  rows              60',
        '  features          4 (boolean, read as 0/1: travels_alone)',
        '  left out          passengerid: an identifier (unique integers, named like an id)',
        '                    name: an identifier (unique text)',
        '                    booked: a date (dates, d/m/y)',
        '                    (--keep <columns> keeps an identifier; --dates parts makes features of a date)',
        '  task              classification (the target has 2 integer values)',
        '  classes           2: 0, 1',
      ].join('\n'),
    );
    const json = await runCli([...args, '--json', '--keep', 'passengerid', '--dates', 'parts']);
    expect(json.code, json.stderr).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body).toMatchObject({
      delimiter: ';',
      features: [
        'passengerid',
        'pclass',
        'age',
        'fare',
        'travels_alone',
        'booked_year',
        'booked_month',
        'booked_day',
        'booked_dayofweek',
      ],
      booleans: ['travels_alone'],
      categorical: [],
      leftOut: [{ column: 'name', reason: 'identifier', detail: 'unique text' }],
      dates: [
        {
          column: 'booked',
          detail: 'dates, d/m/y',
          features: ['booked_year', 'booked_month', 'booked_day', 'booked_dayofweek'],
        },
      ],
      classes: [0, 1],
    });
    // The card types the yes/no column as a boolean and records the file's spellings: a client sends
    // true or false, under either name.
    const p = await runCli([
      'predict',
      out,
      JSON.stringify({ Pclass: 1, Age: 30, fare: 80.5, 'Travels Alone': true }),
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect([0, 1]).toContain(JSON.parse(p.stdout).prediction.label);
    const card = JSON.parse(
      (await runCli(['predict', out, '{"pclass": 1, "age": 30, "fare": 8, "travels_alone": 1}'])).stdout,
    );
    expect(card.error).toMatchObject({
      type: 'invalid_row',
      message: 'feature "travels_alone": expected true or false (or null), got a number',
    });
  });

  it('integer classes 1, 2, 10 in numeric order in the card and the answers', async () => {
    const rows = [10, 2, 1, 10, 2, 1, 10, 2, 1].map((y, i) => `${y * 3 + (i % 2)},${y}`);
    const csv = file('classes.csv', `a,y\n${rows.join('\n')}\n`);
    const out = join(dir, 'classes.onnx');
    const r = await runCli(['train', csv, '-t', 'y', '--out', out, '--json', '--n-estimators', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).classes).toEqual([1, 2, 10]);
    const p = await runCli(['predict', out, '{"input": [[30], [3]], "return_probabilities": true}']);
    expect(p.code, p.stderr).toBe(0);
    const body = JSON.parse(p.stdout);
    expect(body.prediction).toEqual([10, 1]);
    expect(Object.keys(body.probabilities[0])).toEqual(['1', '2', '10']);
  });

  it.each<[string, string[], RegExp]>([
    ['a bad --dates', ['--dates', 'split'], /'--dates <how>' argument 'split' is invalid/],
    [
      '--decimal , with --delimiter ,',
      ['--decimal', ',', '--delimiter', ','],
      /--decimal , and --delimiter , cannot be used together/,
    ],
    ['a two-character --delimiter', ['--delimiter', ';;'], /--delimiter <c>.*expected one character/],
    ['a bad --decimal', ['--decimal', ';'], /'--decimal <mark>' argument ';' is invalid/],
  ])('usage error: %s (exit 2)', async (_, args, message) => {
    const r = await runCli(['train', IRIS_CSV, '-t', 'species', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('modelgate train --categorical', () => {
  it('learns text and integer-coded columns as categories; predict takes their strings', async () => {
    // "on" when the color is red or blue or missing, or the size code is 2: no order of either column
    // separates it.
    const colors = ['red', 'green', 'blue', 'amber', ''];
    const lines = ['x,color,size,on'];
    for (let i = 0; i < 80; i++) {
      const color = colors[i % 5];
      const size = 1 + (Math.floor(i / 5) % 3);
      const on = color === 'red' || color === 'blue' || color === '' || size === 2;
      lines.push(`${i % 7},${color},${size},${on ? 'yes' : 'no'}`);
    }
    const csv = file('mixed.csv', `${lines.join('\n')}\n`);
    const out = join(dir, 'mixed.onnx');
    const r = await runCli(['train', csv, '-t', 'on', '--categorical', 'color,size', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/features {10}3 \(categorical: color, size\)/);
    const ask = async (row: object) => {
      const p = await runCli(['predict', out, JSON.stringify(row)]);
      expect(p.code, p.stderr).toBe(0);
      return JSON.parse(p.stdout).prediction;
    };
    expect((await ask({ x: 1, color: 'blue', size: '3' })).label).toBe('yes');
    expect((await ask({ x: 1, color: 'green', size: 3 })).label).toBe('no');
    expect((await ask({ x: 1, color: 'green', size: 2 })).label).toBe('yes');
    // An unseen color goes where the missing ones went in training: "yes".
    expect(await ask({ x: 1, color: 'purple', size: 1 })).toEqual(await ask({ x: 1, color: null, size: 1 }));
    expect((await ask({ x: 1, color: 'purple', size: 1 })).label).toBe('yes');
  });
});

describe('modelgate train: clear errors, each with a non-zero exit', () => {
  it.each<[string, () => string[], RegExp]>([
    [
      'a missing target column',
      () => ['train', IRIS_CSV, '--target', 'variety'],
      /has no target column "variety"; its columns are sepal_length/,
    ],
    ['an empty file', () => ['train', file('empty.csv', ''), '--target', 'y'], /empty\.csv is empty/],
    [
      'a ragged row',
      () => ['train', file('ragged.csv', 'a,b,y\n1,2,x\n3,y\n'), '--target', 'y'],
      /ragged\.csv, line 3: the row has 2 fields, the header has 3/,
    ],
    [
      'a target with an infinity',
      () => [
        'train',
        file('inf-target.csv', 'a,y\n1,0.5\n2,inf\n3,1.5\n'),
        '--target',
        'y',
        '--out',
        join(dir, 'no.onnx'),
      ],
      /inf-target\.csv: the target "y" is not a finite number on line 3 \("inf"\)/,
    ],
    [
      'a target past double range',
      () => [
        'train',
        file('big-target.csv', 'a,y\n1,0.5\n2,1.5\n3,1e400\n'),
        '--target',
        'y',
        '--task',
        'regression',
        '--out',
        join(dir, 'no.onnx'),
      ],
      /big-target\.csv: the target "y" is not a finite number on line 4 \("1e400"\)/,
    ],
    [
      'a feature with an infinity',
      () => [
        'train',
        file('inf-feature.csv', 'a,b,y\n1,2,x\n-inf,3,y\n'),
        '--target',
        'y',
        '--out',
        join(dir, 'no.onnx'),
      ],
      /inf-feature\.csv: column "a", line 3: -inf is not a finite number/,
    ],
    [
      'one class only',
      () => ['train', file('one.csv', 'a,y\n1,x\n2,x\n'), '--target', 'y'],
      /one class only \("x"\)/,
    ],
    [
      'an unreadable path',
      () => ['train', join(dir, 'absent.csv'), '--target', 'y'],
      /absent\.csv: cannot read: no such file/,
    ],
    ['a directory', () => ['train', dir, '--target', 'y'], /cannot read: is a directory/],
    [
      'a URL that answers 404',
      () => ['train', `${base}/missing.csv`, '--target', 'y'],
      /missing\.csv: cannot fetch: HTTP 404/,
    ],
    [
      'an unreachable URL',
      () => ['train', `http://127.0.0.1:${closedPort}/x.csv`, '--target', 'y'],
      /x\.csv: cannot fetch: ECONNREFUSED/,
    ],
    [
      'a malformed s3:// URI',
      () => ['train', 's3://My_Bucket/x.csv', '--target', 'y'],
      /s3:\/\/My_Bucket\/x\.csv: "My_Bucket" is not a valid bucket name/,
    ],
    [
      'an s3:// prefix instead of an object',
      () => ['train', 's3://data/csv/', '--target', 'y'],
      /s3:\/\/data\/csv\/: the s3:\/\/ URI names no object/,
    ],
    [
      'an output directory that does not exist',
      () => ['train', IRIS_CSV, '--target', 'species', '--out', '/nonexistent/m.onnx'],
      /\/nonexistent\/m\.onnx: cannot write: no such directory/,
    ],
  ])('%s', async (_, args, message) => {
    const out = await runCli(args());
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it.each<[string, string[], RegExp]>([
    ['no --target', ['train', IRIS_CSV], /required option '-t, --target <column>'/],
    [
      'a non-integer --n-estimators',
      ['train', IRIS_CSV, '-t', 'species', '--n-estimators', 'ten'],
      /--n-estimators.*expected an integer, got "ten"/,
    ],
    [
      'a bad --task',
      ['train', IRIS_CSV, '-t', 'species', '--task', 'ranking'],
      /'--task <task>' argument 'ranking' is invalid\. Allowed choices are classification, regression/,
    ],
    [
      'an out-of-range hyper-parameter',
      ['train', IRIS_CSV, '--target', 'species', '--learning-rate', '0'],
      /^modelgate: --learning-rate must be a positive number, got 0\n$/,
    ],
    ['an unknown command', ['fly'], /unknown command 'fly'/],
  ])('usage error: %s (exit 2)', async (_, args, message) => {
    const out = await runCli(args);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
  });
});

describe('progress', () => {
  it('draws a progress bar on a terminal', async () => {
    // `script` runs the command under a pseudo-terminal, as a person's shell would.
    const { stdout } = await promisify(execFile)('script', [
      '-qec',
      `${process.execPath} ${BIN} train ${IRIS_CSV} --target species --out ${join(dir, 'tty.onnx')}`,
      '/dev/null',
    ]);
    expect(stdout).toMatch(/training \|.*\| \d+\/100 stages/);
    expect(stdout).toMatch(/trained a classifier/);
  });
});

describe('the bundled demo model', () => {
  it('answers the reference request', async () => {
    const out = await runCli(['predict', IRIS_MODEL, JSON.stringify(REFERENCE_ROW)]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('{"prediction":{"label":"virginica","probability":0.9997}}\n');
  });
});
