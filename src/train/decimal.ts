// Decimal cells into doubles where they lie in the text's bytes, without a string cut per cell: at
// 800,000 x 21 cells of 16-19 characters, Number() on each cell's substring was a third of reading the
// file (V8's fast path covers 15 digits; longer ones took ~150 ns), the substrings another part.
//
// The result is exactly Number(cell), the double nearest the decimal (ties to even), by cases:
// - at most 15 significant digits, or 16-19 making an integer M below 2^53, and a decimal exponent e
//   with |e| <= 22: M and 10^|e| are exact doubles (5^22 < 2^53), so one IEEE multiply or divide, itself
//   correctly rounded, is the nearest double (Clinger's fast path); up to 10^44 while M * 10^(e-22) is an
//   exact integer below 2^53.
// - 16-19 significant digits, M >= 2^53, and -22 <= e <= 0 (a double's usual spelling,
//   0.48899583621860376): v = M / 10^q, q = -e. M = a * 10^k + b with a its first 15 digits, and
//   a * 10^k = p1 + e1 exactly (Dekker's two-product); x0 = (p1 + (e1 + b)) / 10^q is within about an
//   ulp of v, and checked, not trusted: r = M - x0 * 10^q = ((p1 - ph) + (e1 + b)) - pl, where
//   x0 * 10^q = ph + pl exactly (two-product), is exact: p1, ph, e1 and b are integers (doubles of 2^52
//   and more are) and p1 - ph is small, so the integer sums are exact; the last subtraction is checked
//   exact (its two-sum error is zero; every term is a multiple of 2^min(0, ex + q), ulp(x0) = 2^ex,
//   and |r| <= 3 * 10^q * ulp(x0) is fewer than 2^53 of them, 5^22 < 2^52). x0 is Number(cell) iff
//   -h(below) < r < h(above), h = 10^q * (the gap to that neighbour) / 2, an exact double; r = h is a
//   tie, x0's if x0 is even. Exact comparisons of exact values. If x0 fails, x1 = x0 + r / 10^q (within
//   half an ulp and a hair) is checked the same way; if it fails too, Number() decides.
// - Anything else (20 digits or more, further exponents, a larger M times a positive exponent):
//   Number() of the cell's substring, as every cell had before.
// test/train/decimal.test.ts compares it with Number() over spellings of every kind, halfway points
// and edges (DECIMAL_CASES sets how many).

const ZERO = 48;
const NINE = 57;
const PLUS = 43;
const MINUS = 45;
const LOWER_E = 101;
const UPPER_E = 69;

/** 2^53: integers below it are exact doubles. */
const EXACT = 9007199254740992;
/** Dekker's splitter for doubles: 2^27 + 1. */
const SPLITTER = 134217729;

/** 10^0 ... 10^22, each exact (10^i = 5^i * 2^i, 5^22 < 2^53), so each product by 10 is exact too. */
const POW10: readonly number[] = (() => {
  const p = [1];
  for (let i = 1; i <= 22; i++) p.push(p[i - 1] * 10);
  return p;
})();
/** Each power's Dekker halves, for the two-products. */
const POW10_HI = POW10.map((p) => {
  const t = SPLITTER * p;
  return t - (t - p);
});
const POW10_LO = POW10.map((p, i) => p - POW10_HI[i]);

/** The error of the product `p = fl(a * b)`, b given by its Dekker halves: a * b = p + error exactly. */
function productError(a: number, p: number, bHi: number, bLo: number): number {
  const t = SPLITTER * a;
  const aHi = t - (t - a);
  const aLo = a - aHi;
  return aHi * bHi - p + aHi * bLo + aLo * bHi + aLo * bLo;
}

/** Whether the four bytes of `w` (read little-endian) are all ASCII digits. */
function fourDigits(w: number): boolean {
  return (w & 0xf0f0f0f0) === 0x30303030 && ((w + 0x06060606) & 0xf0f0f0f0) === 0x30303030;
}

/** The number four ASCII digits spell, read little-endian into `w` (the first digit lowest). */
function fourValue(w: number): number {
  const d = w - 0x30303030;
  // Pairs: 10 * first + second in bytes 0 and 2; then the two pairs.
  const t = (Math.imul(d, 10) + (d >>> 8)) & 0x00ff00ff;
  return (t & 0xff) * 100 + (t >>> 16);
}

/**
 * Reads decimal cells where they lie in a text's bytes (ASCII, one byte a character): `read` gives the
 * number of the cell that starts at `start`, exactly as `Number(cell)`, and `end`, where the cell's
 * spelling stops (the first byte that cannot continue it: a delimiter, a line end, anything else). NaN
 * when no plain decimal starts there (the spellings dataset.ts's NUMBER accepts, with the given decimal
 * mark: sign, digits, fraction, exponent). `plain` then says what columns.ts's plainSpelling says of the
 * cell; so that neither needs a substring.
 */
export class DecimalReader {
  /** Where the last cell read stops. */
  end = 0;
  /** Whether the last cell read is spelt as JavaScript spells its number (plainSpelling). */
  plain = false;
  /** The last cell's number (`scan`). */
  number = 0;
  /** The first 15 significant digits of the cell being read. */
  private a = 0;
  private readonly mark: number;
  /** A double's bits, for its gap to its neighbours and its parity. */
  private readonly bits = new Float64Array(1);
  private readonly words = new Uint32Array(this.bits.buffer);
  private readonly high: number;

  /** A DataView of the last bytes read, for the four-digit loads. */
  private viewOf: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewed: Uint8Array | undefined;

  /** A DataView over `bytes` (kept while the bytes are the same). */
  private view(bytes: Uint8Array): DataView<ArrayBufferLike> {
    if (this.viewed !== bytes) {
      this.viewed = bytes;
      this.viewOf = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    return this.viewOf;
  }

  constructor(private readonly decimal: '.' | ',') {
    this.mark = decimal.charCodeAt(0);
    this.bits[0] = 1;
    this.high = this.words[1] === 0x3ff00000 ? 1 : 0;
  }

  /** The number spelt from `start` in `bytes`; NaN if none. Past the bytes, reads as undefined end the cell. */
  read(bytes: Buffer, start: number): number {
    return this.scan(bytes, start) ? this.number : Number.NaN;
  }

  /**
   * Reads the number spelt from `start` in `bytes` into `number` (with `end` and `plain`); false if
   * none. The reader's fields carry the doubles, which a call's arguments and result would box.
   */
  scan(bytes: Buffer, start: number): boolean {
    const mark = this.mark;
    let i = start;
    let c = bytes[i];
    const negative = c === MINUS;
    const plus = c === PLUS;
    if (negative || plus) c = bytes[++i];
    // The significant digits: the first 15 in `a` (exact), the next 4 in `b`; `digits` counts them all.
    let a = 0;
    let b = 0;
    let digits = 0;
    const integerStart = i;
    while (c === ZERO) c = bytes[++i];
    const leadingZero = i > integerStart;
    while (c >= ZERO && c <= NINE) {
      if (digits < 15) a = a * 10 + (c - ZERO);
      else if (digits < 19) b = b * 10 + (c - ZERO);
      digits++;
      c = bytes[++i];
    }
    const integer = i - integerStart;
    let fraction = 0;
    let mantissaEnd = i;
    /** Zeros after the mark before any significant digit (0.000001 is spelt 0.000001, 0.0000001 1e-7). */
    let fractionZeros = 0;
    const marked = c === mark;
    if (marked) {
      c = bytes[++i];
      const fractionStart = i;
      if (digits === 0) {
        while (c === ZERO) c = bytes[++i];
        fractionZeros = i - fractionStart;
      }
      // Four digits at a time while `a` has room for them (SWAR: one 32-bit load and no branch for
      // four digits, and a shorter chain of multiplies), then one at a time.
      const view = this.view(bytes);
      while (digits <= 11 && i + 4 <= bytes.length) {
        const w = view.getUint32(i, true);
        if (!fourDigits(w)) break;
        a = a * 10000 + fourValue(w);
        digits += 4;
        i += 4;
      }
      c = bytes[i];
      while (c >= ZERO && c <= NINE) {
        if (digits < 15) a = a * 10 + (c - ZERO);
        else if (digits < 19) b = b * 10 + (c - ZERO);
        digits++;
        c = bytes[++i];
      }
      fraction = i - fractionStart;
      mantissaEnd = i;
    }
    if (integer + fraction === 0) return false;
    let exponent = 0;
    const exponented = c === LOWER_E || c === UPPER_E;
    if (exponented) {
      c = bytes[++i];
      const exponentNegative = c === MINUS;
      if (exponentNegative || c === PLUS) c = bytes[++i];
      const exponentStart = i;
      while (c >= ZERO && c <= NINE) {
        // Past a million the value is 0 or infinite whatever follows; Number() says which.
        if (exponent < 1e6) exponent = exponent * 10 + (c - ZERO);
        c = bytes[++i];
      }
      if (i === exponentStart) return false;
      if (exponentNegative) exponent = -exponent;
    }
    this.end = i;
    this.plain =
      !plus &&
      !exponented &&
      integer >= 1 &&
      integer <= 15 &&
      !(leadingZero && integer > 1) &&
      (marked
        ? fraction > 0 && bytes[mantissaEnd - 1] !== ZERO && !(leadingZero && fractionZeros >= 6)
        : !(leadingZero && negative));
    if (digits === 0) {
      this.number = negative ? -0 : 0;
      return true;
    }
    this.a = a;
    if (digits > 19 || !this.value(b, digits, exponent - fraction)) {
      const cell = bytes.toString('latin1', start, i);
      this.number = Number(this.decimal === ',' ? cell.replace(',', '.') : cell);
    } else if (negative) this.number = -this.number;
    return true;
  }

  /** Sets `number` to (a * 10^(digits - 15) + b) * 10^e for `digits` significant digits; false where unproven. */
  private value(b: number, digits: number, e: number): boolean {
    const a = this.a;
    let m = a;
    if (digits > 15) {
      m = a * POW10[digits - 15] + b;
      // Below 2^53 both the product and the sum were exact (a rounded result below 2^53 means an exact one below it).
      if (m >= EXACT) return e <= 0 && e >= -22 && this.nearest(b, digits - 15, -e);
    }
    let v = Number.NaN;
    if (e >= 0) {
      if (e <= 22) v = m * POW10[e];
      else if (e <= 44) {
        const t = m * POW10[e - 22];
        if (t < EXACT) v = t * POW10[22];
      }
    } else if (e >= -22) v = m / POW10[-e];
    this.number = v;
    return !Number.isNaN(v);
  }

  /** Sets `number` to the double nearest M / 10^q, M = a * 10^k + b >= 2^53 (k 1-4, b < 10^k, q <= 22); false if unsure. */
  private nearest(b: number, k: number, q: number): boolean {
    const a = this.a;
    const p1 = a * POW10[k];
    // e1 + b: integers of at most 2^14.
    const low = productError(a, p1, POW10_HI[k], POW10_LO[k]) + b;
    const p = POW10[q];
    // Most often x0 is the nearest already; else its residual corrects it.
    const x0 = (p1 + low) / p;
    const r0 = this.residual(x0, p1, low, q);
    let x = this.checked(x0, r0, p);
    if (Number.isNaN(x) && !Number.isNaN(r0)) {
      const x1 = x0 + r0 / p;
      x = this.checked(x1, this.residual(x1, p1, low, q), p);
    }
    this.number = x;
    return !Number.isNaN(x);
  }

  /** x, if it is the double nearest x + r / p (r exact, or NaN); NaN if not. */
  private checked(x: number, r: number, p: number): number {
    const { bits, words, high } = this;
    bits[0] = x;
    const hi = words[high];
    const lo = words[1 - high];
    // The gap above x: 2^(biased exponent - 1075); below, half of it at a power of two.
    words[high] = ((hi >>> 20) - 52) << 20;
    words[1 - high] = 0;
    const up = bits[0];
    const down = (hi & 0xfffff) === 0 && lo === 0 ? up / 2 : up;
    const above = p * up * 0.5;
    const below = p * down * 0.5;
    if (r < above && r > -below) return x;
    // A tie goes to the even one.
    if ((r === above || r === -below) && (lo & 1) === 0) return x;
    return Number.NaN;
  }

  /**
   * M - x * 10^q, exact (see the file's comment), or NaN where its last step was not. M = p1 + low, p1
   * the rounded a * 10^k, low the rest.
   */
  private residual(x: number, p1: number, low: number, q: number): number {
    const ph = x * POW10[q];
    const pl = productError(x, ph, POW10_HI[q], POW10_LO[q]);
    const s = p1 - ph + low;
    // Two-sum of s - pl: r plus its rounding error `err`, exactly.
    const r = s - pl;
    const back = r - s;
    const err = s - (r - back) + (-pl - back);
    return err === 0 ? r : Number.NaN;
  }
}
