import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument, servedRoutes } from '../../../lib/api/router';

const document = openApiDocument();

describe('the OpenAPI document (GET /api/v1/openapi.json)', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route served, with its path parameters', () => {
    const routes = servedRoutes();
    expect(routes.length).toBeGreaterThan(20);
    for (const { method, path } of routes) {
      const operation = document.paths[`/api/v1${path}`]?.[method.toLowerCase()] as { parameters: { name: string; in: string }[] } | undefined;
      expect(operation, `${method} ${path}`).toBeDefined();
      const pathParameters = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);
      expect(operation?.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(pathParameters);
    }
    const documented = Object.values(document.paths).reduce((sum, methods) => sum + Object.keys(methods).length, 0);
    expect(documented).toBe(routes.length);
  });

  it('takes its request schemas from the ones that parse the requests', () => {
    const put = document.paths['/api/v1/triggers']?.put as { requestBody: { content: Record<string, { schema: { properties: object } }> } };
    expect(Object.keys(put.requestBody.content['application/json']?.schema.properties ?? {})).toEqual(
      expect.arrayContaining(['namespace', 'flowId', 'triggerId', 'backfill', 'disabled']),
    );
    const search = document.paths['/api/v1/executions/search']?.get as { parameters: { name: string }[] };
    expect(search.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['namespace', 'flowId', 'labels', 'state', 'page', 'size']));
  });

  it('resolves every reference to a component', () => {
    const text = JSON.stringify(document);
    const components = (document.components as { schemas: Record<string, unknown> }).schemas;
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(([, id]) => id as string);
    expect(refs.length).toBeGreaterThan(10);
    expect(refs.filter((id) => !(id in components))).toEqual([]);
  });

  it("documents the backfill lifecycle event (EventBridge's detail, the webhook's body) in docs/backfill-event.schema.json, equal to its component", () => {
    const file = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'backfill-event.schema.json'), 'utf8'));
    const { $schema: _dialect, title: _title, ...schema } = file;
    expect(schema).toEqual((document.components as { schemas: Record<string, unknown> }).schemas.BackfillEvent);
  });
});
