import { once } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { withinResponseLimit } from '../../util/lambda-response-limit';

/** What the server allows a streamed answer: how long it may last, and a signal that the client went away. */
export interface LocalStreamWindow {
  maxMs: number;
  signal: AbortSignal;
}

/** An answer as the API's handler gives it; a streamed one (`text/event-stream`) carries its stream instead of a body. */
export type LocalApiResult = APIGatewayProxyStructuredResultV2 & { stream?: (window: LocalStreamWindow) => AsyncIterable<string> };

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<LocalApiResult>;

/**
 * How long one streamed answer (a follow) lasts at most here: it then ends with an event saying to
 * reconnect, which an EventSource does by itself, so a forgotten follower does not poll the store forever.
 */
const LOCAL_STREAM_MAX_MS = 10 * 60_000;

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
export async function startHttpServer(
  handler: ApiHandler,
  host: string,
  port: number,
  activity?: RequestActivity,
  options: { streamMaxMs?: number } = {},
): Promise<{ server: Server; url: string }> {
  const streamMaxMs = options.streamMaxMs ?? LOCAL_STREAM_MAX_MS;
  const server = createServer((req, res) => {
    activity?.started();
    // A request counts as being served until its answer is ready: a stream then runs on without
    // holding the queue (see RequestActivity), since the executions it follows must run meanwhile.
    let answered = false;
    const finished = () => {
      if (answered) return;
      answered = true;
      activity?.finished();
    };
    void serve(handler, req, res, streamMaxMs, finished).finally(finished);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}` };
}

async function serve(handler: ApiHandler, req: IncomingMessage, res: ServerResponse, streamMaxMs: number, answered: () => void): Promise<void> {
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
    const answer = await handler(event);
    if (answer.stream) {
      answered();
      await sendStream(answer.stream, res, answer.statusCode ?? 200, (answer.headers ?? {}) as Record<string, string>, streamMaxMs);
      return;
    }
    // As Lambda would: an answer over its response limit never reaches the client.
    const result = withinResponseLimit(answer, `${event.requestContext.http.method} ${url.pathname}`);
    res.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>).end(result.body ?? '');
  } catch (error) {
    console.error('Local API server error', error);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Internal server error' }));
  }
}

/**
 * Sends a streamed answer as it comes, each chunk as soon as it is produced (waiting while the
 * client reads slower), until it ends, the client goes away, or `maxMs` passes (the stream then
 * ends itself, with an event saying to reconnect).
 */
async function sendStream(
  stream: NonNullable<LocalApiResult['stream']>,
  res: ServerResponse,
  statusCode: number,
  headers: Record<string, string>,
  maxMs: number,
): Promise<void> {
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  res.writeHead(statusCode, headers);
  res.flushHeaders();
  try {
    for await (const chunk of stream({ maxMs, signal: gone.signal })) {
      if (gone.signal.aborted) break;
      if (!res.write(chunk) && !gone.signal.aborted) await Promise.race([once(res, 'drain'), once(gone.signal, 'abort')]);
    }
  } catch (error) {
    // A read failing as the runtime closes, under a client gone already, is no one's business.
    if (!gone.signal.aborted) console.error('Local API server: a streamed answer failed', error);
  }
  res.end();
}
