/**
 * Shapes of filter, function and test definitions, shared by the parser (which binds arguments)
 * and the evaluator (which calls them).
 */
import type { Runtime } from './runtime';

/** Named arguments after binding positional ones to `argNames`. */
export type Args = ReadonlyMap<string, unknown>;

/** A filter (`x | name(args)`) or a function (`name(args)`). */
export interface CallableDef {
  /**
   * Parameter names, in positional order. `null` means positional-only and variadic (`min`, `max`);
   * the values then arrive under the keys `'0'`, `'1'`, ….
   */
  argNames: readonly string[] | null;
  /** For filters: the input; for functions: always `null`. */
  apply(input: unknown, args: Args, rt: Runtime): unknown;
  /** Reads the render's clock (`now()`): its result changes from one render to the next. */
  readsClock?: boolean;
  /** Pebble's `default` filter receives `null` instead of failing when its input is undefined. */
  tolerateUndefinedInput?: boolean;
}

/** A test used with `is` / `is not`. */
export interface TestDef {
  argNames: readonly string[];
  apply(input: unknown, args: Args, rt: Runtime): boolean;
  /** Only `defined` may be applied to an undefined variable without failing. */
  tolerateUndefinedInput?: boolean;
}
