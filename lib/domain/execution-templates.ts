/**
 * Rendering of a scheduled execution's labels and inputs, bounded so it never holds the event loop
 * for long: dispatch renders them for every tick of a backfill on the loop that, locally, also
 * answers the API.
 *
 * - The templates of one execution that read the tick (its `trigger` or `execution` variables, or
 *   the clock) share one budget of `EXECUTION_TEMPLATE_BUDGET_MS`, rather than that much each.
 * - A template that reads nothing of the tick renders the same for every tick, so it is rendered
 *   once per flow revision and process (so once per backfill, or per warm dispatch Lambda) under its
 *   own budget and the outcome, an error included, is reused.
 */
import { LruCache } from './template/cache';
import { DEFAULT_TIMEOUT_MS, TemplateError, TemplateTimeLimitError, createRenderer, readsOf, render, renderStrings } from './template';
import { setOwn } from './template/values';

/** Budget of one execution's tick-dependent labels and inputs together, and of each tick-independent template. */
const EXECUTION_TEMPLATE_BUDGET_MS = DEFAULT_TIMEOUT_MS;

/** Outcomes of tick-independent templates; bounded like the engine's parse cache. */
const once = new LruCache<string, { value: string } | { error: string }>(500);
/** Longer outputs are rendered again each time (each within the budget) rather than kept. */
const MAX_REMEMBERED_OUTPUT = 16 * 1024;

export interface ExecutionTemplateContext {
  /** Variables that are the same for every tick of the backfill (`flow`). */
  constant: Record<string, unknown>;
  /** Variables that differ from tick to tick (`trigger`, `execution`). */
  perTick: Record<string, unknown>;
}

export interface RenderedTemplates {
  /** Rendered label values, in order. */
  labels: string[];
  inputs: Record<string, unknown>;
}

/**
 * Renders label values and inputs (keys included) for one tick.
 * @throws TemplateError naming the field (`labels.team`, `inputs.day`, as input validation does) and, past a time limit, the budget
 */
export function renderExecutionTemplates(
  context: ExecutionTemplateContext,
  labels: ReadonlyArray<{ key: string; value: string }>,
  inputs: Record<string, unknown>,
): RenderedTemplates {
  const tickNames = Object.keys(context.perTick);
  const constantKey = JSON.stringify(context.constant);
  const known = new Map<string, boolean>();
  const readsTick = (text: string): boolean => {
    let answer = known.get(text);
    if (answer === undefined) {
      try {
        const reads = readsOf(text);
        answer = reads.clock || tickNames.some((name) => reads.variables.has(name));
      } catch {
        answer = false; // does not parse: the same error for every tick, remembered like an outcome
      }
      known.set(text, answer);
    }
    return answer;
  };
  const fields: Array<[field: string, value: unknown]> = [
    ...labels.map(({ key, value }): [string, unknown] => [`labels.${key}`, value]),
    ...Object.keys(inputs).map((key): [string, unknown] => [`inputs.${key}`, { [key]: inputs[key] }]),
  ];

  // First the tick-independent templates, each on its own budget, so that rendering one the first
  // time does not eat into the budget the tick's templates share.
  for (const [, value] of fields) {
    try {
      renderStrings(value, (text) => {
        if (!readsTick(text)) renderOnce(constantKey, context.constant, text);
        return text;
      });
    } catch {
      // Thrown again, naming its field, by the pass below.
    }
  }

  const shared = createRenderer({ ...context.constant, ...context.perTick }, { timeoutMs: EXECUTION_TEMPLATE_BUDGET_MS });
  const renderString = (text: string): string => {
    if (readsTick(text)) return shared.render(text);
    return renderOnce(constantKey, context.constant, text);
  };
  const rendered = fields.map(([field, value]) => {
    try {
      return renderStrings(value, renderString);
    } catch (error) {
      throw inField(field, error);
    }
  });
  const out: RenderedTemplates = { labels: rendered.slice(0, labels.length).map(String), inputs: {} };
  for (const one of rendered.slice(labels.length)) {
    for (const [key, value] of Object.entries(one as Record<string, unknown>)) setOwn(out.inputs, key, value);
  }
  return out;
}

/** Renders a tick-independent template, or returns what its first render gave (throwing its error again). */
function renderOnce(constantKey: string, constant: Record<string, unknown>, text: string): string {
  const key = `${constantKey}\n${text}`;
  let outcome = once.get(key);
  if (!outcome) {
    try {
      outcome = { value: render(text, constant, { timeoutMs: EXECUTION_TEMPLATE_BUDGET_MS }) };
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      outcome = { error: error.message };
    }
    if (!('value' in outcome) || outcome.value.length <= MAX_REMEMBERED_OUTPUT) once.set(key, outcome);
  }
  if ('error' in outcome) throw new TemplateError(outcome.error);
  return outcome.value;
}

function inField(field: string, error: unknown): unknown {
  if (!(error instanceof TemplateError)) return error;
  // The shared budget may run out in a cheap field after a costly one took most of it: say it is shared.
  const shared = error instanceof TemplateTimeLimitError ? "; one execution's tick-dependent labels and inputs share this budget" : '';
  return new TemplateError(`${field}: ${error.message}${shared}`, { cause: error });
}
