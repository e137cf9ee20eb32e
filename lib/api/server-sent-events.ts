/**
 * A follow's events as `text/event-stream`, the way Kestra's clients read them: each event's
 * `id` says what it is (`start`, `progress`, `end`: Kestra's UI closes its EventSource on `end`
 * and skips `start`) and `data` is the JSON document. Our additions stay out of a Kestra client's
 * way: heartbeats are comments, and the `reconnect` event is a named event (`onmessage` never sees
 * it) whose `id` is the cursor to continue from, so an EventSource reconnecting by itself sends it
 * back as `Last-Event-ID`.
 */
import type { FollowEvent } from '../app/follow';
import { payloadBytes } from '../util/lambda-response-limit';

/** How long an EventSource waits before it reconnects after a window closed (the stream's `retry`). */
const RECONNECT_AFTER_MS = 1000;

/** Room kept in a bounded answer for the event saying to reconnect. */
const RECONNECT_ROOM_BYTES = 1024;

export function encodeEvent(event: FollowEvent<unknown>): string {
  switch (event.type) {
    case 'heartbeat':
      return ': heartbeat\n\n';
    case 'reconnect': {
      const where =
        event.cursor === undefined ? '' : `, from cursor ${event.cursor} (an EventSource sends it as Last-Event-ID; or add ?cursor=${event.cursor})`;
      const message = `This answer's window closed before the execution ended: reconnect to follow on${where}`;
      const id = event.cursor === undefined ? '' : `id: ${event.cursor}\n`;
      return `event: reconnect\n${id}retry: ${RECONNECT_AFTER_MS}\ndata: ${JSON.stringify({ message, cursor: event.cursor })}\n\n`;
    }
    default:
      // JSON escapes line breaks, so the document is one `data` line.
      return `id: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
  }
}

/**
 * The events encoded, within `maxBytes` as a Lambda's response counts them when given: the answer
 * ends with a `reconnect` event (from the last line's cursor, or `cursor` before any) where the next
 * event would not fit. The first `progress` is always sent, so every window moves on.
 */
export async function* serverSentEvents(
  events: AsyncIterable<FollowEvent<unknown>>,
  options: { maxBytes?: number; cursor?: string } = {},
): AsyncGenerator<string> {
  let cursor = options.cursor;
  let bytes = 0;
  let progressed = false;
  for await (const event of events) {
    const chunk = encodeEvent(event);
    const size = payloadBytes(chunk);
    if (event.type === 'progress') {
      if (progressed && options.maxBytes !== undefined && bytes + size > options.maxBytes - RECONNECT_ROOM_BYTES) {
        // Leaving the loop closes the follow.
        yield encodeEvent({ type: 'reconnect', cursor });
        return;
      }
      progressed = true;
      cursor = event.cursor ?? cursor;
    }
    bytes += size;
    yield chunk;
  }
}
