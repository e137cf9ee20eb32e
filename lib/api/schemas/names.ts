import { z } from 'zod';
import { tooLongMessage } from '../../domain/id-limits';

/** `schema` refusing more than `max` characters with the message the flow parser uses (see `MAX_LENGTH`). */
export function boundedName(schema: z.ZodString, what: string, max: number): z.ZodString {
  return schema.max(max, { error: (issue) => tooLongMessage(what, String(issue.input).length, max) });
}

/** An optional text parameter naming something stored (a namespace, a flow id); empty means absent (`?namespace=` filters nothing). */
export function optionalName(what: string, max: number) {
  return boundedName(z.string(), what, max)
    .optional()
    .transform((value) => value || undefined);
}
