import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FLOW, type TestProduct, startProduct, waitFor } from '../support/local';

const run = promisify(execFile);

/**
 * The seed page's own clients, as real processes: its curl command (through `sh`) and its Python
 * `requests` script, read from the seed page itself (`../shared/seed/backfills.md`, beside the
 * project; `test/fixtures/seed-backfills.md` is a verbatim copy for checkouts without it), changed
 * in one thing only: the port, since the test's product listens on a free one.
 * Both ask for every half-hour since 2024-03-28 06:30 UTC with `"end": null` (now): tens of thousands
 * of ticks. The test checks the answer and that the replay starts at the first tick, then deletes it.
 */
const SHARED_SEED = new URL('../../../shared/seed/backfills.md', import.meta.url);
const VENDORED_SEED = readFileSync(new URL('../fixtures/seed-backfills.md', import.meta.url), 'utf8');
const SEED_PAGE = existsSync(SHARED_SEED) ? readFileSync(SHARED_SEED, 'utf8') : VENDORED_SEED;

function snippet(first: string, last: string): string {
  const start = SEED_PAGE.indexOf(first);
  const end = SEED_PAGE.indexOf(last, start);
  if (start < 0 || end < 0) throw new Error(`the seed page has no snippet from "${first}" to "${last}"`);
  return SEED_PAGE.slice(start, end + last.length);
}

const CURL = snippet('curl -XPUT http://localhost:8080/api/v1/triggers', `"triggerId": "schedule"\n}'`);
const PYTHON = snippet('import requests', 'print(response.text)');
const FIRST_TICK = '2024-03-28T06:30:00Z';

describe("the seed page's curl and Python clients, run as written", () => {
  let product: TestProduct;
  beforeAll(async () => {
    // Few executions in flight per backfill: a deleted backfill's queued executions still run (Kestra's
    // delete keeps what was made), and the next test's first tick queues behind them.
    product = await startProduct({ workerConcurrency: 2, env: { BACKFILL_MAX_IN_FLIGHT: '4' } });
    expect((await product.api.createFlow(SEED_FLOW)).status).toBe(200);
  });
  afterAll(async () => product?.close());

  const onOurPort = (code: string) => code.replaceAll('http://localhost:8080', product.runtime.url);

  it('reads the seed page as it is beside the project (the vendored copy matches it)', () => {
    expect(VENDORED_SEED).toBe(SEED_PAGE);
    expect(CURL).toContain('"start": "2024-03-28T06:30:00.000Z"');
    expect(PYTHON).toContain('requests.put(url, headers=headers, data=json.dumps(data))');
  });

  /** Checks the trigger JSON the client printed, waits for the replay's first tick, deletes the backfill. */
  async function expectReplayFromFirstTick(trigger: any) {
    expect(trigger).toMatchObject({ namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' });
    expect(trigger.backfill).toMatchObject({ start: FIRST_TICK, labels: [{ key: 'reason', value: 'outage' }], paused: false });
    const backfillLabel = `&labels=system.backfill:${trigger.backfill.id}`;
    const first = await waitFor(async () => {
      const found = await product.api.executions('dev', 'scheduled_flow', `${backfillLabel}&labels=reason:outage`);
      return found.find((x) => x.trigger?.variables?.date === FIRST_TICK);
    }, 30_000);
    expect(first).toBeDefined();
    const deleted = await product.api.call('POST', '/api/v1/triggers/backfill/delete', { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' });
    expect(deleted.status).toBe(200);
  }

  it('curl: 200 with the trigger and its backfill, and the replay starts at 2024-03-28 06:30', async () => {
    const { stdout } = await run('sh', ['-c', onOurPort(CURL)], { timeout: 30_000 });
    await expectReplayFromFirstTick(JSON.parse(stdout));
  });

  it('Python requests: prints 200 and the trigger, and the replay starts at 2024-03-28 06:30', async () => {
    const { stdout } = await run('python3', ['-c', onOurPort(PYTHON)], { timeout: 30_000 });
    const [status, ...body] = stdout.trimEnd().split('\n');
    expect(status).toBe('200');
    await expectReplayFromFirstTick(JSON.parse(body.join('\n')));
  });
});
