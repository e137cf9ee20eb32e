import { beforeEach, describe, expect, it, vi } from 'vitest';
import { buildScheduledExecution, type ScheduledExecutionRequest } from '../../../lib/domain/scheduled-execution';
import { compileSchedule } from '../../../lib/domain/schedule';
import * as template from '../../../lib/domain/template';
import { aFlow, aScheduleTrigger } from '../../support/factories';

// Counts the engine's renders without changing them.
vi.mock('../../../lib/domain/template', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../lib/domain/template')>();
  return { ...original, render: vi.fn(original.render), createRenderer: vi.fn(original.createRenderer) };
});

const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');
const SCHEDULE = compileSchedule({ cron: '0 * * * *', withSeconds: false, timezone: 'UTC' });
/** Loops long past any budget: a hundred million iterations take seconds on any machine. */
const SLOW = '{% for i in 0..100000000 %}{% endfor %}';
/** Nested loops: the same, however it is written. */
const SLOWER = '{% for i in 0..100000 %}{% for j in 0..100000 %}{% set x = i * j %}{% endfor %}{% endfor %}';

let revision = 100;

function request(overrides: Partial<ScheduledExecutionRequest>, tick = 0): ScheduledExecutionRequest {
  const trigger = overrides.trigger ?? aScheduleTrigger();
  return {
    id: `e${tick}`,
    // A fresh revision per test: tick-independent outcomes are remembered per flow revision.
    flow: aFlow({ triggers: [trigger] }),
    trigger,
    schedule: SCHEDULE,
    tickMs: T0 + tick * HOUR,
    createdAt: new Date(T0 + tick * HOUR),
    origin: { backfillId: 'bf1', tickMs: T0 + tick * HOUR },
    ...overrides,
  };
}

const labelsOf = (built: ReturnType<typeof buildScheduledExecution>) => Object.fromEntries(built.execution.labels.map((l) => [l.key, l.value]));

describe('rendering labels and inputs', () => {
  beforeEach(() => {
    revision++;
    vi.mocked(template.render).mockClear();
    vi.mocked(template.createRenderer).mockClear();
  });

  it('fails an execution whose tick-dependent label loops, within the budget, naming the field and the shared budget', () => {
    const flow = aFlow({ revision, labels: [{ key: 'slow', value: `{{ trigger.date }}${SLOW}` }] });
    const built = buildScheduledExecution(request({ flow }));
    expect(built.execution.state.current).toBe('FAILED');
    expect(built.failure).toMatch(
      /^labels\.slow: Template rendering exceeded the time limit of 50 ms \(line 1, column \d+\); one execution's tick-dependent labels and inputs share this budget$/,
    );
  });

  it('fails an execution whose tick-independent input nests loops, naming the input and the budget', () => {
    const trigger = aScheduleTrigger({ inputs: { report: SLOWER } });
    const flow = aFlow({ revision, triggers: [trigger] });
    const built = buildScheduledExecution(request({ flow, trigger }));
    expect(built.failure).toMatch(/^inputs\.report: Template rendering exceeded the time limit of 50 ms/);
  });

  it('names the field of any render error', () => {
    const flow = aFlow({ revision, labels: [{ key: 'team', value: '{{ trigger.nope }}' }] });
    expect(buildScheduledExecution(request({ flow })).failure).toMatch(/^labels\.team: Unable to find variable 'trigger\.nope'/);
  });

  it('renders a label that reads nothing of the tick once for all ticks, and one that does for each', () => {
    const flow = aFlow({
      revision,
      labels: [
        { key: 'team', value: "{{ flow.namespace | upper }}-{{ 'ops' }}" },
        { key: 'day', value: "{{ trigger.date | date('HH') }}" },
      ],
    });
    const built = [0, 1, 2].map((tick) => buildScheduledExecution(request({ flow, id: `e${tick}` }, tick)));

    expect(built.map(labelsOf)).toEqual([
      expect.objectContaining({ team: 'DEV-ops', day: '00' }),
      expect.objectContaining({ team: 'DEV-ops', day: '01' }),
      expect.objectContaining({ team: 'DEV-ops', day: '02' }),
    ]);
    expect(vi.mocked(template.render).mock.calls.map(([text]) => text)).toEqual(["{{ flow.namespace | upper }}-{{ 'ops' }}"]);
    // One shared renderer per execution for what reads the tick.
    expect(template.createRenderer).toHaveBeenCalledTimes(3);
  });

  it('remembers the failure of a tick-independent template too: the slow loop runs once, not once per tick', () => {
    const flow = aFlow({ revision, labels: [{ key: 'slow', value: SLOW }] });
    const failures = [0, 1, 2].map((tick) => buildScheduledExecution(request({ flow, id: `e${tick}` }, tick)).failure);
    expect(failures).toEqual(Array(3).fill(expect.stringMatching(/^labels\.slow: Template rendering exceeded the time limit of 50 ms/)));
    expect(template.render).toHaveBeenCalledTimes(1);
  });

  it('renders per tick what reads execution, trigger or the clock', () => {
    const flow = aFlow({
      revision,
      labels: [
        { key: 'id', value: '{{ execution.id }}' },
        { key: 'at', value: "{{ now(format='yyyy') }}" },
        { key: 'shadow', value: '{% set trigger = 1 %}{{ trigger }}' },
      ],
    });
    const built = [0, 1].map((tick) => buildScheduledExecution(request({ flow, id: `e${tick}` }, tick)));
    expect(built.map((b) => labelsOf(b).id)).toEqual(['e0', 'e1']);
    expect(template.render).not.toHaveBeenCalled();
  });

  it('keeps rendered input keys and values, and the later of two labels with one key', () => {
    const trigger = aScheduleTrigger({ inputs: { '{{ flow.id }}_day': '{{ trigger.date }}' }, labels: [{ key: 'k', value: '{{ flow.id }}' }] });
    const flow = aFlow({
      revision,
      labels: [{ key: 'k', value: '{{ not.rendered }}' }],
      triggers: [trigger],
      inputs: [{ id: 'reports_day', type: 'STRING', required: true }],
    });
    const built = buildScheduledExecution(request({ flow, trigger }));
    expect(built.failure).toBeUndefined();
    expect(built.execution.inputs).toEqual({ reports_day: '2026-02-01T00:00:00Z' });
    expect(labelsOf(built).k).toBe('reports');
  });
});
