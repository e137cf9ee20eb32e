import { describe, expect, it } from 'vitest';
import { REQUEST_SCHEMAS, requestJsonSchemas } from '../../../lib/api/schemas';

const schemas = requestJsonSchemas();

describe('requestJsonSchemas (what the OpenAPI document is built from)', () => {
  it('describes every request schema, body or query, as a JSON Schema object', () => {
    expect(Object.keys(schemas).sort()).toEqual(Object.keys(REQUEST_SCHEMAS).sort());
    for (const [request, { body, query }] of Object.entries(schemas)) {
      const schema = body ?? query;
      expect(schema, request).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
      expect(['object', 'array'], request).toContain(schema?.type);
    }
  });

  it('names backfill.start of PUT /triggers as a string, with its pattern, description and examples', () => {
    const body = schemas['PUT /triggers'].body as any;
    expect(body.required).toEqual(['namespace', 'flowId', 'triggerId']);
    const backfill = body.properties.backfill.anyOf.find((s: { type: string }) => s.type === 'object');
    expect(backfill.required).toEqual(['start']);
    expect(backfill.properties.start).toMatchObject({
      type: 'string',
      pattern: expect.stringContaining('(Z|[+-]\\d{2}:?\\d{2})'),
      description: expect.stringContaining('ISO-8601 date-time with an offset'),
      examples: expect.arrayContaining(['2024-03-28T06:30:00.000Z']),
    });
    expect(backfill.properties.reprocess.anyOf).toContainEqual({ type: 'string', enum: ['ALL', 'FAILED_AND_MISSING', 'MISSING'] });
    expect(body.properties.disabled).toEqual({ type: ['boolean', 'null'] });
  });

  it("documents labels as Kestra takes them (list or map) with the flow parser's key pattern", () => {
    const labels = (schemas['POST /triggers/backfill/preview'].body as any).properties.backfill.properties.labels;
    const [list, map] = labels.anyOf;
    expect(list).toMatchObject({ type: 'array', items: { required: ['key', 'value'], properties: { key: { pattern: '^[\\p{Ll}][\\p{L}0-9._-]*$' } } } });
    expect(map).toMatchObject({ type: 'object', propertyNames: { pattern: '^[\\p{Ll}][\\p{L}0-9._-]*$' } });
    expect(labels.description).toContain('"system.*" keys are reserved');
  });

  it('describes query parameters as OpenAPI reads them: integers for paging, arrays for repeatable ones, none required', () => {
    const query = schemas['GET /executions/search'].query as any;
    expect(query.properties.page).toEqual({ type: 'integer', minimum: 1, maximum: 100000, description: 'Default 1.' });
    expect(query.properties.size).toMatchObject({ type: 'integer', maximum: 1000, description: 'Default 25.' });
    expect(query.properties.labels).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(query.required).toBeUndefined();
    expect((schemas['POST /triggers/set-disabled/by-query'].query as any).properties.disabled).toMatchObject({ type: 'boolean' });
  });
});
