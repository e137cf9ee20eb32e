/**
 * Pebble's operator semantics (`OperatorUtils` and the expression classes), on JavaScript values.
 *
 * Numbers follow Java: integer operands use integer division and `/ by zero` fails; a literal
 * written with a decimal point forces floating-point division. `+` concatenates as soon as one
 * side is a string; `~` always concatenates.
 */
import { TemplateError } from './errors';
import type { Runtime } from './runtime';
import { isPlainObject, javaString, listItems, ownKeys, readData, toText, typeName, valuesEqual } from './values';

const OPERATION_NAMES: Record<string, string> = { '+': 'ADD', '-': 'SUBTRACT', '*': 'MULTIPLICATION', '/': 'DIVISION', '%': 'MODULUS' };

/** `TypeUtils.compatibleCast(value, Boolean.class)` plus strict mode's refusal of null. */
export function toBoolean(value: unknown, context: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return !Number.isNaN(value) && value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (value === null) throw new TemplateError(`null value used in ${context} (strict variables)`);
  throw new TemplateError(`Expected a boolean, number or string in ${context}, got ${typeName(value)}`);
}

/** `+ - * / %` with Pebble's `OperatorUtils` rules (`+` on lists appends, `-` removes). */
export function arithmetic(op: string, left: unknown, right: unknown, floatHint: boolean, rt: Runtime): unknown {
  if (op === '+') {
    if (typeof left === 'string' || typeof right === 'string') {
      return rt.checkString(javaString(left, rt) + javaString(right, rt));
    }
    if (Array.isArray(left)) {
      const out = [...listItems(left), ...(Array.isArray(right) ? listItems(right) : [right])];
      rt.checkSize(out.length, 'The list');
      return out;
    }
  }
  if (op === '-' && Array.isArray(left)) {
    const items = listItems(left);
    if (Array.isArray(right)) {
      const removed = listItems(right);
      return items.filter((item) => !removed.some((r) => valuesEqual(item, r, rt)));
    }
    const index = items.findIndex((item) => valuesEqual(item, right, rt));
    if (index >= 0) items.splice(index, 1);
    return items;
  }
  if (typeof left !== 'number' || typeof right !== 'number') {
    throw new TemplateError(`invalid operands for mathematical operation [${OPERATION_NAMES[op]}]: ${typeName(left)} ${op} ${typeName(right)}`);
  }
  const integers = !floatHint && Number.isInteger(left) && Number.isInteger(right);
  switch (op) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      if (integers) {
        if (right === 0) throw new TemplateError('/ by zero');
        return Math.trunc(left / right);
      }
      return left / right;
    case '%':
      if (integers && right === 0) throw new TemplateError('/ by zero');
      return left % right;
    default:
      throw new TemplateError(`Unknown operator "${op}"`);
  }
}

/** `<`, `>`, `<=`, `>=`: numbers, and (a Kestra addition) strings; null compares as false. */
export function compare(op: string, left: unknown, right: unknown): boolean {
  let cmp: number;
  if (typeof left === 'string' && typeof right === 'string') {
    cmp = left < right ? -1 : left > right ? 1 : 0;
  } else if (left === null || right === null) {
    return false;
  } else if (typeof left === 'number' && typeof right === 'number') {
    cmp = left < right ? -1 : left > right ? 1 : left === right ? 0 : Number.NaN;
  } else if (left instanceof Date && right instanceof Date) {
    cmp = left.getTime() - right.getTime();
  } else {
    throw new TemplateError(`Could not compare ${typeName(left)} with ${typeName(right)} using "${op}"`);
  }
  switch (op) {
    case '<':
      return cmp < 0;
    case '>':
      return cmp > 0;
    case '<=':
      return cmp <= 0;
    default:
      return cmp >= 0;
  }
}

/** Pebble's `contains`: list membership (or all of a list), map key, substring. */
export function contains(left: unknown, right: unknown, rt: Runtime): boolean {
  if (left === null) return false;
  if (Array.isArray(left)) {
    const items = listItems(left);
    const wanted = Array.isArray(right) ? listItems(right) : [right];
    return wanted.every((w) => items.some((item) => valuesEqual(item, w, rt)));
  }
  if (isPlainObject(left)) return right !== null && ownKeys(left).includes(toText(right, rt));
  if (typeof left === 'string') return left.includes(javaString(right, rt));
  throw new TemplateError(`"contains" can only be used on lists, maps and strings, not on ${typeName(left)}`);
}

/** Kestra's `in`: compares the string forms; a map matches on keys and values. */
export function isIn(left: unknown, right: unknown, rt: Runtime): boolean {
  if (left === null || right === null) return false;
  const needle = toText(left, rt);
  if (Array.isArray(right)) return listItems(right).some((item) => item !== null && toText(item, rt) === needle);
  if (isPlainObject(right)) {
    return ownKeys(right).some((k) => {
      const v = readData(right, k);
      return k === needle || (v !== null && toText(v, rt) === needle);
    });
  }
  return false;
}
