// Every command's --help shows examples and marks what is required; every example is a command line
// the program takes (parsed here with the real parser and the real option checks), and the ones that
// finish in a moment are run for real from a folder laid out as the repository root is.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli, runInProcess } from '../helpers/cli.js';

const COMMANDS = ['train', 'import', 'pack', 'predict', 'push', 'package', 'cost', 'serve'];

/** The program's commands, as `modelgate --help` lists them. */
function commands() {
  return buildProgram(() => {}, { writeOut() {}, writeErr() {} }).commands;
}

async function help(command?: string): Promise<string> {
  const r = await runInProcess(command ? [command, '--help'] : ['--help']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout;
}

/** The lines of the help's Examples block, less the `$ `. */
function exampleLines(text: string): string[] {
  const [, block] = text.split('\nExamples:\n');
  expect(block, 'an Examples: block').toBeDefined();
  const lines = block.split('\n\n')[0].split('\n').filter(Boolean);
  for (const line of lines) expect(line).toMatch(/^ {2}\$ modelgate \S/);
  return lines.map((line) => line.replace(/^ {2}\$ /, ''));
}

/** A command line as a POSIX shell splits it: quotes, backslashes; anything else a shell does is refused. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`an unclosed ' in ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; line[i] !== '"'; i++) {
        if (i >= line.length) throw new Error(`an unclosed " in ${line}`);
        if (line[i] === '\\' && '"\\$`'.includes(line[i + 1])) i++;
        if ('$`'.includes(line[i]) && line[i - 1] !== '\\') throw new Error(`an expansion in ${line}`);
        word += line[i];
      }
    } else if (c === '\\') {
      word = (word ?? '') + line[++i];
    } else if (c === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if ('|&;<>()$`*?['.includes(c) || (word === undefined && '#~'.includes(c))) {
      throw new Error(`${JSON.stringify(c)} in ${line}: an example is one plain command`);
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * Parses a command line with the real program, its options' parsers, choices and checks (the hooks
 * that run before a command's work), with every command's work replaced: the command it would run,
 * or the usage error it is.
 */
async function parse(words: string[]): Promise<{ command?: string; error?: string }> {
  let stderr = '';
  const program = buildProgram(() => {}, {
    writeOut() {},
    writeErr: (text) => {
      stderr += text;
    },
  });
  let ran: string | undefined;
  for (const command of program.commands)
    command.action(() => {
      ran = command.name();
    });
  try {
    await program.parseAsync(words, { from: 'user' });
    return { command: ran };
  } catch (err) {
    return { error: err instanceof CommanderError ? stderr : String(err) };
  }
}

describe('--help', () => {
  it('the program has the commands this test knows', () => {
    expect(commands().map((c) => c.name())).toEqual(COMMANDS);
  });

  it.each(['(modelgate)', ...COMMANDS])('%s shows examples and marks what is required', async (name) => {
    const command = name === '(modelgate)' ? undefined : name;
    const text = await help(command);
    expect(exampleLines(text).length).toBeGreaterThanOrEqual(1);
    if (command === undefined) {
      expect(text).toMatch(/^Exit codes: 0 done; 1 the command failed .*\n2 a wrong command line/m);
      return;
    }
    const cmd = commands().find((c) => c.name() === command)!;
    for (const option of cmd.options) {
      const line = text.split('\n').find((l) => l.trimStart().startsWith(option.flags));
      expect(line, option.flags).toBeDefined();
      if (option.mandatory) expect(line).toMatch(/\(required\)$/);
      else expect(line).not.toMatch(/\(required\)/);
    }
    // Arguments as the usage line writes them: <required>, [optional].
    for (const argument of cmd.registeredArguments) {
      const name = `${argument.name()}${argument.variadic ? '...' : ''}`;
      const term = argument.required ? `<${name}>` : `[${name}]`;
      expect(text.split('\n')[0]).toContain(term);
      expect(text).toMatch(new RegExp(`^ {2}${term.replace(/[[\].]/g, '\\$&')} +\\S`, 'm'));
    }
  });

  it('marks the required options of train and package, and only those', async () => {
    expect(await help('train')).toMatch(/^ {2}-t, --target <column> +the column to predict \(required\)$/m);
    expect(await help('package')).toMatch(/^ {2}-o, --out <dir> +the folder to write into \(required\)$/m);
    const required = commands().flatMap((c) =>
      c.options.filter((o) => o.mandatory).map((o) => `${c.name()} ${o.long}`),
    );
    expect(required).toEqual(['train --target', 'package --out']);
  });

  it('splits example lines as a shell does', () => {
    expect(shellWords(`predict m.onnx '{"a": 1}' "x \\"y\\"" a\\ b`)).toEqual([
      'predict',
      'm.onnx',
      '{"a": 1}',
      'x "y"',
      'a b',
    ]);
    expect(() => shellWords('predict m.onnx | jq')).toThrow(/one plain command/);
    expect(() => shellWords('predict m.onnx > out.json')).toThrow(/one plain command/);
  });
});

const root = mkdtempSync(join(tmpdir(), 'modelgate-examples-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the examples in --help', () => {
  const all = async () => {
    const found: { help: string; line: string }[] = [];
    for (const name of [undefined, ...COMMANDS]) {
      for (const line of exampleLines(await help(name))) found.push({ help: name ?? 'modelgate', line });
    }
    return found;
  };

  it('are command lines the program takes: the command, its arguments and options', async () => {
    const examples = await all();
    expect(examples.length).toBeGreaterThanOrEqual(2 * COMMANDS.length);
    for (const { help: shown, line } of examples) {
      const [program, command, ...rest] = shellWords(line);
      expect(program).toBe('modelgate');
      // A command's help shows that command; the program's shows any.
      if (shown !== 'modelgate') expect(command, line).toBe(shown);
      expect(await parse([command, ...rest]), line).toEqual({ command });
    }
  });

  it('the parse would catch a wrong one', async () => {
    expect((await parse(['train', 'x.csv', '--target', 'y', '--n-trees', '5'])).error).toMatch(
      /unknown option '--n-trees'/,
    );
    expect((await parse(['train', 'x.csv'])).error).toMatch(/required option '-t, --target <column>'/);
    expect((await parse(['serve', 'm.onnx', '--port', '70000'])).error).toMatch(/--port must be from 0/);
    expect((await parse(['train', 'x.csv', '-t', 'y', '--subsample', '2'])).error).toMatch(/--subsample/);
    expect((await parse(['fly'])).error).toMatch(/unknown command 'fly'/);
  });

  /** Examples not run here, each with why; a key that no example starts with any more fails the test. */
  const NOT_RUN: Record<string, string> = {
    'modelgate serve': 'serves until it is stopped (test/serve runs the server)',
    'modelgate push': 'needs S3 (test/store runs push against s3rver)',
    'modelgate package': 'writes 60 MB of zips (test/deploy packages)',
  };

  it('run as written from the repository root, where they need nothing the reader brings', async () => {
    symlinkSync(fileURLToPath(new URL('../../examples', import.meta.url)), join(root, 'examples'));
    const examples = await all();
    for (const prefix of Object.keys(NOT_RUN))
      expect(
        examples.some((e) => e.line.startsWith(prefix)),
        prefix,
      ).toBe(true);
    let ran = 0;
    // In the order the help shows them: the program's `predict model.onnx` reads what `train` wrote.
    for (const { line } of examples) {
      if (Object.keys(NOT_RUN).some((prefix) => line.startsWith(prefix))) continue;
      const r = await runCli(shellWords(line).slice(1), { cwd: root, env: { MODEL_URI: '' } });
      expect(r.stderr, line).toBe('');
      expect(r.code, line).toBe(0);
      ran++;
    }
    expect(ran).toBeGreaterThanOrEqual(8);
  });
});
