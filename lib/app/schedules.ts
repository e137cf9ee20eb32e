import type { ScheduleTrigger } from '../domain/flow/model';
import { type CompiledSchedule, compileSchedule } from '../domain/schedule';

const cache = new Map<string, CompiledSchedule>();
const CACHE_LIMIT = 1000;

/** The compiled schedule of a trigger, cached: dispatch and the live tick ask for the same few over and over. */
export function scheduleOf(trigger: Pick<ScheduleTrigger, 'cron' | 'withSeconds' | 'timezone'>): CompiledSchedule {
  const key = `${trigger.cron}\u0000${trigger.withSeconds}\u0000${trigger.timezone}`;
  let schedule = cache.get(key);
  if (!schedule) {
    schedule = compileSchedule({ cron: trigger.cron, withSeconds: trigger.withSeconds, timezone: trigger.timezone });
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, schedule);
  }
  return schedule;
}
