/**
 * A small, safe, Pebble-compatible template engine for the strings Kestra renders
 * (`{{ trigger.date ?? execution.startDate | date("yyyy-MM-dd") }}`).
 *
 * Why our own: no JavaScript template engine is both Pebble-compatible and safe. twig.js parses `??`
 * but not Pebble's named arguments (`timeZone="…"`), and its `source()` reads files while a short
 * template reaches the `Function` constructor; nunjucks has no `??` and the same code-execution
 * hole; liquidjs is safe but silently renders `??` as "". Labels and inputs of backfills come from
 * API callers, so the engine must never read files, reach constructors or prototypes, call host
 * functions, or run unbounded. This one is pure code: a lexer, a parser producing a tree, and an
 * evaluator that only reads own data properties of plain objects and arrays and calls only the
 * filters and functions registered here. There is no `eval`, `new Function` or dynamic import.
 *
 * Files: `lexer.ts` → `parser.ts` (→ `ast.ts`) → `evaluator.ts`, with `operators.ts`, `values.ts`,
 * `filters.ts`, `functions.ts`, `predicates.ts` (tests), `dates.ts` + `java-date-pattern.ts` +
 * `java-date-parse.ts` (Java `DateTimeFormatter` patterns), `number-format.ts`, `runtime.ts` (limits),
 * `registry-types.ts`, `cache.ts` and `errors.ts`.
 */
import type { CompiledTemplate } from './ast';
import { LruCache } from './cache';
import { resolveZone } from './dates';
import { TemplateError } from './errors';
import { Evaluator } from './evaluator';
import { parseTemplate } from './parser';
import { type TemplateReads, templateReads } from './reads';
import { Runtime } from './runtime';
import { isPlainObject, MAX_VALUE_DEPTH, setOwn } from './values';

/** Thrown for every template problem: syntax, unknown names, bad arguments, limits. */
export { TemplateError, TemplateTimeLimitError } from './errors';
export type { TemplateReads } from './reads';

/** Options of `render` and `renderValue`. */
export interface RenderOptions {
  /**
   * Evaluation is aborted with a `TemplateTimeLimitError` once it has run this long. Renders run
   * synchronously on the event loop that also answers API requests (locally), so this is how long
   * one render may hold it.
   * @default 50
   */
  timeoutMs?: number;
  /**
   * Longest output (and longest intermediate string) in characters.
   * @default 1_000_000
   */
  maxOutputLength?: number;
  /**
   * Clock for `now()`.
   * @default () => new Date()
   */
  now?: () => Date;
  /**
   * The clock `timeoutMs` is measured on, in milliseconds. Tests pass one that moves on its own, so a
   * time limit is reached after a known amount of work rather than of the machine's time.
   * @default Date.now
   */
  elapsedMs?: () => number;
  /**
   * Zone used by the date filters and `now()` when no `timeZone` argument is given (Kestra uses the
   * server's zone).
   * @default 'UTC'
   */
  defaultTimeZone?: string;
}

/**
 * Real templates render in well under a millisecond; only a loop or a huge expansion comes near
 * this. Kept short because a render blocks the event loop for as long as it runs.
 */
export const DEFAULT_TIMEOUT_MS = 50;
const DEFAULT_MAX_OUTPUT_LENGTH = 1_000_000;
const CACHE_CAPACITY = 500;
/** Bigger templates are parsed every time rather than pinned in the cache. */
const MAX_CACHED_TEMPLATE_LENGTH = 64 * 1024;

const cache = new LruCache<string, CompiledTemplate>(CACHE_CAPACITY);

/** Fast check: a string without `{{`, `{%` or `{#` renders as itself. */
function hasTemplateSyntax(text: string): boolean {
  return text.includes('{{') || text.includes('{%') || text.includes('{#');
}

function compile(template: string): CompiledTemplate {
  const cached = cache.get(template);
  if (cached) return cached;
  const compiled = parseTemplate(template);
  if (template.length <= MAX_CACHED_TEMPLATE_LENGTH) cache.set(template, compiled);
  return compiled;
}

function createRuntime(options: RenderOptions | undefined): Runtime {
  const timeoutMs = options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutputLength = options?.maxOutputLength ?? DEFAULT_MAX_OUTPUT_LENGTH;
  // A NaN limit would silently disable the check, so bad options are a programming error.
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new TypeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
  if (!(maxOutputLength >= 0) || !Number.isFinite(maxOutputLength)) {
    throw new TypeError(`maxOutputLength must be a non-negative number, got ${maxOutputLength}`);
  }
  const elapsedMs = options?.elapsedMs ?? Date.now;
  return new Runtime(
    elapsedMs() + timeoutMs,
    timeoutMs,
    maxOutputLength,
    options?.now ?? (() => new Date()),
    resolveZone(options?.defaultTimeZone ?? 'UTC'),
    elapsedMs,
  );
}

/** Turns engine-level failures (stack overflow, string too long for V8) into `TemplateError`s. */
function asTemplateError(error: unknown): unknown {
  if (error instanceof RangeError) {
    return new TemplateError(`Template is too complex to render: ${error.message}`, { cause: error });
  }
  return error;
}

function renderWith(template: string, variables: Record<string, unknown>, rt: Runtime): string {
  if (!hasTemplateSyntax(template)) return template;
  try {
    return new Evaluator(compile(template), variables, rt).render();
  } catch (error) {
    throw asTemplateError(error);
  }
}

/**
 * Renders a Pebble template with Kestra's semantics (strict variables, `??`/`???`, Kestra's date
 * filters).
 *
 * @param template - the template text; a string without `{{`, `{%` or `{#` is returned as is
 * @param variables - the root variables (`execution`, `trigger`, `inputs`…); only own data
 *   properties are visible, functions never are
 * @param options - limits, clock and default time zone
 * @returns the rendered text
 * @throws TemplateError on a syntax error, an unknown variable/filter/function/tag, a bad argument,
 *   or when a time or size limit is exceeded; the message names the problem and its line/column
 * @example
 * render('{{ trigger.date ?? execution.startDate | date("yyyy-MM-dd") }}', {
 *   execution: { startDate: new Date('2024-03-28T06:30:00Z') },
 * }); // '2024-03-28'
 */
export function render(template: string, variables: Record<string, unknown>, options?: RenderOptions): string {
  if (!hasTemplateSyntax(template)) return template;
  return renderWith(template, variables, createRuntime(options));
}

/** Renders templates against one set of variables, every render counted against one deadline. */
export interface Renderer {
  render(template: string): string;
}

/**
 * A renderer whose renders share one time budget (and clock): several fields of one document
 * rendered with it can together hold the event loop for `timeoutMs` at most, not that much each.
 * The deadline starts now.
 */
export function createRenderer(variables: Record<string, unknown>, options?: RenderOptions): Renderer {
  const rt = createRuntime(options);
  return { render: (template) => renderWith(template, variables, rt) };
}

/**
 * Renders every string inside a JSON-like value (map keys included, as Kestra does for maps),
 * returning a new value; numbers, booleans, null and other non-strings are kept as they are.
 * The time limit applies to the whole value.
 *
 * @example
 * renderValue({ day: '{{ inputs.day }}', retries: 3 }, { inputs: { day: 'mon' } });
 * // { day: 'mon', retries: 3 }
 */
export function renderValue(value: unknown, variables: Record<string, unknown>, options?: RenderOptions): unknown {
  return renderStrings(value, createRenderer(variables, options).render);
}

/**
 * The walk of `renderValue` with the rendering of each string left to the caller: every string of
 * the value, map keys included, goes through `renderString`, which may pick a renderer per string.
 */
export function renderStrings(value: unknown, renderString: (template: string) => string): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > MAX_VALUE_DEPTH) throw new TemplateError('Value is nested too deeply (or cyclic) to render');
    if (typeof v === 'string') return renderString(v);
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        const descriptor = Object.getOwnPropertyDescriptor(v, key);
        if (!descriptor || !('value' in descriptor)) continue;
        setOwn(out, renderString(key), walk(descriptor.value, depth + 1));
      }
      return out;
    }
    return v;
  };
  return walk(value, 0);
}

/**
 * What `template` reads when rendered: its root variables and whether it reads the clock; nothing
 * for a string without template syntax. A template that reads none of the variables that differ
 * between two contexts renders the same in both (the engine has no other source of variation).
 *
 * @throws TemplateError when the template does not parse
 */
export function readsOf(template: string): TemplateReads {
  if (!hasTemplateSyntax(template)) return { variables: new Set(), clock: false };
  return templateReads(compile(template));
}
