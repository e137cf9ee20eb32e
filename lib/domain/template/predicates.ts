/**
 * Tests for `value is name` / `value is not name` (Pebble core plus Kestra's `json`).
 */
import { TemplateError } from './errors';
import type { TestDef } from './registry-types';
import { isEmptyValue, isPlainObject, typeName } from './values';

function integerInput(input: unknown, test: string): number {
  if (input === null) throw new TemplateError(`Can not pass null value to "${test}" test.`);
  if (typeof input !== 'number') throw new TemplateError(`"${test}" test expects a number, got ${typeName(input)}`);
  return Math.trunc(input);
}

/** Registered tests, by name. */
export const TESTS: ReadonlyMap<string, TestDef> = new Map<string, TestDef>([
  // `defined` is the one test that may look at an undefined variable: it is what it checks.
  ['defined', { argNames: [], apply: (input) => input !== null, tolerateUndefinedInput: true }],
  ['null', { argNames: [], apply: (input) => input === null }],
  ['empty', { argNames: [], apply: (input) => isEmptyValue(input) }],
  ['even', { argNames: [], apply: (input) => integerInput(input, 'even') % 2 === 0 }],
  ['odd', { argNames: [], apply: (input) => Math.abs(integerInput(input, 'odd') % 2) === 1 }],
  ['iterable', { argNames: [], apply: (input) => Array.isArray(input) }],
  ['map', { argNames: [], apply: (input) => isPlainObject(input) }],
  [
    'json',
    {
      argNames: [],
      apply: (input) => {
        if (typeof input !== 'string') return false;
        try {
          JSON.parse(input);
          return true;
        } catch {
          return false;
        }
      },
    },
  ],
]);
