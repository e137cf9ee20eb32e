import { z } from 'zod';
import type { StateType } from '../../domain/execution';
import { DEEPEST_SEARCH_RESULT } from '../../domain/search-limits';
import type { Label } from '../../domain/flow/model';
import { MAX_LENGTH, tooLongMessage } from '../../domain/id-limits';
import { optionalName } from './names';
import { pagingFields } from './paging-query';

/** A `key:value` label filter: the longest key, the colon, the longest value. */
const LABEL_FILTER_MAX = MAX_LENGTH.labelKey + 1 + MAX_LENGTH.labelValue;

const STATES: readonly StateType[] = ['CREATED', 'RUNNING', 'SUCCESS', 'FAILED', 'KILLED'];

/** Every value of a repeatable parameter; comma-separated values are split too (`state=SUCCESS,FAILED`). */
const listParam = z
  .array(z.string())
  .optional()
  .transform((values = []) =>
    values
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean),
  );

/** The 1.x search's own filters; the 2.x route (`/{tenant}/executions/search`) reads them too, beside `filters[…]`. */
export const executionSearchFilterFields = {
  namespace: optionalName('namespace', MAX_LENGTH.namespace).meta({ description: 'Exactly this namespace (not the ones below it).' }),
  flowId: optionalName('flow id', MAX_LENGTH.flowId).meta({ description: 'Exactly this flow id.' }),
  labels: listParam
    .pipe(
      z.array(
        z
          .string()
          // The whole pair is bounded first, so that no message echoes kilobytes.
          .max(LABEL_FILTER_MAX, { error: (issue) => tooLongMessage('label filter', String(issue.input).length, LABEL_FILTER_MAX) })
          .refine((pair) => pair.indexOf(':') > 0, { error: (issue) => `expected key:value, got "${issue.input as string}"` })
          .transform((pair, ctx): Label => {
            const label = { key: pair.slice(0, pair.indexOf(':')), value: pair.slice(pair.indexOf(':') + 1) };
            const tooLong =
              label.key.length > MAX_LENGTH.labelKey
                ? tooLongMessage('label key', label.key.length, MAX_LENGTH.labelKey)
                : label.value.length > MAX_LENGTH.labelValue
                  ? tooLongMessage('label value', label.value.length, MAX_LENGTH.labelValue)
                  : undefined;
            if (tooLong === undefined) return label;
            ctx.issues.push({ code: 'custom', input: pair, message: tooLong });
            return z.NEVER;
          }),
      ),
    )
    .meta({ description: 'key:value pairs that must all match; repeatable or comma-separated.' }),
  state: listParam
    .transform((states, ctx): StateType[] => {
      const unknown = states.find((state) => !STATES.includes(state as StateType));
      if (unknown === undefined) return states as StateType[];
      ctx.issues.push({ code: 'custom', input: unknown, message: `unknown state "${unknown}"; expected one of ${STATES.join(', ')}` });
      return z.NEVER;
    })
    .meta({ description: `Any of ${STATES.join(', ')}; repeatable or comma-separated.` }),
};

/** A search reads a bounded number of index entries: pages end within the first DEEPEST_SEARCH_RESULT results. */
export function withinDeepestResult({ page, size }: { page: number; size: number }, ctx: z.RefinementCtx): void {
  if (page * size <= DEEPEST_SEARCH_RESULT) return;
  ctx.issues.push({
    code: 'custom',
    path: ['page'],
    input: page,
    message: `expected page × size at most ${DEEPEST_SEARCH_RESULT.toLocaleString('en-US')} (the deepest result a search reaches), got ${page} × ${size}; narrow the search with filters`,
  });
}

/** `GET /executions/search`. */
export const executionSearchQuery = z.object({ ...executionSearchFilterFields, ...pagingFields(25) }).superRefine(withinDeepestResult);
