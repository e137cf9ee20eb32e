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

/**
 * A flow whose one shell task echoes its tick, with a Schedule trigger `schedule` every ten minutes:
 * each run leaves one log line, so a test can count runs per tick.
 */
export function echoTickFlow(namespace: string, id: string): string {
  return `id: ${id}
namespace: ${namespace}
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "run for {{ trigger.date }}"
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/10 * * * *"
`;
}

/** `ticks` ten-minute ticks starting on the hour `hoursAgo` hours ago: a backfill window for echoTickFlow. */
export function tenMinuteWindow(ticks: number, hoursAgo: number): { start: string; end: string } {
  const start = new Date(Date.now() - hoursAgo * 3600_000);
  start.setUTCMinutes(0, 0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + (ticks - 1) * 600_000).toISOString() };
}

/** A flow whose one shell task sleeps 50 ms, with a per-minute Schedule trigger `schedule`: a backfill that takes seconds. */
export function sleepyMinuteFlow(namespace: string, id: string): string {
  return `id: ${id}
namespace: ${namespace}
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    runner: PROCESS
    commands:
      - sleep 0.05
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
`;
}

/** `count` minute ticks starting `daysAgo` days ago, on the minute: a backfill window for sleepyMinuteFlow. */
export function minuteWindow(count: number, daysAgo: number): { start: string; end: string } {
  const start = new Date(Date.now() - daysAgo * 86_400_000);
  start.setUTCSeconds(0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + (count - 1) * 60_000).toISOString() };
}

/** `count` minute ticks from an hour `daysAgo` days back: the first one is on the hour. */
export function windowOnTheHour(count: number, daysAgo: number): { start: string; end: string } {
  const start = new Date(Date.now() - daysAgo * 86_400_000);
  start.setUTCMinutes(0, 0, 0);
  return { start: start.toISOString(), end: new Date(start.getTime() + (count - 1) * 60_000).toISOString() };
}
