import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogSearchPage } from '../../lib/api/responses';
import { KEPT_LINE_BYTES, cutMarker } from '../../lib/domain/log-limits';
import type { LogEntry } from '../../lib/ports';
import { LAMBDA_RESPONSE_LIMIT_BYTES, payloadBytes } from '../../lib/util/lambda-response-limit';
import { type TestProduct, startProduct, waitFor } from '../support/local';

const HUGE_LINE_BYTES = 3_000_000;
const LINES = 1200;
const QUOTES = 1100;
/**
 * The cap on an attempt's lines, lowered from its default (10,000) by its setting: each line is an
 * item written to dynalite, which writes about 1 MB a second.
 */
const MAX_LINES = 1000;

/**
 * One line of 3 MB without a break, then 1,200 lines of 1,100 quotes: 4.3 MB of output. A quote
 * takes 2 bytes stored and 4 in an answer (escaped in the JSON, and again in the Lambda's response),
 * so the 1,000 lines kept (2.3 MB stored) take more than one answer.
 */
const FLOW = `id: chatty
namespace: logs
tasks:
  - id: print
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - head -c ${HUGE_LINE_BYTES} /dev/zero | tr '\\0' a; echo
      - awk 'BEGIN { s = sprintf("%${QUOTES}s", ""); gsub(/ /, "\\"", s); for (i = 0; i < ${LINES}; i++) print "line " i " " s }'
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 * * *"
`;

/** Whether an HTTP body would fit in Lambda's response: its size inside the response's JSON. */
const fitsLambda = (body: string) => payloadBytes(body) + 200 <= LAMBDA_RESPONSE_LIMIT_BYTES;

describe('a task printing one huge line and many lines', () => {
  let product: TestProduct;
  let executionId: string;

  beforeAll(async () => {
    product = await startProduct({ env: { ...process.env, WORKER_LOG_MAX_LINES: String(MAX_LINES) } });
    expect((await product.api.createFlow(FLOW)).status).toBe(200);
    const start = new Date(Date.now() - 3 * 86_400_000);
    start.setUTCHours(0, 0, 0, 0);
    const response = await product.api.call('PUT', '/api/v1/triggers', {
      namespace: 'logs',
      flowId: 'chatty',
      triggerId: 'schedule',
      backfill: { start: start.toISOString(), end: start.toISOString() },
    });
    expect(response.status).toBe(200);
    const [execution] = (await waitFor(async () => {
      const found = await product.api.executions('logs', 'chatty');
      return found.length === 1 && ['SUCCESS', 'FAILED'].includes(found[0].state.current) ? found : undefined;
    }, 30_000)) as { id: string; state: { current: string } }[];
    expect(execution?.state.current, 'the execution ends in its real state').toBe('SUCCESS');
    executionId = execution?.id ?? '';
  });
  afterAll(async () => product?.close());

  /** GET as text, checked against Lambda's limit. */
  async function getText(path: string): Promise<{ status: number; text: string; next: string | null }> {
    const response = await fetch(`${product.runtime.url}${path}`);
    const text = await response.text();
    expect(fitsLambda(text), `${path} fits in Lambda's response`).toBe(true);
    return { status: response.status, text, next: response.headers.get('x-next-cursor') };
  }

  it('stores the huge line cut with a marker, and the log capped with a final line saying how much was dropped', async () => {
    const lines: LogEntry[] = [];
    let cursor = '';
    let pages = 0;
    for (;;) {
      const { status, text } = await getText(`/api/v1/logs/search?executionId=${executionId}&size=10000&cursor=${cursor}`);
      expect(status).toBe(200);
      const page = JSON.parse(text) as LogSearchPage;
      lines.push(...page.results);
      pages++;
      cursor = page.nextCursor ?? '';
      if (!page.more) break;
    }

    expect(pages, 'the log comes in several pages').toBeGreaterThan(1);
    expect(lines[0]?.message).toBe(`${'a'.repeat(KEPT_LINE_BYTES)}${cutMarker(HUGE_LINE_BYTES - KEPT_LINE_BYTES)}`);
    const printed = lines.filter((l) => l.message.startsWith('line '));
    expect(printed.map((l) => Number(l.message.split(' ')[1]))).toEqual(printed.map((_, i) => i));
    const capped = lines.find((l) => l.message.startsWith('Log capped'));
    expect(capped?.level).toBe('WARN');
    expect(capped?.message).toContain(`: ${LINES - printed.length} more lines (`);
    expect(lines.at(-1), 'the marker is the last line').toBe(capped);
    expect(printed.length + 1, 'the huge line and the printed lines kept').toBe(MAX_LINES);
  });

  it("answers GET /logs/{id} with Kestra's list, cut to fit with a line saying where the rest is", async () => {
    const { status, text, next } = await getText(`/api/v1/logs/${executionId}`);

    expect(status).toBe(200);
    const lines = JSON.parse(text) as LogEntry[];
    expect(next).toMatch(/^\d+$/);
    expect(lines.at(-1)?.message).toContain(`/api/v1/logs/search?executionId=${executionId}&cursor=${next}`);
  });

  it('downloads the log as text, in parts that each fit', async () => {
    let cursor = '';
    let lines = 0;
    for (let part = 0; ; part++) {
      expect(part).toBeLessThan(10);
      const { status, text, next } = await getText(`/api/v1/logs/${executionId}/download?cursor=${cursor}`);
      expect(status).toBe(200);
      lines += text.split('\n').filter((l) => l && !l.startsWith('… the log continues')).length;
      if (!next) break;
      cursor = next;
    }
    expect(lines).toBe(MAX_LINES + 1);
  });
});
