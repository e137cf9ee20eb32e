import { Agent, type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from './seeded-random';

/** Per-request probabilities (0–1) of each fault; a request gets at most one. */
export interface DynamoFaults {
  /** 400 ProvisionedThroughputExceededException or ThrottlingException, as DynamoDB throttles. */
  throttle?: number;
  /** 500 InternalServerError, nothing applied. */
  error500?: number;
  /** The answer comes this much later (`delayMs`, uniformly up to it). */
  slow?: number;
  delayMs?: number;
  /**
   * The request is forwarded and applied, then its answer is lost: the connection is dropped, or a
   * 500 comes back instead. The client retries a write that already happened, so a conditional
   * write meets its own earlier success.
   */
  lostAnswer?: number;
}

export interface FaultCounts {
  requests: number;
  throttled: number;
  errors500: number;
  slowed: number;
  lostAnswers: number;
}

export interface DynamoFaultProxy {
  /** What the product's DYNAMODB_ENDPOINT points at. */
  url: string;
  /** Faults from now on (none until called: the product's start-up, table creation included, runs clean). */
  arm(faults: DynamoFaults): void;
  disarm(): void;
  /**
   * Loses the answers of the next `count` requests (after applying them), of `operation` only when
   * given (`UpdateItem`, `PutItem`…), whatever is armed: for tests of one write.
   */
  loseNextAnswers(count: number, operation?: string): void;
  readonly counts: FaultCounts;
  close(): Promise<void>;
}

const PREFIX = 'com.amazonaws.dynamodb.v20120810#';

/**
 * An HTTP proxy on loopback in front of a DynamoDB endpoint (a dynalite started apart) that injects
 * DynamoDB's failures per request, chosen by a seeded random source: throttling, 500s, slow answers,
 * and answers lost after the write was applied. The product talks to it as to DynamoDB.
 */
export async function startDynamoFaultProxy(target: string, seed: number): Promise<DynamoFaultProxy> {
  const random = seededRandom(seed);
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let faults: DynamoFaults = {};
  let loseNext = 0;
  let loseOperation: string | undefined;
  const counts: FaultCounts = { requests: 0, throttled: 0, errors500: 0, slowed: 0, lostAnswers: 0 };

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host } as unknown as Record<string, string>;
      const out = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: plainHeaders(res), body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });

  const fail = (res: ServerResponse, status: number, type: string, message: string) => {
    const body = JSON.stringify({ __type: `${PREFIX}${type}`, message });
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      counts.requests++;
      // One draw decides the fault, a second its flavour: the sequence replays from the seed.
      const roll = random();
      const flavour = random();
      let edge = 0;
      const hit = (p: number | undefined) => {
        edge += p ?? 0;
        return roll < edge;
      };
      try {
        if (hit(faults.throttle)) {
          counts.throttled++;
          return fail(res, 400, flavour < 0.5 ? 'ProvisionedThroughputExceededException' : 'ThrottlingException', 'Injected: throughput exceeded');
        }
        if (hit(faults.error500)) {
          counts.errors500++;
          return fail(res, 500, 'InternalServerError', 'Injected: internal server error');
        }
        const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1];
        const loseThis = loseNext > 0 && (loseOperation === undefined || loseOperation === operation);
        if (loseThis || hit(faults.lostAnswer)) {
          if (loseThis) loseNext--;
          counts.lostAnswers++;
          await forward(req, body);
          // Applied upstream; the caller never learns it.
          if (flavour < 0.5) return void res.socket?.destroy();
          return fail(res, 500, 'InternalServerError', 'Injected: answer lost after the request was applied');
        }
        if (hit(faults.slow)) {
          counts.slowed++;
          await new Promise((r) => setTimeout(r, Math.floor(flavour * (faults.delayMs ?? 200))));
        }
        const answer = await forward(req, body);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      } catch (error) {
        fail(res, 500, 'InternalServerError', `proxy: ${(error as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arm: (next) => {
      faults = next;
    },
    disarm: () => {
      faults = {};
    },
    loseNextAnswers: (count, operation) => {
      loseNext = count;
      loseOperation = operation;
    },
    counts,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

function plainHeaders(res: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || name === 'connection' || name === 'keep-alive' || name === 'transfer-encoding') continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
