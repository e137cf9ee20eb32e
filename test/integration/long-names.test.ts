import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LABELS, MAX_LENGTH } from '../../lib/domain/id-limits';
import { SEED_FLOW, type TestProduct, startProduct } from '../support/local';

/**
 * Names longer than DynamoDB keys may be (partition keys 2,048 bytes, sort keys 1,024) answered 500s
 * on nine routes. Every route that takes a name is driven over HTTP with 3,000–5,000-character
 * values: each answers a 400 naming the field and the limit, and nothing is written.
 */
const long = (n: number, c = 'a') => c.repeat(n);
const NS = long(3000);
const FLOW = long(4000);
const TRIGGER = long(5000);
const EXECUTION = long(4000, 'A');
const ref = { namespace: 'dev', flowId: 'scheduled_flow', triggerId: 'schedule' };
const hourAgo = () => new Date(Date.now() - 3600_000).toISOString();

/** The seed flow with `line` replaced, e.g. its namespace. */
const seedWith = (from: string, to: string) => {
  expect(SEED_FLOW).toContain(from);
  return SEED_FLOW.replace(from, to);
};

type Case = [name: string, method: string, path: string, body: unknown, field: string, max: number];

const yaml = (text: string) => ({ yaml: text });

const CASES: Case[] = [
  // Flows, as YAML.
  ['POST /flows: namespace', 'POST', '/api/v1/flows', yaml(seedWith('namespace: dev', `namespace: ${NS}`)), 'namespace', MAX_LENGTH.namespace],
  ['POST /flows: flow id', 'POST', '/api/v1/flows', yaml(seedWith('id: scheduled_flow', `id: ${FLOW}`)), 'id', MAX_LENGTH.flowId],
  ['POST /flows: task id', 'POST', '/api/v1/flows', yaml(seedWith('- id: external_system_export', `- id: ${long(3000)}`)), 'tasks[0].id', MAX_LENGTH.elementId],
  ['POST /flows: trigger id', 'POST', '/api/v1/flows', yaml(seedWith('- id: schedule', `- id: ${TRIGGER}`)), 'triggers[0].id', MAX_LENGTH.elementId],
  [
    'POST /flows: label key',
    'POST',
    '/api/v1/flows',
    yaml(seedWith('tasks:', `labels:\n  - key: ${long(3000)}\n    value: x\ntasks:`)),
    'labels[0].key',
    MAX_LENGTH.labelKey,
  ],
  [
    'POST /flows: label value',
    'POST',
    '/api/v1/flows',
    yaml(seedWith('tasks:', `labels:\n  team: ${long(3000)}\ntasks:`)),
    'labels.team',
    MAX_LENGTH.labelValue,
  ],
  [
    'PUT /flows/{namespace}/{id}: body namespace',
    'PUT',
    '/api/v1/flows/dev/scheduled_flow',
    yaml(seedWith('namespace: dev', `namespace: ${NS}`)),
    'namespace',
    MAX_LENGTH.namespace,
  ],
  ['PUT /flows/{namespace}/{id}: path namespace', 'PUT', `/api/v1/flows/${NS}/scheduled_flow`, yaml(SEED_FLOW), 'namespace', MAX_LENGTH.namespace],
  ['PUT /flows/{namespace}/{id}: path id', 'PUT', `/api/v1/flows/dev/${FLOW}`, yaml(SEED_FLOW), 'id', MAX_LENGTH.flowId],
  ['GET /flows/{namespace}/{id}', 'GET', `/api/v1/flows/${NS}/${FLOW}`, undefined, 'namespace', MAX_LENGTH.namespace],
  ['DELETE /flows/{namespace}/{id}', 'DELETE', `/api/v1/flows/dev/${FLOW}`, undefined, 'id', MAX_LENGTH.flowId],
  ['GET /flows/search', 'GET', `/api/v1/flows/search?namespace=${NS}`, undefined, 'namespace', MAX_LENGTH.namespace],
  // Triggers: bodies, path parameters and queries.
  ['PUT /triggers: namespace', 'PUT', '/api/v1/triggers', { ...ref, namespace: NS, backfill: { start: hourAgo() } }, 'namespace', MAX_LENGTH.namespace],
  ['PUT /triggers: flow id', 'PUT', '/api/v1/triggers', { ...ref, flowId: FLOW, disabled: true }, 'flowId', MAX_LENGTH.flowId],
  ['PUT /triggers: trigger id', 'PUT', '/api/v1/triggers', { ...ref, triggerId: TRIGGER, backfill: { start: hourAgo() } }, 'triggerId', MAX_LENGTH.elementId],
  [
    'PUT /triggers: label key',
    'PUT',
    '/api/v1/triggers',
    { ...ref, backfill: { start: hourAgo(), labels: [{ key: long(3000), value: 'x' }] } },
    'backfill.labels[0].key',
    MAX_LENGTH.labelKey,
  ],
  [
    'PUT /triggers: label value',
    'PUT',
    '/api/v1/triggers',
    { ...ref, backfill: { start: hourAgo(), labels: { reason: long(5000) } } },
    'backfill.labels.reason',
    MAX_LENGTH.labelValue,
  ],
  [
    'PUT /triggers: too many labels',
    'PUT',
    '/api/v1/triggers',
    { ...ref, backfill: { start: hourAgo(), labels: Object.fromEntries(Array.from({ length: MAX_LABELS + 1 }, (_, i) => [`l${i}`, 'x'])) } },
    'backfill.labels',
    MAX_LABELS,
  ],
  [
    'POST /triggers/backfill/preview',
    'POST',
    '/api/v1/triggers/backfill/preview',
    { ...ref, namespace: NS, backfill: { start: hourAgo() } },
    'namespace',
    MAX_LENGTH.namespace,
  ],
  ['PUT /triggers/backfill/pause', 'PUT', '/api/v1/triggers/backfill/pause', { ...ref, flowId: FLOW }, 'flowId', MAX_LENGTH.flowId],
  ['PUT /triggers/backfill/unpause', 'PUT', '/api/v1/triggers/backfill/unpause', { ...ref, triggerId: TRIGGER }, 'triggerId', MAX_LENGTH.elementId],
  ['POST /triggers/backfill/delete', 'POST', '/api/v1/triggers/backfill/delete', { ...ref, namespace: NS }, 'namespace', MAX_LENGTH.namespace],
  [
    'POST /triggers/backfill/pause/by-triggers',
    'POST',
    '/api/v1/triggers/backfill/pause/by-triggers',
    [ref, { ...ref, flowId: FLOW }],
    '[1].flowId',
    MAX_LENGTH.flowId,
  ],
  [
    'POST /triggers/backfill/delete/by-query',
    'POST',
    `/api/v1/triggers/backfill/delete/by-query?namespace=${NS}`,
    undefined,
    'namespace',
    MAX_LENGTH.namespace,
  ],
  ['POST /triggers/backfill/unpause/by-query', 'POST', `/api/v1/triggers/backfill/unpause/by-query?flowId=${FLOW}`, undefined, 'flowId', MAX_LENGTH.flowId],
  [
    'POST /triggers/set-disabled/by-triggers',
    'POST',
    '/api/v1/triggers/set-disabled/by-triggers',
    { triggers: [{ ...ref, triggerId: TRIGGER }], disabled: true },
    'triggers[0].triggerId',
    MAX_LENGTH.elementId,
  ],
  [
    'POST /triggers/set-disabled/by-query',
    'POST',
    `/api/v1/triggers/set-disabled/by-query?namespace=${NS}&disabled=true`,
    undefined,
    'namespace',
    MAX_LENGTH.namespace,
  ],
  ['GET /triggers/search', 'GET', `/api/v1/triggers/search?flowId=${FLOW}`, undefined, 'flowId', MAX_LENGTH.flowId],
  ['GET /triggers/{namespace}/{flowId}', 'GET', `/api/v1/triggers/dev/${FLOW}`, undefined, 'flowId', MAX_LENGTH.flowId],
  // Executions and logs.
  ['GET /executions/{id}', 'GET', `/api/v1/executions/${EXECUTION}`, undefined, 'id', MAX_LENGTH.executionId],
  ['GET /logs/{executionId}', 'GET', `/api/v1/logs/${EXECUTION}`, undefined, 'executionId', MAX_LENGTH.executionId],
  ['GET /executions/search: namespace', 'GET', `/api/v1/executions/search?namespace=${NS}`, undefined, 'namespace', MAX_LENGTH.namespace],
  ['GET /executions/search: flow id', 'GET', `/api/v1/executions/search?namespace=dev&flowId=${FLOW}`, undefined, 'flowId', MAX_LENGTH.flowId],
  ['GET /executions/search: label key', 'GET', `/api/v1/executions/search?namespace=dev&labels=${long(400)}:x`, undefined, 'labels[0]', MAX_LENGTH.labelKey],
  [
    'GET /executions/search: label value',
    'GET',
    `/api/v1/executions/search?namespace=dev&labels=team:${long(550)}`,
    undefined,
    'labels[0]',
    MAX_LENGTH.labelValue,
  ],
  ['GET /executions/search: label filter', 'GET', `/api/v1/executions/search?namespace=dev&labels=team:${long(5000)}`, undefined, 'labels[0]', 601],
];

describe('over-long names: a 400 naming the field and the limit, on every route, and nothing written', () => {
  let product: TestProduct;
  let before: unknown;

  /** What a request could change: the flows, the triggers' states, the backfill workflows, the executions. */
  const snapshot = async () => ({
    flows: (await product.runtime.deps.flows.list()).map((f) => `${f.namespace}/${f.id}@${f.revision}`),
    triggers: await product.runtime.deps.triggers.list(),
    workflows: product.runtime.workflows.activeExecutions,
    executions: await product.api.executions('dev', 'scheduled_flow'),
  });

  beforeAll(async () => {
    product = await startProduct();
    expect((await product.api.createFlow(SEED_FLOW)).status).toBe(200);
    before = await snapshot();
  });
  afterAll(async () => product?.close());

  it.each(CASES)('%s', async (_name, method, path, body, field, max) => {
    const response =
      body && typeof body === 'object' && 'yaml' in body
        ? await product.api.call(method, path, (body as { yaml: string }).yaml, 'application/x-yaml')
        : await product.api.call(method, path, body);
    expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBe(400);
    expect(response.body.path).toBe(field);
    expect(response.body.message).toContain(`at most ${max}`);
    // The refusal names the field without echoing the value back.
    expect(response.body.message.length).toBeLessThan(400);
    expect(await snapshot()).toEqual(before);
  });
});
