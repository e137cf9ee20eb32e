import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { withinResponseLimit } from '../../util/lambda-response-limit';

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway refuses payloads over 10 MB; we stop reading well before that. */
const MAX_READ_BYTES = 10 * 1024 * 1024;

/** Told when a request starts being served and when its answer is sent (see LocalQueueOptions.holdWhile). */
export interface RequestActivity {
  started(): void;
  finished(): void;
}

/**
 * Plays API Gateway for the local default: each HTTP request becomes the HTTP API's payload-2.0
 * event and goes to the very handler the API Lambda runs.
 */
export async function startHttpServer(handler: ApiHandler, host: string, port: number, activity?: RequestActivity): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    activity?.started();
    void serve(handler, req, res).finally(() => activity?.finished());
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}` };
}

async function serve(handler: ApiHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_READ_BYTES) {
        res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'body: larger than 10 MB' }));
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    const body = size > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
    const now = new Date();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
      body,
      isBase64Encoded: false,
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: {
          method: req.method ?? 'GET',
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: req.headers['user-agent'] ?? '',
        },
        requestId: `${now.getTime()}`,
        routeKey: '$default',
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
    };
    // As Lambda would: an answer over its response limit never reaches the client.
    const result = withinResponseLimit(await handler(event), `${event.requestContext.http.method} ${url.pathname}`);
    res.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>).end(result.body ?? '');
  } catch (error) {
    console.error('Local API server error', error);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Internal server error' }));
  }
}
