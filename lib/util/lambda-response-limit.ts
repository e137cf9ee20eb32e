/**
 * Lambda's limit on a synchronous invocation's response, which API Gateway's proxy integration
 * is: 6 MB of the response as JSON, its body a JSON string inside it. Both the API's handler and
 * the local stand-in for API Gateway and Lambda (lib/adapters/local/http-server.ts) enforce it, so
 * the local default refuses what AWS would.
 */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

/** The bytes `text` takes inside the Lambda's JSON response: quotes, backslashes and control characters take more than one. */
export function payloadBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** The size of a response as the Lambda returns it, the measure LAMBDA_RESPONSE_LIMIT_BYTES applies to. */
export function responsePayloadBytes(response: { statusCode?: number; headers?: unknown; body?: string }): number {
  return Buffer.byteLength(JSON.stringify(response), 'utf8');
}

/**
 * The response itself when it is within Lambda's limit; otherwise a 500 that says so. On AWS a
 * larger answer fails the invocation and the client gets API Gateway's bare 500; here the client
 * learns why, and the local default refuses what AWS would.
 */
export function withinResponseLimit<R extends { statusCode?: number; headers?: unknown; body?: string }>(
  response: R,
  what: string,
): R | { statusCode: number; headers: Record<string, string>; body: string } {
  const size = responsePayloadBytes(response);
  if (size <= LAMBDA_RESPONSE_LIMIT_BYTES) return response;
  console.error(`The answer to ${what} is ${size} bytes, over Lambda's response limit of ${LAMBDA_RESPONSE_LIMIT_BYTES}`);
  const message = `The answer to ${what} would be ${size} bytes, over Lambda's response limit of ${LAMBDA_RESPONSE_LIMIT_BYTES} bytes (6 MB); ask for less (a smaller page)`;
  return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) };
}
