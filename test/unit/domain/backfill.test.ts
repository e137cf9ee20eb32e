import { describe, expect, it } from 'vitest';
import { type BackfillRequest, backfillExecutionName, planBackfill } from '../../../lib/domain/backfill';
import type { BackfillOrder } from '../../../lib/domain/backfill-order';
import { ValidationError } from '../../../lib/domain/flow/errors';
import type { ScheduleTrigger } from '../../../lib/domain/flow/model';
import { parseFlow } from '../../../lib/domain/flow/parse';
import { tickExecutionId, randomId } from '../../../lib/domain/ids';
import { compileSchedule } from '../../../lib/domain/schedule';
import { isoDuration } from '../../../lib/domain/execution';

const flow = parseFlow(`id: f
namespace: dev
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/30 * * * *"
    timezone: Europe/Paris
`);
const trigger = flow.triggers[0] as ScheduleTrigger;
const schedule = compileSchedule(trigger);
const now = new Date('2026-11-24T12:00:00Z');
const plan = {
  id: 'b1',
  now,
  maxTicks: 1000,
  maxInFlight: 50,
  previousNextExecutionDate: '2026-11-24T12:30:00Z',
  executionName: 'f-schedule-b1-g0',
  webhooks: { allowLoopback: false },
};
const request = ({
  start,
  end = null,
  maxConcurrency = null,
  latestRevision = false,
  order = 'OLDEST_FIRST',
}: {
  start: string;
  end?: string | null;
  maxConcurrency?: number | null;
  latestRevision?: boolean;
  order?: BackfillOrder;
}): BackfillRequest => ({
  namespace: 'dev',
  flowId: 'f',
  triggerId: 'schedule',
  start: new Date(start),
  end: end === null ? null : new Date(end),
  inputs: null,
  labels: [],
  reprocess: 'ALL',
  order,
  maxConcurrency,
  latestRevision,
  failurePolicy: null,
  notify: null,
});

describe('planBackfill', () => {
  it("pins the flow's revision, unless the request asks for the latest one", () => {
    const revised = { ...flow, revision: 7 };

    expect(planBackfill(request({ start: '2026-11-24T07:00:00Z' }), revised, trigger, schedule, plan).flowRevision).toBe(7);
    expect(planBackfill(request({ start: '2026-11-24T07:00:00Z', latestRevision: true }), revised, trigger, schedule, plan)).not.toHaveProperty('flowRevision');
  });

  it("keeps the requested maxConcurrency, and defaults it to the service's limit", () => {
    expect(planBackfill(request({ start: '2026-11-24T07:00:00Z', maxConcurrency: 2 }), flow, trigger, schedule, plan).maxConcurrency).toBe(2);
    expect(planBackfill(request({ start: '2026-11-24T07:00:00Z', maxConcurrency: 50 }), flow, trigger, schedule, plan).maxConcurrency).toBe(50);
    expect(planBackfill(request({ start: '2026-11-24T07:00:00Z' }), flow, trigger, schedule, plan).maxConcurrency).toBe(50);
  });

  it("refuses a maxConcurrency above the service's limit, naming the field and the limit", () => {
    expect(() => planBackfill(request({ start: '2026-11-24T07:00:00Z', maxConcurrency: 51 }), flow, trigger, schedule, plan)).toThrow(
      expect.objectContaining({ path: 'backfill.maxConcurrency', message: expect.stringContaining('from 1 to 50') }),
    );
  });

  it('fixes a null end to now and counts the ticks of the window, both ends inclusive', () => {
    const state = planBackfill(request({ start: '2026-11-24T07:00:00Z', end: null }), flow, trigger, schedule, plan);
    expect(state).toMatchObject({
      id: 'b1',
      start: '2026-11-24T08:00:00+01:00',
      end: '2026-11-24T13:00:00+01:00',
      currentDate: '2026-11-24T08:00:00+01:00',
      cursorMs: Date.parse('2026-11-24T07:00:00Z'),
      paused: false,
      totalTicks: 11,
      dispatched: 0,
      previousNextExecutionDate: '2026-11-24T12:30:00Z',
      generation: 0,
      executionName: 'f-schedule-b1-g0',
    });
  });

  it("starts the cursor of a NEWEST_FIRST backfill at the window's end, whence it moves back", () => {
    const state = planBackfill(request({ start: '2026-11-24T07:00:00Z', end: '2026-11-24T10:10:00Z', order: 'NEWEST_FIRST' }), flow, trigger, schedule, plan);
    expect(state).toMatchObject({
      order: 'NEWEST_FIRST',
      start: '2026-11-24T08:00:00+01:00',
      end: '2026-11-24T11:10:00+01:00',
      currentDate: '2026-11-24T11:10:00+01:00',
      cursorMs: Date.parse('2026-11-24T10:10:00Z'),
      totalTicks: 7,
    });
    expect(planBackfill(request({ start: '2026-11-24T07:00:00Z' }), flow, trigger, schedule, plan).order).toBe('OLDEST_FIRST');
  });

  it('refuses an end in the future and a start after the end', () => {
    expect(() => planBackfill(request({ start: '2026-11-24T07:00:00Z', end: '2026-11-24T12:00:01Z' }), flow, trigger, schedule, plan)).toThrow(
      /^backfill\.end: .*in the future/,
    );
    expect(() => planBackfill(request({ start: '2026-11-24T08:00:00Z', end: '2026-11-24T07:00:00Z' }), flow, trigger, schedule, plan)).toThrow(
      /^backfill\.start: .*after backfill\.end/,
    );
  });

  it('states the limit when the window holds too many ticks', () => {
    const error = (() => {
      try {
        planBackfill(request({ start: '2026-01-01T00:00:00Z' }), flow, trigger, schedule, plan);
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.message).toContain('more than 1000 ticks');
  });
});

describe('ids and names', () => {
  it('derives the same execution id for the same backfill and tick, and different ones otherwise', () => {
    const a = tickExecutionId('b1', 1000);
    expect(a).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(tickExecutionId('b1', 1000)).toBe(a);
    expect(tickExecutionId('b1', 1001)).not.toBe(a);
    expect(tickExecutionId('b2', 1000)).not.toBe(a);
    expect(randomId()).not.toBe(randomId());
  });

  it('names state machine executions readably within 80 characters', () => {
    const name = backfillExecutionName({ namespace: 'dev', flowId: 'a'.repeat(100), triggerId: 'sched.ule', id: randomId() }, 12);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+-g12$/);
  });

  it('formats durations as java.time does', () => {
    expect(isoDuration(0)).toBe('PT0S');
    expect(isoDuration(1250)).toBe('PT1.25S');
    expect(isoDuration(123_000)).toBe('PT2M3S');
    expect(isoDuration(3600_000)).toBe('PT1H');
  });
});
