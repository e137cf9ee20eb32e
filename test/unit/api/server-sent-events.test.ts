import { describe, expect, it } from 'vitest';
import type { FollowEvent } from '../../../lib/app/follow';
import { encodeEvent, serverSentEvents } from '../../../lib/api/server-sent-events';
import { payloadBytes } from '../../../lib/util/lambda-response-limit';

async function* from(events: FollowEvent<unknown>[], closed: { value: boolean }): AsyncGenerator<FollowEvent<unknown>> {
  try {
    yield* events;
  } finally {
    closed.value = true;
  }
}

const collect = async (chunks: AsyncIterable<string>) => {
  const all: string[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
};

describe('server-sent events', () => {
  it("mark Kestra's events by their id, the document as one data line", () => {
    expect(encodeEvent({ type: 'start', data: { id: 'e1' } })).toBe('id: start\ndata: {"id":"e1"}\n\n');
    expect(encodeEvent({ type: 'progress', data: { message: 'two\nlines' }, cursor: '7' })).toBe('id: progress\ndata: {"message":"two\\nlines"}\n\n');
    expect(encodeEvent({ type: 'end', data: { id: 'e1' } })).toBe('id: end\ndata: {"id":"e1"}\n\n');
  });

  it('send heartbeats as comments, which no EventSource hands its client', () => {
    expect(encodeEvent({ type: 'heartbeat' })).toBe(': heartbeat\n\n');
  });

  it('name the reconnect event, so `onmessage` never sees it, its id the cursor an EventSource sends back as Last-Event-ID', () => {
    const event = encodeEvent({ type: 'reconnect', cursor: '1000004' });

    expect(event).toMatch(/^event: reconnect\nid: 1000004\nretry: 1000\ndata: \{.*\}\n\n$/);
    expect(JSON.parse(event.split('data: ')[1] ?? '')).toEqual({
      cursor: '1000004',
      message: expect.stringContaining('reconnect to follow on, from cursor 1000004'),
    });
    expect(encodeEvent({ type: 'reconnect' })).not.toContain('id:');
  });

  it('stop before the byte limit with a reconnect event from the last cursor sent, closing the follow', async () => {
    const closed = { value: false };
    const big = 'x'.repeat(600);
    const lines: FollowEvent<unknown>[] = Array.from({ length: 10 }, (_, i) => ({ type: 'progress', data: { message: big }, cursor: String(i) }));
    const chunks = await collect(serverSentEvents(from([{ type: 'start', data: {} }, ...lines], closed), { maxBytes: 3000 }));

    expect(chunks.at(-1)).toBe(encodeEvent({ type: 'reconnect', cursor: '2' }));
    expect(chunks.slice(1, -1)).toHaveLength(3);
    expect(chunks.reduce((sum, chunk) => sum + payloadBytes(chunk), 0)).toBeLessThanOrEqual(3000);
    expect(closed.value).toBe(true);
  });

  it('always send the first line, however big, so every window moves on', async () => {
    const chunks = await collect(
      serverSentEvents(from([{ type: 'progress', data: { message: 'x'.repeat(5000) }, cursor: '1' }], { value: false }), { maxBytes: 2000, cursor: '0' }),
    );

    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toContain('id: progress');
  });

  it('pass everything on without a byte limit (a streaming transport)', async () => {
    const events: FollowEvent<unknown>[] = [{ type: 'start', data: {} }, { type: 'heartbeat' }, { type: 'end', data: {} }];

    expect(await collect(serverSentEvents(from(events, { value: false })))).toEqual(events.map(encodeEvent));
  });
});
