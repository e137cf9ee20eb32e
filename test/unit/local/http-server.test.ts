import type { Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ApiHandler, startHttpServer } from '../../../lib/adapters/local/http-server';

describe('the local HTTP server', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    vi.restoreAllMocks();
  });

  async function serving(handler: ApiHandler): Promise<string> {
    const started = await startHttpServer(handler, '127.0.0.1', 0);
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
});
