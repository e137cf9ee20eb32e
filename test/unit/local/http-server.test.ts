import type { Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ApiHandler, type LocalStreamWindow, startHttpServer } from '../../../lib/adapters/local/http-server';
import type { RequestActivity } from '../../../lib/adapters/local/http-server';

describe('the local HTTP server', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => {
      server?.close(resolve);
      server?.closeAllConnections();
    });
    vi.restoreAllMocks();
  });

  async function serving(handler: ApiHandler, activity?: RequestActivity, options?: { streamMaxMs?: number }): Promise<string> {
    const started = await startHttpServer(handler, '127.0.0.1', 0, activity, options);
    server = started.server;
    return started.url;
  }

  it("refuses, as Lambda would, an answer over Lambda's 6 MB response limit, with a 500 saying so", async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const url = await serving(async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(6_300_000) }));

    const response = await fetch(`${url}/api/v1/logs/e1/download`);

    expect(response.status).toBe(500);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /^The answer to GET \/api\/v1\/logs\/e1\/download would be \d+ bytes, over Lambda's response limit/,
    );
  });

  it("hands the query string on as API Gateway does, as sent: a repeated parameter's values all reach the API handler", async () => {
    const url = await serving(async (event) => ({
      statusCode: 200,
      headers: {},
      body: JSON.stringify(new URLSearchParams(event.rawQueryString).getAll('filters[state][IN]')),
    }));

    const response = await fetch(`${url}/api/v1/main/executions/search?filters[state][IN]=FAILED&filters%5Bstate%5D%5BIN%5D=KILLED`);

    expect(await response.json()).toEqual(['FAILED', 'KILLED']);
  });

  it('serves an answer within the limit as it is', async () => {
    const url = await serving(async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(6_000_000) }));

    const response = await fetch(`${url}/anything`);

    expect(response.status).toBe(200);
    expect((await response.text()).length).toBe(6_000_000);
  });

  describe('a streamed answer', () => {
    /** A stream whose chunks the test releases one at a time, recording the window it was opened with. */
    function controlledStream() {
      const opened: LocalStreamWindow[] = [];
      const releases: ((chunk: string | undefined) => void)[] = [];
      let ended = false;
      const handler: ApiHandler = async () => ({
        statusCode: 200,
        headers: { 'content-type': 'text/event-stream' },
        stream: (window) => {
          opened.push(window);
          return (async function* () {
            try {
              for (;;) {
                const chunk = await new Promise<string | undefined>((resolve) => releases.push(resolve));
                if (chunk === undefined) return;
                yield chunk;
              }
            } finally {
              ended = true;
            }
          })();
        },
      });
      const release = async (chunk?: string) => {
        // Wait until the stream asks for its next chunk.
        for (let i = 0; i < 200 && releases.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
        releases.shift()?.(chunk);
      };
      return { handler, opened, release, ended: () => ended };
    }

    it('is sent chunk by chunk as the stream produces them, within the time the server allows', async () => {
      const stream = controlledStream();
      const url = await serving(stream.handler, undefined, { streamMaxMs: 1234 });
      const response = await fetch(`${url}/follow`);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();

      expect(response.headers.get('content-type')).toBe('text/event-stream');
      await stream.release('id: start\n\n');
      expect(decoder.decode((await reader.read()).value)).toBe('id: start\n\n');
      await stream.release('id: end\n\n');
      expect(decoder.decode((await reader.read()).value)).toBe('id: end\n\n');
      await stream.release();
      expect((await reader.read()).done).toBe(true);
      expect(stream.opened.map((w) => w.maxMs)).toEqual([1234]);
    });

    it('is closed when its client goes away', async () => {
      const stream = controlledStream();
      const url = await serving(stream.handler);
      const client = new AbortController();
      const response = await fetch(`${url}/follow`, { signal: client.signal });
      await stream.release(': heartbeat\n\n');
      await response.body!.getReader().read();

      client.abort();
      for (let i = 0; i < 200 && !stream.opened[0]?.signal.aborted; i++) await new Promise((r) => setTimeout(r, 5));
      await stream.release(': heartbeat\n\n');
      for (let i = 0; i < 200 && !stream.ended(); i++) await new Promise((r) => setTimeout(r, 5));

      expect(stream.opened[0]?.signal.aborted).toBe(true);
      expect(stream.ended()).toBe(true);
    });

    it('stops counting as a request being served once its answer starts, so the executions it follows run meanwhile', async () => {
      const stream = controlledStream();
      const served = { inFlight: 0 };
      const url = await serving(stream.handler, { started: () => served.inFlight++, finished: () => served.inFlight-- });
      const response = await fetch(`${url}/follow`);

      expect(served.inFlight).toBe(0);
      await stream.release();
      await response.text();
      expect(served.inFlight).toBe(0);
    });
  });
});
