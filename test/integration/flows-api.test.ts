import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FLOW, type TestProduct, startProduct } from '../support/local';

describe('flows API, as Kestra', () => {
  let product: TestProduct;
  beforeAll(async () => {
    product = await startProduct();
  });
  afterAll(async () => product?.close());

  it('creates from YAML, gets, lists, updates with a new revision, and deletes', async () => {
    const before = Date.now();
    const created = await product.api.createFlow(SEED_FLOW);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ id: 'scheduled_flow', namespace: 'dev', revision: 1, source: SEED_FLOW });
    expect(created.body.triggers[0]).toMatchObject({ id: 'schedule', cron: '*/30 * * * *', timezone: 'UTC' });

    const again = await product.api.createFlow(SEED_FLOW);
    expect(again.status).toBe(409);

    const got = await product.api.call('GET', '/api/v1/flows/dev/scheduled_flow');
    expect(got.body.revision).toBe(1);

    const triggers = await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow');
    expect(triggers.body.total).toBe(1);
    const next = Date.parse(triggers.body.results[0].nextExecutionDate);
    // The first half hour after the flow was created (not after now: the clock may have crossed one since).
    expect(next).toBeGreaterThan(before);
    expect(next).toBeLessThanOrEqual(before + 30 * 60_000);
    expect(next % (30 * 60_000)).toBe(0);

    const changed = SEED_FLOW.replace('*/30 * * * *', '0 * * * *');
    const updated = await product.api.call('PUT', '/api/v1/flows/dev/scheduled_flow', changed, 'application/x-yaml');
    expect(updated.status).toBe(200);
    expect(updated.body.revision).toBe(2);
    const after = await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow');
    expect(Date.parse(after.body.results[0].nextExecutionDate) % 3600_000).toBe(0);

    const unchanged = await product.api.call('PUT', '/api/v1/flows/dev/scheduled_flow', changed, 'application/x-yaml');
    expect(unchanged.body.revision).toBe(2);

    // Every revision is kept: the replaced one as it was, then the current one (also under the tenant path).
    const revisions = await product.api.call('GET', '/api/v1/flows/dev/scheduled_flow/revisions');
    expect(revisions.status).toBe(200);
    expect(revisions.body.map((f: { revision: number; source: string }) => [f.revision, f.source])).toEqual([
      [1, SEED_FLOW],
      [2, changed],
    ]);
    expect((await product.api.call('GET', '/api/v1/main/flows/dev/scheduled_flow/revisions')).body).toEqual(revisions.body);

    const listed = await product.api.call('GET', '/api/v1/flows/search?namespace=dev');
    expect(listed.body.total).toBe(1);
    expect(listed.body.results[0].id).toBe('scheduled_flow');

    const deleted = await product.api.call('DELETE', '/api/v1/flows/dev/scheduled_flow');
    expect(deleted.status).toBe(204);
    expect((await product.api.call('GET', '/api/v1/flows/dev/scheduled_flow')).status).toBe(404);
    expect((await product.api.call('GET', '/api/v1/triggers/dev/scheduled_flow')).status).toBe(404);
    expect((await product.api.call('GET', '/api/v1/flows/dev/scheduled_flow/revisions')).status).toBe(404);

    // Created again, it goes on from its last revision (as in Kestra): a number never names two definitions.
    const recreated = await product.api.createFlow(SEED_FLOW);
    expect(recreated.body.revision).toBe(3);
    await product.api.call('DELETE', '/api/v1/flows/dev/scheduled_flow');
  });

  it.each([
    ['a missing id', SEED_FLOW.replace('id: scheduled_flow\n', ''), 'id'],
    ['an unknown task type', SEED_FLOW.replace('io.kestra.plugin.scripts.shell.Commands', 'io.kestra.plugin.Nope'), 'tasks[0].type'],
    ['an unknown trigger type', SEED_FLOW.replace('io.kestra.core.models.triggers.types.Schedule', 'io.kestra.Webhook'), 'triggers[0].type'],
    ['a bad cron', SEED_FLOW.replace('*/30 * * * *', '*/30 * * *'), 'triggers[0].cron'],
    ['an unknown time zone', SEED_FLOW.replace('cron: "*/30 * * * *"', 'cron: "*/30 * * * *"\n    timezone: Mars/Base'), 'triggers[0].timezone'],
    ['a duplicate id', SEED_FLOW.replace('  - id: schedule', '  - id: external_system_export'), 'triggers[0].id'],
    ['YAML that does not parse', 'id: [oops', 'yaml'],
  ])('rejects %s with a 400 naming the path, and stores nothing', async (_name, yaml, path) => {
    const response = await product.api.createFlow(yaml);
    expect(response.status).toBe(400);
    expect(response.body.path).toBe(path);
    expect(response.body.message.startsWith(`${path}: `)).toBe(true);
    const listed = await product.api.call('GET', '/api/v1/flows/search');
    expect(listed.body.total).toBe(0);
  });

  it('refuses an update whose YAML names another flow', async () => {
    await product.api.createFlow(SEED_FLOW.replace('scheduled_flow', 'other'));
    const response = await product.api.call('PUT', '/api/v1/flows/dev/other', SEED_FLOW, 'application/x-yaml');
    expect(response.status).toBe(400);
    expect(response.body.path).toBe('id');
    await product.api.call('DELETE', '/api/v1/flows/dev/other');
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    expect((await product.api.call('GET', '/api/v1/nothing')).status).toBe(404);
    expect((await product.api.call('DELETE', '/api/v1/triggers')).status).toBe(405);
  });
});
