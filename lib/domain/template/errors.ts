/**
 * Errors raised by the template engine.
 *
 * Every failure a template can cause (syntax, unknown variable, bad filter argument, time or size
 * limit) surfaces as a `TemplateError`, so callers need a single `catch` to turn a bad template into
 * a clean validation or task error instead of a crash.
 */

/** A template could not be parsed or rendered. The message says what is wrong and where. */
export class TemplateError extends Error {
  /** 1-based line of the failing construct, when known. */
  line?: number;
  /** 1-based column of the failing construct, when known. */
  column?: number;

  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TemplateError';
  }
}

/**
 * A variable or attribute that does not exist (Pebble's `AttributeNotFoundException`).
 *
 * Kept as its own class because `??`, `???`, `is defined` and `| default` must swallow exactly this
 * failure and nothing else: a time-limit error inside `a ?? b` has to propagate.
 */
export class UndefinedVariableError extends TemplateError {}

/**
 * A render ran past its time budget. Its own class so that callers can say whose budget it was
 * (one execution's labels and inputs share one) without parsing the message.
 */
export class TemplateTimeLimitError extends TemplateError {
  public constructor(public readonly timeoutMs: number) {
    super(`Template rendering exceeded the time limit of ${timeoutMs} ms`);
  }
}

/**
 * Attaches a position to an error that does not have one yet.
 *
 * Errors are raised deep inside helpers that do not know where they are in the template; the
 * evaluator adds the position of the innermost node once, on the way out.
 */
export function locate(error: TemplateError, source: string, offset: number): TemplateError {
  if (error.line !== undefined) return error;
  const { line, column } = lineColumn(source, offset);
  error.line = line;
  error.column = column;
  error.message = `${error.message} (line ${line}, column ${column})`;
  return error;
}

/** 1-based line and column of `offset` in `source`. */
function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Builds a `TemplateError` positioned at `offset` of `source`. */
export function errorAt(message: string, source: string, offset: number): TemplateError {
  return locate(new TemplateError(message), source, offset);
}
