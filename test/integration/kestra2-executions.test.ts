import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestProduct, startProduct, waitFor } from '../support/local';

const V2 = '/api/v1/main';
/** Short windows, so that every follow below has to reconnect at least once, as an EventSource does. */
const STREAM_MAX_MS = 1500;

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** The events of one answer, as they arrive; `status` is the answer's. */
async function* readEvents(response: Response): AsyncGenerator<SseEvent> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const event: SseEvent = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = line.slice(0, colon) as keyof SseEvent;
          if (field === 'id' || field === 'event' || field === 'data') event[field] = line.slice(colon + 2);
        }
        if (Object.keys(event).length) yield event;
      }
    }
  } finally {
    await reader.cancel();
  }
}

/**
 * Follows `path` as a browser's EventSource does, and as Kestra's UI uses it: reconnects whenever an
 * answer ends, sending the last event id it saw as Last-Event-ID, and closes on the event whose id is
 * `end`. `onEvent` sees every event. Gives up (throws) after `timeoutMs`.
 */
async function followLikeAnEventSource(
  baseUrl: string,
  path: string,
  onEvent: (event: SseEvent) => void,
  timeoutMs = 60_000,
): Promise<{ events: SseEvent[]; answers: number }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const events: SseEvent[] = [];
  let lastEventId: string | undefined;
  for (let answers = 1; ; answers++) {
    const response = await fetch(`${baseUrl}${path}`, { signal, headers: lastEventId ? { 'last-event-id': lastEventId } : {} });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    for await (const event of readEvents(response)) {
      events.push(event);
      onEvent(event);
      if (event.id !== undefined) lastEventId = event.id;
      if (event.id === 'end') return { events, answers };
    }
  }
}

describe('executions and logs through the Kestra 2.x routes, over HTTP', () => {
  let product: TestProduct;
  let scratch: string;
  let gate: string;

  beforeAll(async () => {
    product = await startProduct({ streamMaxMs: STREAM_MAX_MS });
    scratch = mkdtempSync(join(tmpdir(), 'kestra2-executions-'));
    gate = join(scratch, 'gate');
    // A short shell task that prints 30 lines, then waits (30 s at most) for the test to open its
    // gate: the execution runs while the test follows it, whatever the machine's pace. The worker
    // writes a log in batches of 25 lines (and the rest as the task ends), so 25 lines are visible
    // while it waits.
    const flow = `id: gated
namespace: follow
tasks:
  - id: work
    type: io.kestra.plugin.scripts.shell.Commands
    timeout: PT60S
    commands:
      - i=1; while [ $i -le 30 ]; do echo "line $i"; i=$((i+1)); done
      - n=0; while [ ! -e '${gate}' ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done
      - echo "through the gate"
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
`;
    expect((await product.api.createFlow(flow)).status).toBe(200);
  });
  afterAll(async () => {
    await product?.runtime.workflows.idle();
    await product?.runtime.queue.idle();
    await product?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('follows a running execution and its log as event streams until it ends, reconnecting across windows, each line once', async () => {
    const tick = new Date(Date.now() - 3 * 3600_000);
    tick.setUTCMinutes(0, 0, 0);
    const created = await product.api.call('PUT', `${V2}/triggers/backfill/create`, {
      namespace: 'follow',
      flowId: 'gated',
      triggerId: 'hourly',
      backfill: { start: tick.toISOString(), end: tick.toISOString() },
    });
    expect(created.status).toBe(200);
    const running = await waitFor(async () => {
      const { body } = await product.api.call('GET', `${V2}/executions/search?namespace=follow&flowId=gated`);
      return body.results.find((e: { state: { current: string } }) => e.state.current === 'RUNNING');
    }, 30_000);
    expect(running, 'the execution runs').toBeTruthy();
    const id: string = running.id;

    // The gate opens once the execution's follow saw it running, and the log's had to reconnect after lines.
    const seen = { running: false, logReconnectsAfterLines: 0 };
    const openGateWhenSeen = () => {
      if (seen.running && seen.logReconnectsAfterLines > 0) writeFileSync(gate, '');
    };
    const [execution, log] = await Promise.all([
      followLikeAnEventSource(product.api.baseUrl, `${V2}/executions/${id}/follow`, (event) => {
        if (event.id === 'progress' && JSON.parse(event.data ?? '{}').state?.current === 'RUNNING') seen.running = true;
        openGateWhenSeen();
      }),
      followLikeAnEventSource(product.api.baseUrl, `${V2}/logs/${id}/follow`, (event) => {
        if (event.event === 'reconnect' && event.id !== undefined) seen.logReconnectsAfterLines++;
        openGateWhenSeen();
      }),
    ]);

    // The execution: Kestra's start, its states as they changed, its end; each window ending with a reconnect.
    expect(execution.answers).toBeGreaterThan(1);
    const states = execution.events.filter((e) => e.id === 'progress' || e.id === 'end').map((e) => `${e.id} ${JSON.parse(e.data!).state.current}`);
    expect(states).toContain('progress RUNNING');
    expect(states.slice(-2)).toEqual(['progress SUCCESS', 'end SUCCESS']);
    expect(execution.events.filter((e) => e.id === 'start').map((e) => JSON.parse(e.data!))).toEqual(Array(execution.answers).fill({ id }));
    expect(execution.events.filter((e) => e.event === 'reconnect')).toHaveLength(execution.answers - 1);
    const final = JSON.parse(execution.events.at(-1)!.data!);
    expect(final).toMatchObject({ id, originalId: id, deleted: false, flowRevision: 1, metadata: { attemptNumber: 1 }, state: { current: 'SUCCESS' } });

    // The log: every line once, in order, across its windows, then its end.
    expect(log.answers).toBeGreaterThan(1);
    const lines = log.events.filter((e) => e.id === 'progress').map((e) => JSON.parse(e.data!));
    expect(lines.map((l) => l.message)).toEqual([...Array.from({ length: 30 }, (_, i) => `line ${i + 1}`), 'through the gate']);
    expect(lines[0]).toMatchObject({ namespace: 'follow', flowId: 'gated', executionId: id, taskId: 'work', level: 'INFO' });
    expect(log.events.at(-1)).toEqual({ id: 'end', data: JSON.stringify({ namespace: 'follow', flowId: 'gated', executionId: id }) });

    // An EventSource that reconnects after `end` is told to stop for good.
    const after = await fetch(`${product.api.baseUrl}${V2}/logs/${id}/follow`, { headers: { 'last-event-id': 'end' } });
    expect(after.status).toBe(204);

    // The same execution through GET, with Kestra 2.x's required fields; its log as 1.x answers it.
    const got = await product.api.call('GET', `${V2}/executions/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id, namespace: 'follow', flowId: 'gated', flowRevision: 1, originalId: id, deleted: false, trigger: { id: 'hourly' } });
    expect(got.body.metadata).toEqual({ originalCreatedDate: got.body.state.histories[0].date, attemptNumber: 1 });
    expect(got.body.state.histories.map((h: { state: string }) => h.state)).toEqual(['CREATED', 'RUNNING', 'SUCCESS']);
    expect((await product.api.call('GET', `${V2}/logs/${id}`)).body).toEqual((await product.api.call('GET', `/api/v1/logs/${id}`)).body);
    const download = await fetch(`${product.api.baseUrl}${V2}/logs/${id}/download`);
    expect(await download.text()).toMatch(/ INFO \[work\] line 30\n.* INFO \[work\] through the gate\n$/);
  });

  it('answers 404 naming the execution on every 2.x execution and log route', async () => {
    for (const path of ['executions/nope', 'executions/nope/follow', 'logs/nope', 'logs/nope/download', 'logs/nope/follow']) {
      const { status, body } = await product.api.call('GET', `${V2}/${path}`);
      expect(status, path).toBe(404);
      expect(body, path).toEqual({ message: 'Execution nope not found' });
    }
  });
});
