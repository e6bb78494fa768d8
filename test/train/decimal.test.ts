// DecimalReader against Number() and the reader's own checks, over spellings of every kind. The suite
// runs 600,000; a longer run sets the count:
//   DECIMAL_CASES=50000000 npx vitest run test/train/decimal.test.ts
import { describe, expect, it } from 'vitest';
import { plainSpelling } from '../../src/train/columns.js';
import { DecimalReader } from '../../src/train/decimal.js';
import { Random } from '../../src/train/random.js';

/** dataset.ts's NUMBER: the spellings the reader takes as numbers. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const CASES = Number(process.env.DECIMAL_CASES ?? 600_000);

const bits = new Float64Array(1);
const words = new BigUint64Array(bits.buffer);

function doubleOf(b: bigint): number {
  words[0] = b;
  return bits[0];
}

function bitsOf(x: number): bigint {
  bits[0] = x;
  return words[0];
}

/** x = m * 2^e exactly, m an integer (x positive and finite). */
function parts(x: number): [bigint, number] {
  const b = bitsOf(x);
  const exponent = Number((b >> 52n) & 0x7ffn);
  const fraction = b & ((1n << 52n) - 1n);
  return exponent === 0 ? [fraction, -1074] : [fraction | (1n << 52n), exponent - 1075];
}

/** The exact decimal spelling of m * 2^e. */
function exactDecimal(m: bigint, e: number): string {
  if (e >= 0) return (m << BigInt(e)).toString();
  const digits = (m * 5n ** BigInt(-e)).toString().padStart(-e + 1, '0');
  const point = digits.length + e;
  return `${digits.slice(0, point)}.${digits.slice(point)}`.replace(/0+$/, '').replace(/\.$/, '');
}

/** `s`'s significant digits cut to `n` (and with `bump`, one more in the last), in exponent form. */
function cut(s: string, n: number, bump: -1 | 0 | 1): string | undefined {
  const point = s.includes('.') ? s.indexOf('.') : s.length;
  const all = s.replace('.', '');
  const lead = all.search(/[1-9]/);
  if (lead < 0) return undefined;
  let digits = BigInt(all.slice(lead, lead + n).padEnd(n, '0')) + BigInt(bump);
  if (digits <= 0n) return undefined;
  if (digits.toString().length > n) digits /= 10n;
  const exponent = point - lead - n;
  return `${digits}e${exponent}`;
}

class Checker {
  readonly reader = new DecimalReader('.');
  readonly comma = new DecimalReader(',');
  count = 0;
  failures: string[] = [];

  /** A spelling of a number: read exactly as Number() reads it, to its end, with plainSpelling's verdict. */
  number(s: string): void {
    this.count++;
    const bytes = Buffer.from(`${s},`, 'latin1');
    const v = this.reader.read(bytes, 0);
    if (
      !Object.is(v, Number(s)) ||
      this.reader.end !== s.length ||
      this.reader.plain !== plainSpelling(s, '.')
    )
      this.fail(`${s}: ${v} to ${this.reader.end}, plain ${this.reader.plain}`);
  }

  /** Any text: a number if NUMBER says so (then as above), otherwise NaN or stopping short of its end. */
  any(s: string): void {
    if (NUMBER.test(s)) {
      this.number(s);
      const c = s.replace('.', ',');
      const v = this.comma.read(Buffer.from(`${c};`, 'latin1'), 0);
      if (
        !Object.is(v, Number(s)) ||
        this.comma.end !== c.length ||
        this.comma.plain !== plainSpelling(c, ',')
      )
        this.fail(`${c} with a decimal comma: ${v}`);
      return;
    }
    this.count++;
    const v = this.reader.read(Buffer.from(s, 'latin1'), 0);
    if (!Number.isNaN(v) && this.reader.end === s.length) this.fail(`${s} read as ${v}`);
  }

  private fail(message: string): void {
    if (this.failures.length < 20) this.failures.push(message);
  }
}

describe('DecimalReader', () => {
  it('reads every spelling of a double as Number() does', { timeout: 60_000 + CASES / 20 }, () => {
    const random = new Random(15);
    const check = new Checker();
    const u64 = () => (BigInt(random.int(2 ** 32)) << 32n) | BigInt(random.int(2 ** 32));
    const typical = () => (random.next() - 0.5) * 10 ** (random.next() * 16 - 8);
    const digits = (n: number) => Array.from({ length: n }, () => String(random.int(10))).join('');
    while (check.count < CASES) {
      // Any double, and the doubles of data, in their shortest, 16- to 21-digit and exponent spellings.
      for (const x of [doubleOf(u64()), typical(), typical(), typical()]) {
        if (!Number.isFinite(x)) continue;
        check.number(String(x));
        check.number(x.toPrecision(16 + random.int(6)));
        check.number(x.toExponential(14 + random.int(6)));
      }
      // Digit strings of 1-25 digits, a point anywhere, leading zeros, any exponent.
      {
        const n = 1 + random.int(25);
        let s = digits(n);
        if (random.int(3) > 0) {
          const at = random.int(n + 1);
          s = `${s.slice(0, at)}.${s.slice(at)}`;
        }
        if (random.int(4) === 0) s = `${'0'.repeat(random.int(4))}${s}`;
        if (random.int(3) === 0) s = `${s}e${random.int(90) - 45}`;
        if (random.int(2) === 0) s = `-${s}`;
        if (NUMBER.test(s)) check.number(s);
      }
      // Halfway between two doubles, cut at 17-20 digits, and one off in the last.
      {
        const x = random.int(4) === 0 ? Math.abs(doubleOf(u64())) : Math.abs(typical());
        if (Number.isFinite(x) && x > 0) {
          const [m, e] = parts(x);
          const mid = exactDecimal(2n * m + 1n, e - 1);
          for (const bump of [-1, 0, 1] as const) {
            const s = cut(mid, 17 + random.int(4), bump);
            if (s !== undefined) check.number(s);
          }
        }
      }
      // Exact ties the fast path settles: halfway points of doubles with few fraction bits, spelt whole.
      {
        const x = 2 ** (47 + random.int(16)) * (1 + random.next());
        const [m, e] = parts(x);
        check.number(exactDecimal(2n * m + 1n, e - 1));
        check.number(exactDecimal(2n * m - 1n, e - 1));
        check.number(exactDecimal(m, e));
      }
      // Next to powers of two, where the gap below is half the gap above.
      {
        const p = 2 ** (random.int(200) - 100);
        const x = doubleOf(bitsOf(p) + BigInt(random.int(7) - 3));
        check.number(x.toPrecision(17 + random.int(5)));
        check.number(String(x));
      }
      // Text that may or may not be a number.
      {
        const alphabet = '0123456789.+-eE, x';
        const n = random.int(9);
        let s = '';
        for (let k = 0; k < n; k++) s += alphabet[random.int(alphabet.length)];
        check.any(s);
      }
    }
    expect(check.failures).toEqual([]);
  });

  it('reads the edges as Number() does', () => {
    const check = new Checker();
    for (const s of [
      '0',
      '-0',
      '+0',
      '-0.000',
      '0e999999999',
      '-0e-5',
      '00012',
      '000.5',
      '.5',
      '5.',
      '1.e5',
      '+.5e-3',
      '-.5E+3',
      '1e22',
      '1e23',
      '1e44',
      '1e45',
      '9007199254740992',
      '9007199254740993',
      '9007199254740995',
      '9007199254740993.0',
      '18446744073709551615',
      '9999999999999999999',
      '123456789012345678901234567890',
      '0.1',
      '0.30000000000000004',
      '0.30000000000000001',
      '0.0000001',
      '0.000001',
      '1.7976931348623157e308',
      '1.7976931348623158e308',
      '1.7976931348623159e308',
      '1e400',
      '1e-400',
      '1e999999999',
      '4.9e-324',
      '2.4703282292062327e-324',
      '2.4703282292062328e-324',
      '2.2250738585072011e-308',
      '2.2250738585072014e-308',
      '1.5e-7',
      '123456789012345.6',
      '0.12345678901234567890123',
    ])
      check.any(s);
    for (const s of [
      '',
      '-',
      '+',
      '.',
      '-.',
      'e5',
      '1e',
      '1e+',
      '1.5.3',
      '--1',
      ' 1',
      '1 ',
      '1,5',
      'inf',
      'NaN',
    ])
      check.any(s);
    expect(check.failures).toEqual([]);
    expect(check.count).toBeGreaterThan(50);
  });

  it('reads a cell where it lies and stops at the first character not its own', () => {
    const reader = new DecimalReader('.');
    const text = 'x,-0.48899583621860376,12;1e5\n';
    const bytes = Buffer.from(text, 'latin1');
    expect(reader.read(bytes, 2)).toBe(-0.48899583621860376);
    expect(text[reader.end]).toBe(',');
    expect(reader.read(bytes, 23)).toBe(12);
    expect(reader.end).toBe(25);
    expect(reader.read(bytes, 26)).toBe(1e5);
    expect(reader.plain).toBe(false);
    expect(text[reader.end]).toBe('\n');
    expect(reader.read(bytes, 0)).toBeNaN();
    // Past the bytes, the cell ends.
    expect(reader.read(bytes.subarray(0, 24), 23)).toBe(1);
  });
});
