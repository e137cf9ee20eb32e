import { describe, expect, it } from 'vitest';
import { handleRequest } from '../../../lib/api/router';
import { SEARCH_LIMITS } from '../../../lib/domain/search-limits';
import { aStoredExecution } from '../../support/factories';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';

const get = (path: string) => handleRequest(inMemoryDependencies(), { method: 'GET', path, query: new URLSearchParams(), headers: {} });

describe('handleRequest', () => {
  describe('path parameters', () => {
    it('decodes percent-encoded segments', async () => {
      const response = await get('/api/v1/executions/an%20id');

      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toEqual({ message: 'Execution an id not found' });
    });

    it('answers a malformed escape with a 400 naming the parameter, not a crash', async () => {
      const response = await get('/api/v1/executions/%E0');

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ message: 'id: "%E0" is not a valid percent-encoded path segment', path: 'id' });
    });
  });
});

describe('GET /api/v1/executions/search past the counting bound', () => {
  const N = SEARCH_LIMITS.countUpTo + 3;
  const search = async (deps: InMemoryDependencies, query: string) => {
    const response = await handleRequest(deps, { method: 'GET', path: '/api/v1/executions/search', query: new URLSearchParams(query), headers: {} });
    return { status: response.statusCode, body: JSON.parse(response.body) };
  };
  const withExecutions = async () => {
    const deps = inMemoryDependencies();
    const t0 = Date.parse('2026-03-01T00:00:00.000Z');
    await deps.executions.createMany(
      Array.from({ length: N }, (_, i) => aStoredExecution({ id: `e${String(i).padStart(5, '0')}`, createdAt: new Date(t0 + i * 60_000).toISOString() })),
    );
    return deps;
  };

  it('counts with size=1 up to the bound, saying "at least"', async () => {
    const { status, body } = await search(await withExecutions(), 'namespace=dev&flowId=reports&size=1');

    expect(status).toBe(200);
    expect(body).toMatchObject({ total: SEARCH_LIMITS.countUpTo, totalIsLowerBound: true });
  });

  it("lets a client paging until it holds `total` results (as Kestra's do) reach every one, ending on the exact total", async () => {
    const deps = await withExecutions();
    const held: string[] = [];
    const totals: [number, boolean][] = [];
    for (let page = 1; held.length < (totals.at(-1)?.[0] ?? Number.POSITIVE_INFINITY); page++) {
      const { body } = await search(deps, `namespace=dev&flowId=reports&size=500&page=${page}`);
      if (!body.results.length) break;
      held.push(...body.results.map((x: { id: string }) => x.id));
      totals.push([body.total, body.totalIsLowerBound]);
    }

    expect(new Set(held).size).toBe(N);
    expect(totals).toEqual([
      [SEARCH_LIMITS.countUpTo, true],
      [1001, true],
      [N, false],
    ]);
  });

  it('answers a page past the deepest result with a 400 naming the field', async () => {
    const { status, body } = await search(inMemoryDependencies(), 'size=1000&page=101');

    expect(status).toBe(400);
    expect(body.path).toBe('page');
    expect(body.message).toMatch(/^page: expected page × size at most 100,000/);
  });
});
