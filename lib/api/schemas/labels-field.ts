import { z } from 'zod';
import { isValidationError } from '../../domain/flow/errors';
import { LABEL_KEY_PATTERN, SYSTEM_LABEL_PREFIX, parseLabels } from '../../domain/flow/labels';
import { MAX_LABELS, MAX_LENGTH } from '../../domain/id-limits';
import type { Label } from '../../domain/flow/model';
import { FIELD_PATH, type OutsideRuleParams } from './parse-request';

const labelValue = z.union([z.string().min(1).max(MAX_LENGTH.labelValue), z.number(), z.boolean()]);
const labelKey = z.string().max(MAX_LENGTH.labelKey).regex(LABEL_KEY_PATTERN);

/**
 * What a request may send as labels (Kestra's `ListOrMapOfLabelDeserializer`): a list of
 * `{key, value}` or a map of key to value. It documents the field (JSON Schema, the UI's request
 * type) and is never run: `parseLabels` holds the rules, shared with the flow YAML parser.
 */
const labelsJson = z.union([z.array(z.object({ key: labelKey, value: labelValue })).max(MAX_LABELS), z.record(labelKey, labelValue)]).meta({
  description:
    `Labels added to every execution: a list of {key, value} or a map of key to value. Keys start with a lowercase letter ` +
    `and are unique; "${SYSTEM_LABEL_PREFIX}*" keys are reserved. At most ${MAX_LABELS} labels. Numbers and booleans become strings.`,
});

/** Labels as a request sends them (see `labelsJson`). */
export type LabelsJson = z.input<typeof labelsJson>;

const { $schema: _dialect, ...LABELS_JSON_SCHEMA } = z.toJSONSchema(labelsJson, { io: 'input' });

/**
 * A `labels` field: documented as `labelsJson`, parsed by `parseLabels` so that the rules and
 * their messages (`system.*` refused, key pattern, non-empty values, duplicates) exist once.
 */
export const labelsField = (z.unknown() as z.ZodType<LabelsJson, LabelsJson>).meta(LABELS_JSON_SCHEMA).transform((value: unknown, ctx): Label[] => {
  try {
    return parseLabels(value, FIELD_PATH);
  } catch (error) {
    if (!isValidationError(error)) throw error;
    const params: OutsideRuleParams = { path: error.path };
    ctx.issues.push({ code: 'custom', input: value, message: error.expected, params });
    return z.NEVER;
  }
});
