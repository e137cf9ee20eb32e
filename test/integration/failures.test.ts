import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestProduct, startProduct, waitFor } from '../support/local';

const FLOW = `id: flaky
namespace: fail
inputs:
  - id: day
    type: DATE
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message:
      - "day {{ inputs.day }} for {{ trigger.date | date('yyyy-MM-dd HH:mm', timeZone='Europe/Paris') }}"
      - "label {{ labels.reason }}"
  - id: maybe
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - test "{{ trigger.date | date('mm') }}" != "30"
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/30 * * * *"
    inputs:
      day: "{{ trigger.date | date('yyyy-MM-dd') }}"
`;

describe('failing tasks and rendered inputs', () => {
  let product: TestProduct;
  beforeAll(async () => {
    product = await startProduct();
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
  });
  afterAll(async () => product?.close());

  it('marks failed executions FAILED with the reason in the logs, and renders inputs and labels per tick', async () => {
    const start = new Date(Date.now() - 10 * 3600_000);
    start.setUTCMinutes(0, 0, 0);
    const response = await product.api.call('PUT', '/api/v1/triggers', {
      namespace: 'fail',
      flowId: 'flaky',
      triggerId: 'schedule',
      backfill: {
        start: start.toISOString(),
        end: new Date(start.getTime() + 3 * 1800_000).toISOString(),
        labels: { reason: 'rerun-{{ trigger.date | date("HH") }}' },
      },
    });
    expect(response.status).toBe(200);
    const executions = await waitFor(async () => {
      const ex = await product.api.executions('fail', 'flaky');
      return ex.length === 4 && ex.every((e) => ['SUCCESS', 'FAILED'].includes(e.state.current)) ? ex : undefined;
    }, 30_000);
    expect(executions).toBeTruthy();
    const byDate = new Map((executions as any[]).map((e) => [e.trigger.variables.date, e]));
    for (const [date, e] of byDate) {
      const onHalfHour = date.includes(':30:');
      expect(e.state.current).toBe(onHalfHour ? 'FAILED' : 'SUCCESS');
      expect(e.inputs).toEqual({ day: date.slice(0, 10) });
      expect(e.labels).toContainEqual({ key: 'reason', value: `rerun-${date.slice(11, 13)}` });
      expect(e.taskRunList.map((t: any) => t.state.current)).toEqual(['SUCCESS', onHalfHour ? 'FAILED' : 'SUCCESS']);
      const logs = (await product.api.call('GET', `/api/v1/logs/${e.id}`)).body;
      expect(logs[0].message).toMatch(/^day \d{4}-\d{2}-\d{2} for \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      expect(logs[1].message).toBe(`label rerun-${date.slice(11, 13)}`);
      if (onHalfHour) expect(logs.at(-1)).toMatchObject({ level: 'ERROR', taskId: 'maybe', message: 'Command failed with exit code 1' });
    }
    const failed = await product.api.call('GET', '/api/v1/executions/search?namespace=fail&state=FAILED');
    expect(failed.body.total).toBe(2);
  });
});
