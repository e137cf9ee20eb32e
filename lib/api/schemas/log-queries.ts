import { z } from 'zod';

/**
 * Where a page of a log starts: the `nextCursor` of the page before (the `seq` of its last line).
 * Absent or empty: the log's start.
 */
export const cursor = z
  .string()
  .optional()
  .transform((raw, ctx): number | undefined => {
    if (raw === undefined || raw === '') return undefined;
    const seq = Number(raw);
    if (/^\d{1,16}$/.test(raw) && Number.isSafeInteger(seq)) return seq;
    ctx.issues.push({ code: 'custom', input: raw, message: `expected the nextCursor of an earlier page (a whole number), got "${raw}"` });
    return z.NEVER;
  })
  .meta({ type: 'string', description: "The `nextCursor` of the page before; absent for the log's start." });

/** Lines a search page holds at most; a page also stops before Lambda's 6 MB response limit. */
const MAX_LOG_PAGE_SIZE = 10_000;
const DEFAULT_LOG_PAGE_SIZE = 1000;

/** `GET /logs/search`: one execution's log, a page at a time. */
export const logSearchQuery = z.object({
  executionId: z
    .string({ error: 'expected the id of the execution whose log to read (logs are kept per execution)' })
    .min(1, { error: 'expected the id of the execution whose log to read (logs are kept per execution)' })
    .meta({ description: 'The execution whose log to read.' }),
  cursor,
  size: z
    .string()
    .optional()
    .transform((raw, ctx): number => {
      if (raw === undefined || raw === '') return DEFAULT_LOG_PAGE_SIZE;
      const value = Number(raw);
      if (Number.isInteger(value) && value >= 1 && value <= MAX_LOG_PAGE_SIZE) return value;
      ctx.issues.push({ code: 'custom', input: raw, message: `expected an integer from 1 to ${MAX_LOG_PAGE_SIZE}, got "${raw}"` });
      return z.NEVER;
    })
    .meta({ type: 'integer', minimum: 1, maximum: MAX_LOG_PAGE_SIZE, description: `Lines per page at most; default ${DEFAULT_LOG_PAGE_SIZE}.` }),
});

/** `GET /logs/{executionId}/download`: the log as text, a page at a time. */
export const logDownloadQuery = z.object({ cursor });

/** `GET /{tenant}/logs/{executionId}/follow`: the lines after `cursor` (an EventSource's `Last-Event-ID` wins over it). */
export const logFollowQuery = z.object({ cursor });
