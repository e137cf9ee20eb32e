import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createFlow, deleteFlow, getFlow, toFlowJson, updateFlow, upsertFlow } from '../../../lib/app/flows';
import { FlowAlreadyExistsError, FlowNotFoundError } from '../../../lib/domain/errors';
import { ValidationError } from '../../../lib/domain/flow/errors';
import type { TriggerRef } from '../../../lib/domain/trigger-state';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aBackfill, aFlow, aTriggerState } from '../../support/factories';

interface TriggerYaml {
  id: string;
  cron: string;
  disabled?: boolean;
}

/** A flow's YAML: one Log task and the given Schedule triggers. */
function source(options: { namespace?: string; id?: string; description?: string; triggers?: TriggerYaml[] } = {}): string {
  const triggers = options.triggers ?? [{ id: 'hourly', cron: '0 * * * *' }];
  const lines = [
    `id: ${options.id ?? 'reports'}`,
    `namespace: ${options.namespace ?? 'dev'}`,
    ...(options.description ? [`description: ${options.description}`] : []),
    'tasks:',
    '  - id: hello',
    '    type: io.kestra.plugin.core.log.Log',
    '    message: hi',
  ];
  if (triggers.length) {
    lines.push('triggers:');
    for (const t of triggers) {
      lines.push(`  - id: ${t.id}`, '    type: io.kestra.plugin.core.trigger.Schedule', `    cron: "${t.cron}"`);
      if (t.disabled) lines.push('    disabled: true');
    }
  }
  return `${lines.join('\n')}\n`;
}

const REF: TriggerRef = { namespace: 'dev', flowId: 'reports', triggerId: 'hourly' };

describe('flows', () => {
  let deps: InMemoryDependencies;
  let now: string;

  beforeEach(() => {
    deps = inMemoryDependencies();
    now = deps.clock.now().toISOString();
  });

  describe('createFlow', () => {
    it('stores the parsed flow at revision 1', async () => {
      const flow = await createFlow(deps, source());

      expect(flow).toMatchObject({ namespace: 'dev', id: 'reports', revision: 1, source: source() });
      expect(await deps.flows.get('dev', 'reports')).toEqual(flow);
    });

    it('gives each Schedule trigger a row at its first tick after now', async () => {
      await createFlow(
        deps,
        source({
          triggers: [
            { id: 'hourly', cron: '0 * * * *' },
            { id: 'nightly', cron: '0 2 * * *' },
          ],
        }),
      );

      expect(await deps.triggers.listByFlow('dev', 'reports')).toEqual([
        aTriggerState({ nextExecutionDate: '2026-03-01T13:00:00Z', updatedDate: now }),
        aTriggerState({ triggerId: 'nightly', nextExecutionDate: '2026-03-02T02:00:00Z', updatedDate: now }),
      ]);
    });

    it('gives a disabled trigger a disabled row without a next tick', async () => {
      await createFlow(deps, source({ triggers: [{ id: 'hourly', cron: '0 * * * *', disabled: true }] }));

      expect(await deps.triggers.get(REF)).toMatchObject({ disabled: true, nextExecutionDate: null });
    });

    it('throws FlowAlreadyExistsError for an existing flow, leaving its rows alone', async () => {
      await createFlow(deps, source());
      await deps.triggers.updateSchedule(REF, { nextExecutionDate: '2026-03-01T15:00:00Z', disabled: false, updatedDate: now });

      await expect(createFlow(deps, source({ triggers: [{ id: 'hourly', cron: '30 * * * *' }] }))).rejects.toBeInstanceOf(FlowAlreadyExistsError);

      expect((await deps.triggers.get(REF))!.nextExecutionDate).toBe('2026-03-01T15:00:00Z');
    });

    it("refuses a task whose timeout is longer than the worker's time limit allows, naming the task", async () => {
      const shell = (timeout?: string) =>
        [
          'id: long',
          'namespace: dev',
          'tasks:',
          '  - id: fine',
          '    type: io.kestra.plugin.scripts.shell.Commands',
          '    commands: [echo ok]',
          '  - id: slow',
          '    type: io.kestra.plugin.scripts.shell.Commands',
          '    commands: [sleep 1]',
          ...(timeout ? [`    timeout: ${timeout}`] : []),
          '',
        ].join('\n');

      await expect(createFlow(deps, shell('PT20M'))).rejects.toMatchObject({
        path: 'tasks[1].timeout',
        message: expect.stringContaining('task "slow" may run for PT20M, longer than a worker can give one task: at most PT14M45S'),
      });
      expect(await deps.flows.get('dev', 'long')).toBeUndefined();
      // Within the limit (WORKER_TIMEOUT_SECONDS 900 less 15 s), and the default of 600 s: accepted.
      expect((await createFlow(deps, shell('PT14M45S'))).revision).toBe(1);
      await expect(updateFlow(deps, 'dev', 'long', shell('PT15M'))).rejects.toMatchObject({ path: 'tasks[1].timeout' });
    });

    it('throws a ValidationError for an invalid flow, writing nothing', async () => {
      await expect(createFlow(deps, 'id: reports\nnamespace: dev\ntasks: []\n')).rejects.toBeInstanceOf(ValidationError);

      expect(await deps.flows.list()).toEqual([]);
    });
  });

  describe('updateFlow', () => {
    beforeEach(async () => {
      await createFlow(deps, source());
    });

    it('stores the new definition at the next revision', async () => {
      const flow = await updateFlow(deps, 'dev', 'reports', source({ description: 'v2' }));

      expect(flow).toMatchObject({ revision: 2, description: 'v2' });
      expect(await deps.flows.get('dev', 'reports')).toEqual(flow);
    });

    it('keeps the revision of an unchanged source', async () => {
      const update = vi.spyOn(deps.flows, 'update');

      const flow = await updateFlow(deps, 'dev', 'reports', source());

      expect(flow.revision).toBe(1);
      expect(update).not.toHaveBeenCalled();
    });

    it('refuses YAML naming another namespace or id than the URL', async () => {
      await expect(updateFlow(deps, 'dev', 'reports', source({ namespace: 'prod' }))).rejects.toMatchObject({ path: 'namespace' });
      await expect(updateFlow(deps, 'dev', 'reports', source({ id: 'sales' }))).rejects.toMatchObject({ path: 'id' });

      expect((await deps.flows.get('dev', 'reports'))!.revision).toBe(1);
    });

    it('throws FlowNotFoundError for an unknown flow', async () => {
      await expect(updateFlow(deps, 'dev', 'nope', source({ id: 'nope' }))).rejects.toBeInstanceOf(FlowNotFoundError);
    });

    it('moves a trigger whose schedule changed to its new next tick', async () => {
      await updateFlow(deps, 'dev', 'reports', source({ triggers: [{ id: 'hourly', cron: '30 * * * *' }] }));

      expect((await deps.triggers.get(REF))!.nextExecutionDate).toBe('2026-03-01T12:30:00Z');
    });

    it('leaves a trigger whose schedule did not change where it is', async () => {
      await deps.triggers.advanceSchedule(REF, '2026-03-01T13:00:00Z', '2026-03-01T14:00:00Z', '2026-03-01T13:00:00Z', now);

      await updateFlow(deps, 'dev', 'reports', source({ description: 'v2' }));

      expect(await deps.triggers.get(REF)).toMatchObject({ nextExecutionDate: '2026-03-01T14:00:00Z', date: '2026-03-01T13:00:00Z' });
    });

    it('switches a trigger disabled in the YAML off, without a next tick', async () => {
      await updateFlow(deps, 'dev', 'reports', source({ triggers: [{ id: 'hourly', cron: '0 * * * *', disabled: true }] }));

      expect(await deps.triggers.get(REF)).toMatchObject({ disabled: true, nextExecutionDate: null });
    });

    it('adds a row for a new trigger', async () => {
      await updateFlow(
        deps,
        'dev',
        'reports',
        source({
          triggers: [
            { id: 'hourly', cron: '0 * * * *' },
            { id: 'nightly', cron: '0 2 * * *' },
          ],
        }),
      );

      expect((await deps.triggers.listByFlow('dev', 'reports')).map((r) => r.triggerId)).toEqual(['hourly', 'nightly']);
    });

    it('removes the row of a removed trigger and stops its backfill', async () => {
      await deps.triggers.startBackfill(REF, aBackfill({ executionName: 'reports-hourly-bf1-g0' }), now);

      await updateFlow(deps, 'dev', 'reports', source({ triggers: [{ id: 'nightly', cron: '0 2 * * *' }] }));

      expect((await deps.triggers.listByFlow('dev', 'reports')).map((r) => r.triggerId)).toEqual(['nightly']);
      expect(deps.workflows.stopped).toEqual(['reports-hourly-bf1-g0']);
    });
  });

  describe('upsertFlow', () => {
    it('creates a new flow', async () => {
      const result = await upsertFlow(deps, source());

      expect(result).toMatchObject({ action: 'created', flow: { revision: 1 } });
    });

    it('updates a flow whose source changed', async () => {
      await createFlow(deps, source());

      const result = await upsertFlow(deps, source({ description: 'v2' }));

      expect(result).toMatchObject({ action: 'updated', flow: { revision: 2 } });
    });

    it('leaves a flow whose source is the same at its revision, writing nothing', async () => {
      await createFlow(deps, source());
      const update = vi.spyOn(deps.flows, 'update');

      const result = await upsertFlow(deps, source());

      expect(result.action).toBe('unchanged');
      expect(result.flow.revision).toBe(1);
      expect(update).not.toHaveBeenCalled();
    });
  });

  describe('deleteFlow', () => {
    it('removes the flow and its trigger rows, stopping their backfills', async () => {
      await createFlow(
        deps,
        source({
          triggers: [
            { id: 'hourly', cron: '0 * * * *' },
            { id: 'nightly', cron: '0 2 * * *' },
          ],
        }),
      );
      await deps.triggers.startBackfill(REF, aBackfill({ executionName: 'reports-hourly-bf1-g0' }), now);

      await deleteFlow(deps, 'dev', 'reports');

      expect(await deps.flows.get('dev', 'reports')).toBeUndefined();
      expect(await deps.triggers.listByFlow('dev', 'reports')).toEqual([]);
      expect(deps.workflows.stopped).toEqual(['reports-hourly-bf1-g0']);
    });

    it('throws FlowNotFoundError for an unknown flow', async () => {
      await expect(deleteFlow(deps, 'dev', 'nope')).rejects.toBeInstanceOf(FlowNotFoundError);
    });

    it('keeps the revisions of a deleted flow: one created again with its id goes on from its last revision', async () => {
      await createFlow(deps, source({ description: 'first' }));
      await updateFlow(deps, 'dev', 'reports', source({ description: 'second' }));
      await deleteFlow(deps, 'dev', 'reports');

      const again = await createFlow(deps, source({ description: 'again' }));

      expect(again.revision).toBe(3);
      expect((await deps.flows.getRevision('dev', 'reports', 2))!.description).toBe('second');
      expect((await deps.flows.listRevisions('dev', 'reports')).map((f) => [f.revision, f.description])).toEqual([
        [1, 'first'],
        [2, 'second'],
        [3, 'again'],
      ]);
    });
  });

  describe('getFlow', () => {
    it('returns the stored flow', async () => {
      const flow = await createFlow(deps, source());

      expect(await getFlow(deps, 'dev', 'reports')).toEqual(flow);
    });

    it('throws FlowNotFoundError naming the flow', async () => {
      await expect(getFlow(deps, 'dev', 'nope')).rejects.toThrow(new FlowNotFoundError('Flow dev.nope not found'));
    });
  });

  describe('toFlowJson', () => {
    it("shapes the flow as Kestra's FlowWithSource, without internal fields", () => {
      const flow = aFlow({
        description: 'numbers',
        tasks: [
          {
            id: 'sh',
            type: 'io.kestra.plugin.scripts.shell.Commands',
            runner: 'PROCESS',
            commands: ['true'],
            beforeCommands: [],
            env: {},
            timeout: 'PT1M',
            timeoutMs: 60_000,
          },
        ],
      });

      const json = toFlowJson(flow);

      expect(json).toEqual({
        id: 'reports',
        namespace: 'dev',
        revision: 1,
        description: 'numbers',
        inputs: [],
        labels: [],
        tasks: [
          { id: 'sh', type: 'io.kestra.plugin.scripts.shell.Commands', runner: 'PROCESS', commands: ['true'], beforeCommands: [], env: {}, timeout: 'PT1M' },
        ],
        triggers: flow.triggers,
        disabled: false,
        deleted: false,
        source: flow.source,
      });
    });

    it('leaves out an absent description', () => {
      expect(toFlowJson(aFlow())).not.toHaveProperty('description');
    });
  });
});
