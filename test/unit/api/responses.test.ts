import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { triggerView } from '../../../lib/app/trigger-view';
import type { BackfillState, TriggerState } from '../../../lib/domain/trigger-state';
import { ManualClock } from '../../support/manual-clock';

const CLIENT = join(__dirname, '../../../lib/ui/client');

describe('the response types the web UI shares with the server', () => {
  it('reach the UI as types only, so its bundle holds no server code', () => {
    // Every `import … from` / `export … from` of a module outside the UI's own folder.
    const serverImports = readdirSync(CLIENT)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        [...readFileSync(join(CLIENT, file), 'utf8').matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'(\.\.\/[^']+)';/gms)].map((m) => ({
          file,
          typeOnly: !!m[1],
          from: m[2],
        })),
      );
    expect(serverImports.map((i) => i.from)).toContain('../../api/responses');
    expect(serverImports.filter((i) => !i.typeOnly)).toEqual([]);
  });
});

describe('triggerView (the Trigger JSON the API returns)', () => {
  const backfill: BackfillState = {
    id: 'b1',
    start: '2026-11-24T08:00:00+01:00',
    end: '2026-11-24T13:00:00+01:00',
    cursorMs: Date.parse('2026-11-24T09:00:00Z'),
    currentDate: '2026-11-24T10:00:00+01:00',
    paused: false,
    inputs: null,
    labels: [{ key: 'reason', value: 'outage' }],
    previousNextExecutionDate: '2026-11-24T13:30:00+01:00',
    totalTicks: 11,
    dispatched: 5,
    reprocess: 'FAILED_AND_MISSING',
    flowRevision: 6,
    order: 'OLDEST_FIRST',
    rateSamples: [],
    skipped: 1,
    openPages: ['b1|p'],
    ended: 0,
    failed: 0,
    killed: 0,
    executionName: 'f-schedule-b1-g0',
    generation: 0,
    createdDate: '2026-11-24T12:00:00.000Z',
  };
  const state: TriggerState = {
    namespace: 'dev',
    flowId: 'f',
    triggerId: 'schedule',
    nextExecutionDate: '2026-11-24T13:30:00+01:00',
    disabled: false,
    updatedDate: 'u',
    backfill,
    backfills: [backfill],
  };
  const clock = new ManualClock('2026-11-24T12:10:00Z');
  const deps = (stateMachineArn?: string) => ({
    settings: { stateMachineArn },
    clock,
    // One open page of three ticks, one of them ended FAILED: two in flight, one of them running.
    executions: { countRunning: async () => 1 },
    ledger: { read: async () => [{ id: 'b1|p', backfillId: 'b1', ticks: [1, 2, 3], sentAt: 's', ended: [2], failed: [2] }] },
  });

  it("keeps Kestra's field order and adds the backfill's progress and, on AWS, its execution's links", async () => {
    const json = await triggerView(deps('arn:aws:states:eu-west-1:123456789012:stateMachine:m'), state);
    expect(Object.keys(json)).toEqual([
      'namespace',
      'flowId',
      'triggerId',
      'nextExecutionDate',
      'liveNextExecutionDate',
      'backfill',
      'backfills',
      'disabled',
      'updatedDate',
    ]);
    // The one backfill is also the only one of `backfills`, with the same progress.
    expect(json.backfills).toEqual([json.backfill]);
    expect(json.nextExecutionDate).toBe(backfill.currentDate);
    expect(json.liveNextExecutionDate).toBe(state.nextExecutionDate);
    expect(json.backfill).toEqual({
      start: backfill.start,
      end: backfill.end,
      currentDate: backfill.currentDate,
      paused: false,
      labels: backfill.labels,
      previousNextExecutionDate: backfill.previousNextExecutionDate,
      id: 'b1',
      reprocess: 'FAILED_AND_MISSING',
      flowRevision: 6,
      latestRevision: false,
      order: 'OLDEST_FIRST',
      stateMachineExecutionName: 'f-schedule-b1-g0',
      createdDate: backfill.createdDate,
      progress: { total: 11, dispatched: 5, queued: 1, running: 1, succeeded: 1, failed: 1, killed: 0, skipped: 1, rate: null, eta: null },
      stateMachineExecutionArn: 'arn:aws:states:eu-west-1:123456789012:execution:m:f-schedule-b1-g0',
      stateMachineConsoleUrl: expect.stringContaining('https://eu-west-1.console.aws.amazon.com/'),
    });
  });

  it('measures the rate from the samples and the ended slots of the open pages, and the ETA of what is left', async () => {
    // 4 ended by 12:06 (folded), 1 more ended on the open page by 12:10: 1 in 4 minutes. Left: 11 - 1 skipped - 5 ended.
    const sampled = { ...backfill, ended: 4, rateSamples: [{ atMs: Date.parse('2026-11-24T12:06:00Z'), ended: 4 }] };

    const progress = (await triggerView(deps(), { ...state, backfill: sampled, backfills: [sampled] })).backfill?.progress;

    expect(progress).toMatchObject({ rate: 0.25, eta: '2026-11-24T12:30:00.000Z' });
    const pausedOne = { ...sampled, paused: true };
    const paused = (await triggerView(deps(), { ...state, backfill: pausedOne, backfills: [pausedOne] })).backfill?.progress;
    expect(paused).toMatchObject({ rate: null, eta: null });
  });

  it('shows no next date while disabled, and no backfill fields without one', async () => {
    const json = await triggerView(deps(), { ...state, backfill: undefined, backfills: [], disabled: true, date: 'd' });
    expect(json).toEqual({ namespace: 'dev', flowId: 'f', triggerId: 'schedule', date: 'd', disabled: true, updatedDate: 'u' });
  });
});
