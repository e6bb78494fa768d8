// How the walk-through test reads a README: commands, what they print, markers, comments and `&&`.
import { describe, expect, it } from 'vitest';
import { andList, shBlocks, withoutComment } from './readme-commands.js';

const md = (...lines: string[]) => lines.join('\n');

describe('shBlocks', () => {
  it('reads one command a line, joins continuations and keeps the shown output', () => {
    const [block] = shBlocks(
      md(
        '# Title',
        '',
        '```sh',
        'curl -s -X POST http://127.0.0.1:8080/ \\',
        '  -d \'{"a": 1}\'',
        '# {"prediction":1}',
        'npx modelgate predict model.onnx   # a trailing comment',
        '```',
      ),
    );
    expect(block?.line).toBe(3);
    expect(block?.marker).toBeUndefined();
    expect(block?.commands).toEqual([
      {
        line: 4,
        written: 'curl -s -X POST http://127.0.0.1:8080/ \\\n  -d \'{"a": 1}\'',
        text: 'curl -s -X POST http://127.0.0.1:8080/ -d \'{"a": 1}\'',
        shown: ['{"prediction":1}'],
      },
      {
        line: 7,
        written: 'npx modelgate predict model.onnx   # a trailing comment',
        text: 'npx modelgate predict model.onnx',
      },
    ]);
  });

  it('takes an untagged block right after a sh block as its last command’s output, and only then', () => {
    const blocks = shBlocks(
      md(
        '```sh',
        'a',
        'b',
        '```',
        '',
        '```',
        'out 1',
        'out 2',
        '```',
        '```ts',
        'x',
        '```',
        '```',
        'not',
        '```',
      ),
    );
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.commands.map((c) => c.shown)).toEqual([undefined, ['out 1', 'out 2']]);
  });

  it('reads the walkthrough marker right above a block', () => {
    const blocks = shBlocks(
      md('<!-- walkthrough: needs an AWS account -->', '```sh', 'aws s3 ls', '```', '```sh', 'ls', '```'),
    );
    expect(blocks.map((b) => b.marker)).toEqual(['needs an AWS account', undefined]);
  });

  it('refuses a block that is never closed', () => {
    expect(() => shBlocks(md('text', '```sh', 'ls'))).toThrow('line 2: a code block is never closed');
  });
});

describe('withoutComment and andList', () => {
  it('cut at a # that starts a word outside quotes', () => {
    expect(withoutComment('echo \'# not\' "# not" a#b # yes')).toBe('echo \'# not\' "# not" a#b');
    expect(withoutComment('npm ci && npm start     # install')).toBe('npm ci && npm start');
  });

  it('split on && outside quotes', () => {
    expect(andList('npm ci && npm start')).toEqual(['npm ci', 'npm start']);
    expect(andList("echo 'a && b' && ls")).toEqual(["echo 'a && b'", 'ls']);
  });
});
