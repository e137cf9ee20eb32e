/**
 * Conditions on a name (a namespace, a flow id, a trigger id), as Kestra 2.x's search filters state
 * them (`filters[namespace][PREFIX]=dev`). Pure, so the stores, their fakes and the API apply the
 * very same rule. No REGEX: a client's pattern run on every row is a denial of service waiting.
 */
export const TEXT_OPERATIONS = ['EQUALS', 'NOT_EQUALS', 'IN', 'NOT_IN', 'STARTS_WITH', 'ENDS_WITH', 'CONTAINS', 'PREFIX'] as const;
export type TextOperation = (typeof TEXT_OPERATIONS)[number];

/** One condition: `values` holds one value, or for IN and NOT_IN the list. */
export interface TextCondition {
  operation: TextOperation;
  values: string[];
}

/**
 * Whether `value` meets `condition`. PREFIX is Kestra's namespace prefix: the value itself or one
 * below it (`dev` takes `dev` and `dev.team`, not `devops`); STARTS_WITH is the plain string prefix.
 */
export function matchesText(value: string, { operation, values }: TextCondition): boolean {
  switch (operation) {
    case 'EQUALS':
    case 'IN':
      return values.includes(value);
    case 'NOT_EQUALS':
    case 'NOT_IN':
      return !values.includes(value);
    case 'STARTS_WITH':
      return values.some((v) => value.startsWith(v));
    case 'ENDS_WITH':
      return values.some((v) => value.endsWith(v));
    case 'CONTAINS':
      return values.some((v) => value.includes(v));
    case 'PREFIX':
      return values.some((v) => value === v || value.startsWith(`${v}.`));
  }
}

/** Whether `value` meets every one of `conditions` (none: it does). */
export function matchesAll(value: string, conditions: readonly TextCondition[] | undefined): boolean {
  return (conditions ?? []).every((condition) => matchesText(value, condition));
}

/**
 * The operations a condition on an execution's trigger id takes: those a DynamoDB filter expression
 * can evaluate on a search index entry (`=`, `IN`, `begins_with`, `contains`, and their negations;
 * it has no ends-with), so the search filters in the index instead of reading documents.
 */
export const TRIGGER_ID_OPERATIONS = ['EQUALS', 'NOT_EQUALS', 'IN', 'NOT_IN', 'STARTS_WITH', 'CONTAINS'] as const satisfies readonly TextOperation[];

/** A condition on an execution's trigger id (see TRIGGER_ID_OPERATIONS). */
export interface TriggerIdCondition extends TextCondition {
  operation: (typeof TRIGGER_ID_OPERATIONS)[number];
}

/**
 * Whether an optional name meets every condition. Without one (an execution no trigger started) it
 * is none of the names given: it meets NOT_EQUALS and NOT_IN, and no other condition, as an
 * execution without a label key meets a NOT_EQUALS on that label.
 */
export function optionalMatchesAll(value: string | undefined, conditions: readonly TextCondition[] | undefined): boolean {
  if (value !== undefined) return matchesAll(value, conditions);
  return (conditions ?? []).every(({ operation }) => operation === 'NOT_EQUALS' || operation === 'NOT_IN');
}
