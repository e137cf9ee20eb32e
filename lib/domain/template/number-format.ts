/**
 * A subset of Java's `DecimalFormat`, for Kestra's `numberFormat` filter: prefix/suffix text,
 * grouping (`#,##0`), minimum integer digits, minimum/maximum fraction digits, `%` and `‰`.
 * Rounding is HALF_EVEN on the exact binary value, as `DecimalFormat` does, which `toFixed` does not.
 */
import { TemplateError } from './errors';

interface DecimalPattern {
  prefix: string;
  suffix: string;
  multiplier: number;
  minInt: number;
  minFrac: number;
  maxFrac: number;
  groupSize: number;
}

const cache = new Map<string, DecimalPattern>();

/** `NumberFormat.getInstance(Locale.US)`. */
export const DEFAULT_NUMBER_PATTERN = '#,##0.###';

function parseAffix(text: string, pattern: string): { text: string; multiplier: number } {
  let out = '';
  let multiplier = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new TemplateError(`Unterminated quote in number pattern "${pattern}"`);
      out += end === i + 1 ? "'" : text.slice(i + 1, end);
      i = end;
    } else if (c === '%') {
      multiplier = 100;
      out += '%';
    } else if (c === '\u2030') {
      multiplier = 1000;
      out += c;
    } else if (c === '\u00a4') {
      throw new TemplateError(`Currency signs are not supported in number pattern "${pattern}"`);
    } else {
      out += c;
    }
  }
  return { text: out, multiplier };
}

function compile(pattern: string): DecimalPattern {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const semicolon = pattern.indexOf(';');
  const positive = semicolon < 0 ? pattern : pattern.slice(0, semicolon);
  const m = /^((?:'[^']*'|[^#0,.'])*)([#0,.]+)((?:'[^']*'|[^#0,.'])*)$/.exec(positive);
  if (!m) throw new TemplateError(`Malformed number pattern "${pattern}"`);
  // All three groups take part in every match (the affixes may be empty).
  const [, prefixPattern = '', digits = '', suffixPattern = ''] = m;
  const [intPart = '', fracPart = ''] = digits.split('.', 2);
  if (digits.split('.').length > 2 || fracPart.includes(',')) throw new TemplateError(`Malformed number pattern "${pattern}"`);
  const prefix = parseAffix(prefixPattern, pattern);
  const suffix = parseAffix(suffixPattern, pattern);
  if (/E/.test(suffixPattern)) throw new TemplateError(`Scientific notation is not supported in number pattern "${pattern}"`);
  const lastComma = intPart.lastIndexOf(',');
  const compiledPattern: DecimalPattern = {
    prefix: prefix.text,
    suffix: suffix.text,
    multiplier: prefix.multiplier * suffix.multiplier,
    minInt: (intPart.match(/0/g) ?? []).length,
    minFrac: (fracPart.match(/0/g) ?? []).length,
    maxFrac: fracPart.length,
    groupSize: lastComma >= 0 ? intPart.length - lastComma - 1 : 0,
  };
  if (cache.size > 200) cache.clear();
  cache.set(pattern, compiledPattern);
  return compiledPattern;
}

/** The exact decimal expansion of a finite, non-negative double: integer digits and fraction digits. */
function exactDecimal(value: number): { int: string; frac: string } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exponent: number;
  if (exponentBits === 0) {
    exponent = -1074;
  } else {
    mantissa |= 1n << 52n;
    exponent = exponentBits - 1075;
  }
  if (exponent >= 0) return { int: (mantissa << BigInt(exponent)).toString(), frac: '' };
  const scale = -exponent;
  const digits = (mantissa * 5n ** BigInt(scale)).toString().padStart(scale + 1, '0');
  return { int: digits.slice(0, digits.length - scale), frac: digits.slice(digits.length - scale) };
}

/** Rounds a decimal string to `places` fraction digits, HALF_EVEN. */
function roundHalfEven(int: string, frac: string, places: number): { int: string; frac: string } {
  if (frac.length <= places) return { int, frac };
  const kept = int + frac.slice(0, places);
  const next = frac.charCodeAt(places) - 48;
  const restNonZero = /[1-9]/.test(frac.slice(places + 1));
  const lastDigit = kept.charCodeAt(kept.length - 1) - 48;
  const roundUp = next > 5 || (next === 5 && (restNonZero || lastDigit % 2 === 1));
  let digits = kept;
  if (roundUp) digits = (BigInt(kept) + 1n).toString().padStart(kept.length, '0');
  const intLength = digits.length - places;
  return { int: digits.slice(0, intLength) || '0', frac: digits.slice(intLength) };
}

/** `new DecimalFormat(pattern, DecimalFormatSymbols(Locale.US)).format(value)`. */
export function formatDecimal(value: number, pattern: string): string {
  const p = compile(pattern);
  if (Number.isNaN(value)) return 'NaN';
  const negative = value < 0 || Object.is(value, -0);
  const scaled = Math.abs(value) * p.multiplier;
  if (!Number.isFinite(scaled)) return `${negative ? '-' : ''}${p.prefix}\u221e${p.suffix}`;
  const exact = exactDecimal(scaled);
  const rounded = roundHalfEven(exact.int.replace(/^0+(?=\d)/, ''), exact.frac, p.maxFrac);
  let frac = rounded.frac.replace(/0+$/, '');
  if (frac.length < p.minFrac) frac = frac.padEnd(p.minFrac, '0');
  let int = rounded.int.replace(/^0+/, '');
  if (int.length < p.minInt) int = int.padStart(p.minInt, '0');
  if (p.groupSize > 0 && int.length > p.groupSize) {
    const groups: string[] = [];
    for (let end = int.length; end > 0; end -= p.groupSize) groups.unshift(int.slice(Math.max(0, end - p.groupSize), end));
    int = groups.join(',');
  }
  const body = frac.length > 0 ? `${int}.${frac}` : int === '' ? '0' : int;
  const isZero = !/[1-9]/.test(body);
  return `${negative && !isZero ? '-' : ''}${p.prefix}${body}${p.suffix}`;
}
