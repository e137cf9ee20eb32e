import { z } from 'zod';
import { jsonObjectError, triggerRefBody } from './trigger-ref-body';
import { booleanError } from './update-trigger-body';

/** `POST /triggers/backfill/{pause,unpause,delete,cancel}/by-triggers`: a JSON array of trigger references. */
export const triggerRefsBody = z.array(triggerRefBody, { error: 'expected a JSON array of {namespace, flowId, triggerId}' });

/** `POST /triggers/set-disabled/by-triggers`: Kestra's `SetDisabledRequest`, `{triggers: [...], disabled}`. */
export const setDisabledByTriggersBody = z.object(
  {
    triggers: z
      .array(triggerRefBody, { error: 'expected a non-empty array of {namespace, flowId, triggerId}' })
      .min(1, { error: 'expected a non-empty array of {namespace, flowId, triggerId}' }),
    disabled: z.boolean({ error: booleanError }),
  },
  { error: jsonObjectError },
);
