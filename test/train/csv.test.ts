import { describe, expect, it, vi } from 'vitest';
import { plainSpelling } from '../../src/train/columns.js';
import { CsvReader, normalizeColumnName, parseCsv } from '../../src/train/csv.js';
import { DecimalReader } from '../../src/train/decimal.js';
import { TrainingDataError } from '../../src/train/errors.js';
import { Random } from '../../src/train/random.js';

describe('CSV reading', () => {
  it('normalizes column names as the reference does', () => {
    expect(normalizeColumnName('Sepal.Length')).toBe('sepal_length');
    expect(normalizeColumnName(' Petal Width ')).toBe('petal_width');
    expect(normalizeColumnName('variety')).toBe('variety');
  });

  it('reads a header and records, keeping line numbers, skipping blank lines and a BOM', () => {
    const t = parseCsv('\ufeffSepal.Length,Species\n5.1,setosa\n\n"4.9","set,osa"\n', 'data.csv');
    expect(t.columns).toEqual(['sepal_length', 'species']);
    expect(t.rawColumns).toEqual(['Sepal.Length', 'Species']);
    expect(t.records).toEqual([
      ['5.1', 'setosa'],
      ['4.9', 'set,osa'],
    ]);
    expect([0, 1].map((i) => t.lineOf(i))).toEqual([2, 4]);
  });

  it('names the line of a ragged row', () => {
    const bad = 'a,b,c\n1,2,3\n4,5\n6,7,8\n';
    expect(() => parseCsv(bad, 'data.csv')).toThrow(TrainingDataError);
    expect(() => parseCsv(bad, 'data.csv')).toThrow(
      'data.csv, line 3: the row has 2 fields, the header has 3',
    );
  });

  it('names the line a ragged row starts on, past multi-line fields and blank lines', () => {
    const bad = 'a,b\n1,"two\nlines"\n\n   \n3,4\n5\n';
    expect(() => parseCsv(bad, 'm.csv')).toThrow('m.csv, line 7: the row has 1 field, the header has 2');
  });

  it('trims white space around cells and names', () => {
    const t = parseCsv(' a , b \n 1 ,2\t\n', 's.csv');
    expect(t.columns).toEqual(['a', 'b']);
    expect(t.records).toEqual([['1', '2']]);
  });

  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n\n  \n'],
  ])('rejects %s', (_, text) => {
    expect(() => parseCsv(text, 'e.csv')).toThrow('e.csv is empty: expected a header line and data rows');
  });

  it('rejects a header with no rows', () => {
    expect(() => parseCsv('a,b\n', 'h.csv')).toThrow('h.csv has a header but no data rows');
  });

  it('rejects two columns that normalize to one name', () => {
    expect(() => parseCsv('Petal.Width,petal width\n1,2\n', 'd.csv')).toThrow(
      'd.csv: columns "Petal.Width" and "petal width" both normalize to "petal_width"',
    );
  });

  it('rejects a column without a name', () => {
    expect(() => parseCsv('a,,c\n1,2,3\n', 'd.csv')).toThrow('column 2 of the header has no name');
  });

  it('names the line of an unclosed quote', () => {
    expect(() => parseCsv('a,b\n1,"2\n', 'q.csv')).toThrow(/q\.csv, line 2: .*[Qq]uote/);
  });
});

describe('the delimiter', () => {
  it.each([
    ['comma', 'a,b,y\n1,2,x\n3,4,y\n', ','],
    ['semicolon', 'a;b;y\n1,5;2;x\n3;4,25;y\n', ';'],
    ['tab', 'a\tb\ty\n1\t2\tx\n3\t\ty\n', '\t'],
    ['pipe', 'a|b|y\n1|2|x\n3|4|y\n', '|'],
    ['semicolon, with commas inside quotes', 'name;y\n"Smith, J";1\n"Jones, K";2\n', ';'],
    ['comma, with semicolons and a newline inside quotes', 'a,b\n"x;y;z",1\n"p\nq;r",2\n', ','],
  ])('is sniffed: %s', (_, text, delimiter) => {
    const t = parseCsv(text, 'd.csv');
    expect(t.delimiter).toBe(delimiter);
    expect(t.sniffed).toBe(true);
    expect(t.records[0].length).toBe(t.columns.length);
  });

  it('reads CRLF line ends, and skips lines of delimiters only as the reader does', () => {
    const t = parseCsv('a;b\r\n1;2\r\n;\r\n3;4\r\n', 'd.csv');
    expect(t.delimiter).toBe(';');
    expect(t.records).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('judges from the header and the first 50 records only', () => {
    // Record 51 would tell (a semicolon too many), but the sniffer reads no further.
    const rows = Array.from({ length: 60 }, (_, i) => (i === 50 ? '1;2;3,4' : `${i};2,3`));
    expect(() => parseCsv(`a;b,c\n${rows.join('\n')}\n`, 'd.csv')).toThrow('cannot tell the delimiter');
  });

  it('reads the records of a semicolon file with decimal commas', () => {
    const t = parseCsv('a;b\n1,5;2\n3;4,25\n', 'd.csv');
    expect(t.records).toEqual([
      ['1,5', '2'],
      ['3', '4,25'],
    ]);
  });

  it('names the candidates when more than one splits every line evenly', () => {
    const text = 'a;b,c\n1;2,3\n4;5,6\n';
    expect(() => parseCsv(text, 'd.csv')).toThrow(TrainingDataError);
    expect(() => parseCsv(text, 'd.csv')).toThrow(
      'd.csv: cannot tell the delimiter: comma (2 fields), semicolon (2 fields) each split every line evenly; say which with --delimiter',
    );
    expect(parseCsv(text, 'd.csv', { delimiter: ';' }).columns).toEqual(['a', 'b,c']);
  });

  it('takes the delimiter given, and reads a one-column file with a comma', () => {
    const t = parseCsv('a|b\n1|2\n', 'd.csv', { delimiter: '|' });
    expect([t.delimiter, t.sniffed, t.columns]).toEqual(['|', false, ['a', 'b']]);
    expect(parseCsv('y\n1\n2\n', 'd.csv').delimiter).toBe(',');
  });

  it('never sniffs a comma with --decimal ,', () => {
    expect(parseCsv('a;b\n1,5;2\n', 'd.csv', { decimal: ',' }).delimiter).toBe(';');
    expect(() => parseCsv('a,b\n1,2\n', 'd.csv', { decimal: ',' })).toThrow(
      'with --decimal , the fields must be separated by a semicolon, a tab or a pipe',
    );
    expect(() => parseCsv('a;b\n1;2\n', 'd.csv', { decimal: ',', delimiter: ',' })).toThrow(
      '--decimal , and --delimiter , cannot be used together',
    );
  });

  it('still names the first ragged line when no delimiter splits the file evenly', () => {
    expect(() => parseCsv('a;b;c\n1;2;3\n4;5\n', 'd.csv')).toThrow(
      'd.csv, line 3: the row has 2 fields, the header has 3',
    );
  });
});

describe('reading a file a piece at a time', () => {
  // Quotes around delimiters, doubled quotes and newlines; CRLF; blank lines; a BOM; characters of
  // two, three and four bytes in UTF-8: every boundary a chunk can cut.
  const text =
    '\ufeffname,x,note\r\n"Smith, J",1.5,"say ""hi"""\r\n\r\nÉmile,-2,"two\nlines"\n  \n李,3e2,🙂\n"a",,x\n';

  const summary = (t: ReturnType<typeof parseCsv>) => ({
    columns: t.columns,
    records: t.records,
    lines: t.records.map((_, i) => t.lineOf(i)),
    kinds: t.columns.map((_, c) => t.column(c).kind),
  });

  it('reads the same table whatever the pieces', () => {
    const whole = summary(parseCsv(text, 'd.csv'));
    expect(whole.records).toEqual([
      ['Smith, J', '1.5', 'say "hi"'],
      ['Émile', '-2', 'two\nlines'],
      ['李', '3e2', '🙂'],
      ['a', '', 'x'],
    ]);
    expect(whole.lines).toEqual([2, 4, 7, 8]);
    expect(whole.kinds).toEqual(['text', 'number', 'text']);
    const bytes = new TextEncoder().encode(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)];
      expect(summary(parseCsv(pieces, 'd.csv'))).toEqual(whole);
    }
    const single = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(summary(parseCsv(single, 'd.csv'))).toEqual(whole);
  });

  it('reads bytes that are not UTF-8 as U+FFFD, wherever a chunk cuts them', () => {
    // A stray byte, a sequence cut by a line end, a surrogate's encoding, a file ending mid-sequence:
    // as TextDecoder reads them.
    const bytes = Uint8Array.of(
      ...new TextEncoder().encode('a,b\nx'),
      0xff,
      0x2c,
      0xe2,
      0x82,
      0x0a,
      ...new TextEncoder().encode('1,'),
      0xed,
      0xa0,
      0x80,
      0x79,
      0xf0,
      0x9f,
      0x99,
    );
    const expected = [
      ['x\ufffd', '\ufffd'],
      ['1', '\ufffd\ufffd\ufffdy\ufffd'],
    ];
    expect(parseCsv(bytes, 'd.csv').records).toEqual(expected);
    for (let cut = 0; cut <= bytes.length; cut++)
      expect(parseCsv([bytes.subarray(0, cut), bytes.subarray(cut)], 'd.csv').records).toEqual(expected);
  });

  it('reads a piece of ASCII after a piece that ends in a cut character as UTF-8 has it', () => {
    // The piece after a stray lead byte is ASCII, which is read without the decoder, unless the
    // decoder holds the byte: then it must come out first, as U+FFFD.
    const enc = (t: string) => new TextEncoder().encode(t);
    const pieces = [
      enc('a,b\nx,'),
      Uint8Array.of(0xc3),
      enc('1\ny,2\n'),
      Uint8Array.of(0xe2, 0x82),
      enc('z,3\n'),
    ];
    const whole = new TextDecoder().decode(Buffer.concat(pieces));
    expect(parseCsv(pieces, 'd.csv').records).toEqual(parseCsv(whole, 'd.csv').records);
    expect(parseCsv(pieces, 'd.csv').records[0]).toEqual(['x', '\ufffd1']);
  });

  it('reads pieces pushed one by one', () => {
    const reader = new CsvReader('d.csv');
    for (const piece of ['a,', 'b\n1', ',x\n2,y', '\n']) reader.push(piece);
    expect(reader.end().records).toEqual([
      ['1', 'x'],
      ['2', 'y'],
    ]);
  });

  it('names the line of a row after a skipped line of delimiters', () => {
    // The old reader counted from the end of the last row it kept, and named the skipped line 3.
    expect(() => parseCsv('a;b\n1;2\n;\n3\n', 'd.csv')).toThrow(
      'd.csv, line 4: the row has 1 field, the header has 2',
    );
  });

  it('holds numbers as numbers, and a column that turns to text late as text', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${i / 4},${i === 2500 ? 'late' : i},NA`);
    const t = parseCsv(`x,y,z\n${rows.join('\n')}\n`, 'd.csv');
    const [x, y, z] = [0, 1, 2].map((c) => t.column(c));
    expect([x.kind, y.kind, z.kind]).toEqual(['number', 'text', 'number']);
    if (x.kind !== 'number' || y.kind !== 'text' || z.kind !== 'number') return;
    expect([x.value(5), x.cell(5)]).toEqual([1.25, '1.25']);
    expect([y.cell(7), y.cell(2500), y.values.length]).toEqual(['7', 'late', 3000]);
    expect(Number.isNaN(z.value(0))).toBe(true);
  });

  it('keeps the file spelling of numbers in a column that turns to text late', () => {
    // A code column: numbers for 2,000 rows ("007", "1.50", "-0", "1e3", "0.0000001"), then a code
    // that is text. Its categories must be the file's cells: a client sends "007", not "7".
    const odd = ['007', '1.50', '-0', '1e3', '0.0000001', '+4', '12.', '.5', '3', '2.25'];
    const cells = Array.from({ length: 3000 }, (_, i) =>
      i < 2500 ? (odd[i % odd.length] as string) : 'K1A',
    );
    for (const decimal of ['.', ','] as const) {
      const spell = (c: string) => (decimal === ',' ? c.replace('.', ',') : c);
      const delimiter = decimal === '.' ? ',' : ';';
      const body = cells.map((c, i) => `${spell(c)}${delimiter}${i % 2}`).join('\n');
      const t = parseCsv(`code${delimiter}y\n${body}\n`, 'd.csv', { decimal, delimiter });
      const code = t.column(0);
      expect(code.kind).toBe('text');
      if (code.kind !== 'text') return;
      expect(code.values).toEqual([...odd.map(spell), 'K1A']);
    }
    // The same cells in a column that stays numbers are its numbers.
    const t = parseCsv(`code\n${odd.join('\n')}\n`, 'd.csv');
    const code = t.column(0);
    expect(code.kind).toBe('number');
    if (code.kind === 'number') expect(code.value(0)).toBe(7);
  });

  it('takes a cell as spelt as its number only where it is (the fast check of the reader)', () => {
    const random = new Random(3);
    const digits = (n: number) => Array.from({ length: n }, () => String(random.int(10))).join('');
    let plain = 0;
    for (let k = 0; k < 20_000; k++) {
      const sign = random.int(4) === 0 ? '-' : '';
      // Up to 15 significant digits, which any double's spelling round-trips.
      const fraction = random.int(3) === 0 ? '' : `.${digits(1 + random.int(7))}`;
      const cell = `${sign}${digits(1 + random.int(8))}${fraction}`;
      for (const [spelt, decimal] of [
        [cell, '.'],
        [cell.replace('.', ','), ','],
      ] as const) {
        if (!plainSpelling(spelt, decimal)) continue;
        plain++;
        expect(String(Number(cell)).replace('.', decimal), spelt).toBe(spelt);
      }
    }
    expect(plain).toBeGreaterThan(10_000);
    // Long integers are compared (2^53 + 1 is not exact); so are exponents and padded zeros.
    for (const cell of [
      '9007199254740993',
      '1234567890123456789012',
      '1e3',
      '007',
      '1.50',
      '-0',
      '0.0000001',
    ])
      expect(plainSpelling(cell, '.'), cell).toBe(false);
  });

  it('keeps the spelling of infinities for the message that refuses them', () => {
    const t = parseCsv('x,y\n1,0\n-inf,1\n1e400,0\n', 'd.csv');
    const x = t.column(0);
    expect(x.kind).toBe('number');
    expect([1, 2].map((r) => x.cell(r))).toEqual(['-inf', '1e400']);
  });
});

describe('reading records from their bytes (the fast path)', () => {
  /**
   * 2,000 records of every kind past the first 1,024 (after which the number columns read numbers in
   * place): spellings plain and not, missing values, infinities, quotes, white space, CR LF and CR,
   * blank lines, lines of delimiters, a column that turns to text, one that holds text throughout.
   */
  function table(seed: number, d: string, mark: '.' | ','): string {
    const random = new Random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[random.int(xs.length)];
    const number = () => {
      const x = (random.next() - 0.5) * 10 ** (random.int(12) - 4);
      return pick([String(x), x.toPrecision(17), x.toFixed(2), String(Math.round(x)), x.toExponential(3)]);
    };
    const odd = [
      '1.50',
      '007',
      '1e3',
      '+5',
      '-0',
      '0.0000001',
      '123456789012345678901',
      '9007199254740993',
      '-.5',
      '5.',
      '1.7976931348623159e308',
      '',
      'NA',
      'nan',
      'inf',
      '-Infinity',
      ' 2.5',
      '2.5 ',
      d === '\t' ? ' 3' : '\t3',
      '"4.5"',
      ' "4.5"',
      '4"5',
      '1e',
      '1.5.3',
    ];
    const lines: string[] = ['a,b,c,d,e'.replaceAll(',', d)];
    for (let r = 0; r < 2000; r++) {
      const late = r === 1500 ? 'text' : number();
      const cells = [number(), random.int(5) === 0 ? pick(odd) : number(), pick(['x', 'y', 'z z']), late];
      cells.push(random.int(3) === 0 ? pick(odd) : number());
      let line = cells.map((c) => (mark === ',' ? c.replace('.', ',') : c)).join(d);
      if (random.int(50) === 0) line = d.repeat(4);
      if (random.int(80) === 0) line = '';
      lines.push(line);
    }
    let text = '';
    for (const line of lines)
      text += line + (random.int(20) === 0 ? '\r\n' : random.int(200) === 0 ? '\r' : '\n');
    return text;
  }

  const summary = (t: ReturnType<typeof parseCsv>) => ({
    rows: t.rows,
    records: t.records,
    lines: Array.from({ length: t.rows }, (_, i) => t.lineOf(i)),
    kinds: t.columns.map((_, c) => t.column(c).kind),
    values: t.columns.map((_, c) => {
      const column = t.column(c);
      return column.kind === 'number'
        ? Array.from({ length: t.rows }, (_, r) => column.value(r))
        : column.values;
    }),
  });

  /** The same table through the text path: a header that is not ASCII keeps the whole text off the fast one. */
  const throughText = (text: string) => text.replace('a', 'á');

  it('reads the table the text path reads, at every boundary of its pieces', () => {
    const read = vi.spyOn(DecimalReader.prototype, 'scan');
    try {
      for (const [d, mark] of [
        [',', '.'],
        [';', ','],
        ['\t', '.'],
        ['|', '.'],
      ] as const) {
        const text = table(7, d, mark);
        const options = { delimiter: d, decimal: mark };
        read.mockClear();
        const expected = summary(parseCsv(throughText(text), 'd.csv', options));
        expect(read).not.toHaveBeenCalled();
        expect(summary(parseCsv(text, 'd.csv', options))).toEqual(expected);
        expect(read.mock.calls.length).toBeGreaterThan(1000);
        // A chunk may cut a record, a number, a CR LF anywhere.
        const bytes = new TextEncoder().encode(text);
        const random = new Random(11);
        const pieces: Uint8Array[] = [];
        for (let at = 0; at < bytes.length; ) {
          const n = 1 + random.int(2000);
          pieces.push(bytes.subarray(at, at + n));
          at += n;
        }
        expect(summary(parseCsv(pieces, 'd.csv', options))).toEqual(expected);
      }
    } finally {
      read.mockRestore();
    }
  });

  it('reads a long text as its bytes, a character whose two halves a cut parts', () => {
    // Past half a million characters a text is read in pieces: one cut falls inside the emoji.
    const rows = Array.from({ length: 40_000 }, (_, r) => `${r % 7}.25,${r},x${r % 3}`);
    let text = `a,b,c\n${rows.join('\n')}\n`;
    const cut = (1 << 19) - 1;
    const lineStart = text.lastIndexOf('\n', cut - 100) + 1;
    text = `${text.slice(0, lineStart)}1,2,${'y'.repeat(cut - lineStart - 4)}🙂\n${text.slice(lineStart)}`;
    expect(text.charCodeAt(1 << 19)).toBe(0xde42);
    const t = parseCsv(text, 'd.csv');
    expect(summary(t)).toEqual(summary(parseCsv(new TextEncoder().encode(text), 'd.csv')));
    const c = t.column(2);
    expect(c.kind === 'text' && c.values.some((v) => v.endsWith('🙂'))).toBe(true);
  });

  it('names the same line for a ragged row or a bad quote past the first rows', () => {
    const text = table(8, ',', '.');
    const lines = text.split('\n');
    for (const [bad, at, message] of [
      ['1,2,x,4', 1800, /line 1801: the row has 4 fields, the header has 5/],
      ['1,2,x,4,5,6', 1800, /line 1801: the row has 6 fields, the header has 5/],
      ['1,2,"x"y,4,5', 1800, /line 1801: trailing quote on quoted field is malformed/],
      ['1,2,"x,4,5', lines.length, /line \d+: quoted field unterminated/],
    ] as const) {
      const broken = [...lines.slice(0, at), bad, ...lines.slice(at)].join('\n');
      const error = (t: string) => {
        try {
          parseCsv(t, 'd.csv');
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      };
      const expected = error(throughText(broken));
      expect(expected).toMatch(message);
      expect(error(broken)).toBe(expected);
    }
  });
});
