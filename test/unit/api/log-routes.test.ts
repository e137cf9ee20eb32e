import { beforeEach, describe, expect, it } from 'vitest';
import { LAMBDA_RESPONSE_LIMIT_BYTES, responsePayloadBytes } from '../../../lib/util/lambda-response-limit';
import type { LogSearchPage } from '../../../lib/api/responses';
import { handleRequest } from '../../../lib/api/router';
import type { LogEntry } from '../../../lib/ports';
import { aStoredExecution } from '../../support/factories';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';

const entry = (message: string, taskId = 'build'): LogEntry => ({
  namespace: 'dev',
  flowId: 'reports',
  executionId: 'e1',
  taskId,
  timestamp: '2026-03-01T12:00:00.000Z',
  level: 'INFO',
  message,
});

describe('the log routes', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'SUCCESS' }));
  });

  const get = async (path: string) => {
    const [pathOnly = '', query = ''] = path.split('?');
    const response = await handleRequest(deps, { method: 'GET', path: pathOnly, query: new URLSearchParams(query), headers: {} });
    expect(responsePayloadBytes(response), `${path} stays within Lambda's response limit`).toBeLessThanOrEqual(LAMBDA_RESPONSE_LIMIT_BYTES);
    return response;
  };

  /**
   * A log of 200 lines of 30,000 quotes: each takes 120,000 bytes in the Lambda's response (a
   * quote is escaped in the JSON list, and again in the response's body string), 24 MB in all.
   */
  async function givenAHugeLog(): Promise<string[]> {
    const messages = Array.from({ length: 200 }, (_, i) => `${i} ${'"'.repeat(30_000)}`);
    await deps.logs.append(messages.map((message, i) => ({ seq: 1_000_000 + i, entry: entry(message) })));
    return messages;
  }

  describe('GET /logs/{executionId}', () => {
    it("answers Kestra's list of lines, whole when it fits", async () => {
      await deps.logs.append([
        { seq: 1_000_000, entry: entry('one') },
        { seq: 1_000_001, entry: entry('two') },
      ]);

      const response = await get('/api/v1/logs/e1');

      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toEqual([entry('one'), entry('two')]);
      expect(response.headers['x-next-cursor']).toBeUndefined();
    });

    it("answers the first lines of a log over Lambda's limit, ending with a line saying where the rest is", async () => {
      const messages = await givenAHugeLog();

      const response = await get('/api/v1/logs/e1');

      const lines = JSON.parse(response.body) as LogEntry[];
      const shown = lines.length - 1;
      expect(shown).toBeGreaterThan(10);
      expect(lines.slice(0, shown).map((l) => l.message)).toEqual(messages.slice(0, shown));
      const cursor = String(1_000_000 + shown - 1);
      expect(response.headers['x-next-cursor']).toBe(cursor);
      expect(lines.at(-1)).toMatchObject({ level: 'WARN', message: expect.stringContaining(`/api/v1/logs/search?executionId=e1&cursor=${cursor}`) });
    });

    it('is a 404 for an execution that does not exist', async () => {
      expect((await get('/api/v1/logs/nope')).statusCode).toBe(404);
    });
  });

  describe('GET /logs/search', () => {
    it('pages through a log of any size by cursor, each line once, each answer within the limit', async () => {
      const messages = await givenAHugeLog();
      const seen: string[] = [];
      let cursor = '';
      let answers = 0;
      for (;;) {
        const page = JSON.parse((await get(`/api/v1/logs/search?executionId=e1&cursor=${cursor}`)).body) as LogSearchPage;
        answers++;
        seen.push(...page.results.map((l) => l.message));
        cursor = page.nextCursor ?? '';
        if (!page.more) break;
      }

      expect(seen).toEqual(messages);
      expect(answers).toBeGreaterThan(3);
    });

    it('takes `size` lines at most, and once at the end answers no line with the same cursor, for a follower to ask again', async () => {
      await deps.logs.append(Array.from({ length: 5 }, (_, i) => ({ seq: 1_000_000 + i, entry: entry(`line ${i}`) })));

      const first = JSON.parse((await get('/api/v1/logs/search?executionId=e1&size=3')).body) as LogSearchPage;
      const second = JSON.parse((await get(`/api/v1/logs/search?executionId=e1&size=3&cursor=${first.nextCursor}`)).body) as LogSearchPage;
      const third = JSON.parse((await get(`/api/v1/logs/search?executionId=e1&size=3&cursor=${second.nextCursor}`)).body) as LogSearchPage;

      expect(first).toEqual({ results: [entry('line 0'), entry('line 1'), entry('line 2')], nextCursor: '1000002', more: true });
      expect(second).toEqual({ results: [entry('line 3'), entry('line 4')], nextCursor: '1000004', more: false });
      expect(third).toEqual({ results: [], nextCursor: '1000004', more: false });
    });

    it('has no cursor for a log with no line yet', async () => {
      expect(JSON.parse((await get('/api/v1/logs/search?executionId=e1')).body)).toEqual({ results: [], more: false });
    });

    it.each([
      ['', 'executionId'],
      ['executionId=e1&cursor=abc', 'cursor'],
      ['executionId=e1&cursor=-1', 'cursor'],
      ['executionId=e1&size=0', 'size'],
      ['executionId=e1&size=10001', 'size'],
    ])('answers ?%s with a 400 naming %s', async (query, field) => {
      const response = await get(`/api/v1/logs/search?${query}`);

      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ path: field });
    });

    it('is a 404 for an execution that does not exist', async () => {
      expect((await get('/api/v1/logs/search?executionId=nope')).statusCode).toBe(404);
    });
  });

  describe('GET /logs/{executionId}/download', () => {
    it('answers the log as text, one line each', async () => {
      await deps.logs.append([
        { seq: 1_000_000, entry: entry('one') },
        { seq: 1_000_001, entry: { ...entry('two', ''), taskId: undefined, level: 'ERROR' } },
      ]);

      const response = await get('/api/v1/logs/e1/download');

      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.body).toBe('2026-03-01T12:00:00.000Z INFO [build] one\n2026-03-01T12:00:00.000Z ERROR two\n');
    });

    it('answers a log over the limit in parts, each ending with where the next starts', async () => {
      const messages = await givenAHugeLog();
      const lines: string[] = [];
      let cursor = '';
      for (;;) {
        const response = await get(`/api/v1/logs/e1/download?cursor=${cursor}`);
        const part = response.body.split('\n').filter(Boolean);
        cursor = response.headers['x-next-cursor'] ?? '';
        if (!cursor) {
          lines.push(...part);
          break;
        }
        expect(part.at(-1)).toBe(`… the log continues: GET /api/v1/logs/e1/download?cursor=${cursor}`);
        lines.push(...part.slice(0, -1));
      }

      expect(lines).toEqual(messages.map((m) => `2026-03-01T12:00:00.000Z INFO [build] ${m}`));
    });
  });
});
