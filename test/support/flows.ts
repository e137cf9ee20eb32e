import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The seed documentation's flow, as the repository ships it in ./flows (loaded by `npm start`). */
export const SEED_FLOW = readFileSync(join(import.meta.dirname, '..', '..', 'flows', 'dev.scheduled_flow.yaml'), 'utf8');

/** A flow with one Log task and one Schedule trigger; `triggerExtra` lines are appended to the trigger (indented 4). */
export function logFlow(namespace: string, id: string, trigger: { id: string; cron: string; extra?: string }): string {
  return `id: ${id}
namespace: ${namespace}
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "tick {{ trigger.date }}"
triggers:
  - id: ${trigger.id}
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "${trigger.cron}"
${trigger.extra ?? ''}`;
}
