import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runDueSchedules } from '../../../lib/app/live-schedule';
import type { ScheduleTrigger } from '../../../lib/domain/flow/model';
import { liveOwner, tickExecutionId } from '../../../lib/domain/ids';
import type { TriggerRef, TriggerState } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aFlow, aScheduleTrigger, aSettings, aStoredExecution, aTriggerState } from '../../support/factories';

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };
const NOW = new Date('2026-03-01T12:00:30Z');
const at = (iso: string) => Date.parse(iso);
const liveId = (iso: string, ref: TriggerRef = REF) => tickExecutionId(liveOwner(ref), at(iso));

describe('runDueSchedules', () => {
  let deps: InMemoryDependencies;

  beforeEach(() => {
    deps = inMemoryDependencies({ now: NOW.toISOString() });
  });

  async function given(trigger: Partial<ScheduleTrigger> = {}, row: Partial<TriggerState> = {}): Promise<void> {
    await deps.flows.create(aFlow({ triggers: [aScheduleTrigger(trigger)] }));
    await deps.triggers.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T12:00:00Z', ...row }));
    // createIfAbsent writes only the schedule; a `date` comes from a tick having run.
    if (row.date)
      await deps.triggers.advanceSchedule(REF, row.nextExecutionDate ?? '2026-03-01T12:00:00Z', row.nextExecutionDate ?? '2026-03-01T12:00:00Z', row.date, 'x');
  }

  const rowNow = () => deps.triggers.get(REF);

  describe('a due trigger', () => {
    it('gets the execution of its tick, queued on the live lane, and moves to its next tick', async () => {
      await given();

      const result = await runDueSchedules(deps, NOW);

      expect(result).toEqual({ created: 1, due: 1, subMinute: false, subMinuteTriggers: [] });
      const id = liveId('2026-03-01T12:00:00Z');
      expect(deps.queue.sentIds('live')).toEqual([id]);
      const stored = await deps.executions.get(id);
      expect(stored!.origin).toMatchObject({ liveOwner: liveOwner(REF), tickMs: at('2026-03-01T12:00:00Z') });
      expect(stored!.execution.labels).toContainEqual({ key: 'system.from', value: 'trigger' });
      expect(await rowNow()).toMatchObject({ nextExecutionDate: '2026-03-01T13:00:00Z', date: '2026-03-01T12:00:00Z', updatedDate: NOW.toISOString() });
    });

    it('leaves a trigger whose next tick has not come', async () => {
      await given({}, { nextExecutionDate: '2026-03-01T13:00:00Z' });

      const result = await runDueSchedules(deps, NOW);

      expect(result).toMatchObject({ created: 0, due: 0 });
      expect((await rowNow())!.nextExecutionDate).toBe('2026-03-01T13:00:00Z');
    });

    it('queues again an execution an earlier call created but never moved past', async () => {
      await given();
      const id = liveId('2026-03-01T12:00:00Z');
      await deps.executions.createIfAbsent(aStoredExecution({ id, liveOwner: liveOwner(REF), tickMs: at('2026-03-01T12:00:00Z') }));

      const result = await runDueSchedules(deps, NOW);

      expect(result.created).toBe(0);
      expect(deps.queue.sentIds('live')).toEqual([id]);
      expect((await rowNow())!.nextExecutionDate).toBe('2026-03-01T13:00:00Z');
    });

    it('does not queue again an execution that already ran', async () => {
      await given();
      const id = liveId('2026-03-01T12:00:00Z');
      await deps.executions.createIfAbsent(aStoredExecution({ id, liveOwner: liveOwner(REF), tickMs: at('2026-03-01T12:00:00Z'), state: 'SUCCESS' }));

      await runDueSchedules(deps, NOW);

      expect(deps.queue.sentIds('live')).toEqual([]);
    });

    it('stores an execution that cannot be created FAILED, with a log line, and moves on', async () => {
      await deps.flows.create(aFlow({ inputs: [{ id: 'day', type: 'INT', required: true }] }));
      await deps.triggers.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T12:00:00Z' }));

      const result = await runDueSchedules(deps, NOW);

      const id = liveId('2026-03-01T12:00:00Z');
      expect(result.created).toBe(1);
      expect((await deps.executions.get(id))!.execution.state.current).toBe('FAILED');
      expect(deps.queue.sentIds('live')).toEqual([]);
      expect((await deps.logs.list(id))[0]?.entry.message).toMatch(/^Execution could not be created: inputs\.day/);
      expect((await rowNow())!.nextExecutionDate).toBe('2026-03-01T13:00:00Z');
    });
  });

  describe('a trigger that is off', () => {
    it.each([
      ['a disabled trigger row', async () => given({}, { disabled: true })],
      ['a row without a next tick', async () => given({}, { nextExecutionDate: null })],
      [
        'a disabled flow',
        async () => {
          await deps.flows.create(aFlow({ disabled: true }));
          await deps.triggers.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T12:00:00Z' }));
        },
      ],
      ['a trigger disabled in the flow', async () => given({ disabled: true })],
      [
        'a trigger no longer in the flow',
        async () => {
          await deps.flows.create(aFlow({ triggers: [] }));
          await deps.triggers.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T12:00:00Z' }));
        },
      ],
      [
        'a removed flow',
        async () => {
          await deps.triggers.createIfAbsent(aTriggerState({ nextExecutionDate: '2026-03-01T12:00:00Z' }));
        },
      ],
    ])('creates nothing for %s', async (_case, prepare) => {
      await prepare();

      const result = await runDueSchedules(deps, NOW);

      expect(result.created).toBe(0);
      expect(deps.queue.sentIds('live')).toEqual([]);
      expect(await deps.executions.search({ page: 1, size: 10 })).toEqual({ results: [], total: 0, totalIsLowerBound: false });
    });
  });

  describe('recoverMissedSchedules', () => {
    it('ALL runs every missed tick, oldest first', async () => {
      await given({ recoverMissedSchedules: 'ALL' }, { nextExecutionDate: '2026-03-01T09:00:00Z' });

      const result = await runDueSchedules(deps, NOW);

      expect(result.created).toBe(4);
      expect(deps.queue.sentIds('live')).toEqual(['09', '10', '11', '12'].map((h) => liveId(`2026-03-01T${h}:00:00Z`)));
      expect(await rowNow()).toMatchObject({ nextExecutionDate: '2026-03-01T13:00:00Z', date: '2026-03-01T12:00:00Z' });
    });

    it('LAST runs only the latest due tick', async () => {
      await given({ recoverMissedSchedules: 'LAST' }, { nextExecutionDate: '2026-03-01T09:00:00Z' });

      await runDueSchedules(deps, NOW);

      expect(deps.queue.sentIds('live')).toEqual([liveId('2026-03-01T12:00:00Z')]);
      expect((await rowNow())!.nextExecutionDate).toBe('2026-03-01T13:00:00Z');
    });

    it('NONE runs only a tick that is on time', async () => {
      await given({ recoverMissedSchedules: 'NONE' }, { nextExecutionDate: '2026-03-01T09:00:00Z' });

      await runDueSchedules(deps, NOW);

      expect(deps.queue.sentIds('live')).toEqual([liveId('2026-03-01T12:00:00Z')]);
    });

    it('NONE moves straight to the next tick when every due tick is late', async () => {
      await given({ recoverMissedSchedules: 'NONE' }, { nextExecutionDate: '2026-03-01T09:00:00Z' });
      const later = new Date('2026-03-01T12:05:00Z');

      const result = await runDueSchedules(deps, later);

      expect(result).toMatchObject({ created: 0, due: 1 });
      expect(await rowNow()).toMatchObject({ nextExecutionDate: '2026-03-01T13:00:00Z', updatedDate: later.toISOString() });
      expect((await rowNow())!.date).toBeUndefined();
    });

    it("follows the settings' default when the trigger does not say", async () => {
      deps.settings = aSettings({ live: { recoverMissedSchedules: 'LAST' } });
      await given({}, { nextExecutionDate: '2026-03-01T09:00:00Z' });

      await runDueSchedules(deps, NOW);

      expect(deps.queue.sentIds('live')).toEqual([liveId('2026-03-01T12:00:00Z')]);
    });

    it('lateMaximumDelay skips ticks older than the delay whatever the policy', async () => {
      await given({ recoverMissedSchedules: 'ALL', lateMaximumDelay: 'PT1H30M' }, { nextExecutionDate: '2026-03-01T09:00:00Z' });

      await runDueSchedules(deps, NOW);

      expect(deps.queue.sentIds('live')).toEqual([liveId('2026-03-01T11:00:00Z'), liveId('2026-03-01T12:00:00Z')]);
    });

    it('replays at most 20 missed ticks per call, the rest on the next', async () => {
      await given({ cron: '* * * * *' }, { nextExecutionDate: '2026-03-01T11:00:00Z' });

      const first = await runDueSchedules(deps, NOW);
      const second = await runDueSchedules(deps, NOW);

      expect(first.created).toBe(20);
      expect(second.created).toBe(20);
      expect((await rowNow())!.nextExecutionDate).toBe('2026-03-01T11:40:00Z');
    });
  });

  describe('overlapping calls', () => {
    it('create one execution per tick between them', async () => {
      await given({ recoverMissedSchedules: 'ALL' }, { nextExecutionDate: '2026-03-01T09:00:00Z' });

      const results = await Promise.all([runDueSchedules(deps, NOW), runDueSchedules(deps, NOW)]);

      expect(results[0].created + results[1].created).toBe(4);
      expect((await deps.executions.search({ page: 1, size: 10 })).total).toBe(4);
      expect(new Set(deps.queue.sentIds('live')).size).toBe(4);
      expect((await rowNow())!.nextExecutionDate).toBe('2026-03-01T13:00:00Z');
    });

    it('stops where another call already moved the trigger on, leaving the rest to it', async () => {
      await given({ recoverMissedSchedules: 'ALL' }, { nextExecutionDate: '2026-03-01T09:00:00Z' });
      const list = deps.triggers.list.bind(deps.triggers);
      vi.spyOn(deps.triggers, 'list').mockImplementationOnce(async () => {
        const stale = await list();
        // Another call runs every due tick between this call's read and its writes.
        await runDueSchedules(deps, NOW);
        return stale;
      });

      const result = await runDueSchedules(deps, NOW);

      expect(result.created).toBe(0);
      // The other call queued its four; this one re-queued only the first tick before finding the trigger moved.
      expect(deps.queue.sentIds('live')).toHaveLength(5);
      expect((await rowNow())!.nextExecutionDate).toBe('2026-03-01T13:00:00Z');
    });
  });

  describe('sub-minute triggers', () => {
    it('are reported, so that a once-a-minute caller keeps ticking', async () => {
      await given({ cron: '*/10 * * * * *', withSeconds: true }, { nextExecutionDate: '2026-03-01T12:00:30Z', date: '2026-03-01T12:00:20Z' });

      const result = await runDueSchedules(deps, NOW);

      expect(result).toEqual({ created: 1, due: 1, subMinute: true, subMinuteTriggers: [REF] });
      expect((await rowNow())!.nextExecutionDate).toBe('2026-03-01T12:00:40Z');
    });

    it('are not reported for a trigger that ticks once a minute or less', async () => {
      await given({}, { nextExecutionDate: '2026-03-01T13:00:00Z', date: '2026-03-01T12:00:00Z' });

      expect((await runDueSchedules(deps, NOW)).subMinute).toBe(false);
    });
  });

  describe('a pass limited to some triggers', () => {
    it('reads only those rows, skipping missing ones', async () => {
      await given();
      const list = vi.spyOn(deps.triggers, 'list');

      const result = await runDueSchedules(deps, NOW, [REF, { ...REF, triggerId: 'gone' }]);

      expect(result).toMatchObject({ created: 1, due: 1 });
      expect(list).not.toHaveBeenCalled();
    });
  });
});
