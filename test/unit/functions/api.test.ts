import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BUFFERED_STREAM_MS, createApiHandler, createStreamingApiHandler } from '../../../functions/api';
import { handleRequest } from '../../../lib/api/router';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';
import { aFlow, aStoredExecution, apiEvent } from '../../support/factories';

// The real router, wrapped so the test can see the request the handler built from the event.
vi.mock('../../../lib/api/router', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../lib/api/router')>();
  return { ...actual, handleRequest: vi.fn(actual.handleRequest) };
});

const FLOW_YAML = `id: reports
namespace: dev
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
`;

describe('createApiHandler', () => {
  let deps: InMemoryDependencies;

  beforeEach(() => {
    deps = inMemoryDependencies();
    vi.mocked(handleRequest).mockClear();
  });

  const requestSeen = () => {
    const [call] = vi.mocked(handleRequest).mock.calls;
    if (!call) throw new Error('handleRequest was not called');
    return call[1];
  };

  describe('the body', () => {
    it('is decoded when API Gateway sends it base64-encoded', async () => {
      const event = apiEvent('POST', '/api/v1/flows', Buffer.from(FLOW_YAML).toString('base64'), { isBase64Encoded: true });

      const response = await createApiHandler(deps)(event);

      expect(response.statusCode).toBe(200);
      expect(requestSeen().body).toBe(FLOW_YAML);
      expect((await deps.flows.get('dev', 'reports'))!.source).toBe(FLOW_YAML);
    });

    it('is passed as is otherwise', async () => {
      await createApiHandler(deps)(apiEvent('POST', '/api/v1/flows', FLOW_YAML));

      expect(requestSeen().body).toBe(FLOW_YAML);
    });

    it('stays absent when the event has none', async () => {
      await createApiHandler(deps)(apiEvent('GET', '/api/v1/flows/search'));

      expect(requestSeen().body).toBeUndefined();
    });
  });

  describe('the headers', () => {
    it('are handed on with lower-case names', async () => {
      await createApiHandler(deps)(
        apiEvent('GET', '/api/v1/flows/search', undefined, { headers: { 'Content-Type': 'application/json', 'X-Request-ID': 'r1' } }),
      );

      expect(requestSeen().headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'r1' });
    });

    it('are empty when the event has none', async () => {
      await createApiHandler(deps)(apiEvent('GET', '/api/v1/flows/search', undefined, { headers: undefined as never }));

      expect(requestSeen().headers).toEqual({});
    });
  });

  describe('the route', () => {
    it('comes from the method, the raw path and the raw query string', async () => {
      await deps.flows.create(aFlow({ namespace: 'prod' }));
      await deps.flows.create(aFlow({ namespace: 'dev' }));

      const response = await createApiHandler(deps)(apiEvent('GET', '/api/v1/flows/search?namespace=prod'));

      expect(requestSeen()).toMatchObject({ method: 'GET', path: '/api/v1/flows/search' });
      expect(requestSeen().query.get('namespace')).toBe('prod');
      expect(JSON.parse(response.body as string)).toMatchObject({ total: 1, results: [{ namespace: 'prod' }] });
    });

    it("keeps every value of a repeated parameter and Kestra 2.x's bracketed filter names, raw or percent-encoded", async () => {
      const query = 'filters[state][IN]=FAILED&filters%5Blabels%5D%5BEQUALS%5D%5Breason%5D=outage&filters[state][IN]=KILLED';

      await createApiHandler(deps)(apiEvent('GET', `/api/v1/main/executions/search?${query}`));

      expect(requestSeen().query.getAll('filters[state][IN]')).toEqual(['FAILED', 'KILLED']);
      expect(requestSeen().query.get('filters[labels][EQUALS][reason]')).toBe('outage');
    });

    it('answers 404 for an unknown path', async () => {
      const response = await createApiHandler(deps)(apiEvent('GET', '/nowhere'));

      expect(response.statusCode).toBe(404);
    });
  });

  describe("Lambda's response limit", () => {
    it('answers a 500 saying so instead of a response Lambda would refuse, for any route', async () => {
      const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      vi.mocked(handleRequest).mockResolvedValueOnce({ statusCode: 200, headers: {}, body: '"'.repeat(3_200_000) }); // 6.4 MB once escaped

      const response = await createApiHandler(deps)(apiEvent('GET', '/api/v1/flows/search'));

      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body ?? '')).toEqual({
        message: expect.stringMatching(
          /^The answer to GET \/api\/v1\/flows\/search would be 6400\d+ bytes, over Lambda's response limit of 6291456 bytes \(6 MB\)/,
        ),
      });
      expect(error).toHaveBeenCalled();
      error.mockRestore();
    });

    it('lets a response within the limit through', async () => {
      vi.mocked(handleRequest).mockResolvedValueOnce({ statusCode: 200, headers: {}, body: 'x'.repeat(6_000_000) });

      expect((await createApiHandler(deps)(apiEvent('GET', '/api/v1/flows/search'))).statusCode).toBe(200);
    });
  });

  describe('a streamed answer (a follow)', () => {
    const FOLLOW = '/api/v1/main/executions/e1/follow';

    beforeEach(async () => {
      await deps.executions.createIfAbsent(aStoredExecution({ id: 'e1', state: 'RUNNING' }));
    });

    it("is collected into one answer of a window short of API Gateway's 30 s, ending with the event saying to reconnect", async () => {
      const from = deps.clock.now().getTime();

      const response = await createApiHandler(deps)(apiEvent('GET', FOLLOW));

      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({ 'content-type': 'text/event-stream' });
      expect(response.body).toMatch(/^id: start\n.*\n\nid: progress\n.*\n\nevent: reconnect\n/s);
      expect(deps.clock.now().getTime() - from).toBe(BUFFERED_STREAM_MS);
      expect(BUFFERED_STREAM_MS).toBeLessThan(29_000);
    });

    it("closes its window before the invocation's own time runs out", async () => {
      const from = deps.clock.now().getTime();

      await createApiHandler(deps)(apiEvent('GET', FOLLOW), { getRemainingTimeInMillis: () => 10_000 });

      expect(deps.clock.now().getTime() - from).toBeLessThanOrEqual(10_000 - 1_000);
    });

    it('sends the events collected when the stream fails midway, so an EventSource reconnects rather than stops', async () => {
      const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const get = deps.executions.get.bind(deps.executions);
      let reads = 0;
      vi.spyOn(deps.executions, 'get').mockImplementation(async (id) => {
        if (++reads > 2) throw new Error('ProvisionedThroughputExceededException');
        return get(id);
      });

      const response = await createApiHandler(deps)(apiEvent('GET', FOLLOW));

      expect(response.statusCode).toBe(200);
      expect(response.body).toMatch(/^id: start\n.*\n\nid: progress\n.*\n\n$/s);
      expect(error).toHaveBeenCalled();
    });

    it('is handed over as a stream to the local server, which can send it as it comes', async () => {
      const response = await createStreamingApiHandler(deps)(apiEvent('GET', FOLLOW));

      expect(response.body).toBeUndefined();
      const first = await response.stream!({ maxMs: 1000, signal: new AbortController().signal })[Symbol.asyncIterator]().next();
      expect(first.value).toBe('id: start\ndata: {"id":"e1"}\n\n');
    });
  });
});
