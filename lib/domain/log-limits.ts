/**
 * How much log one execution may keep. Every line is one DynamoDB item (400 KB at most) and the
 * API answers from a Lambda (6 MB at most per response), so both bounds are enforced where lines
 * are produced, not discovered when a write or a response fails.
 */

/**
 * The longest message stored, in UTF-8 bytes, marker included. 32 KiB because a message is stored
 * as JSON, where a control character takes 6 bytes (`\u0001`): even then a line stays under 200 KB,
 * half DynamoDB's item limit, and a BatchWriteItem of 25 lines under its 16 MB request limit. It is
 * also more than any line a person reads.
 */
export const MAX_LINE_BYTES = 32 * 1024;

/** Room left for the cut marker: its text with the largest count of dropped bytes fits in it. */
const MARKER_ROOM = 64;

/** What is kept of a line that is cut, in UTF-8 bytes. */
export const KEPT_LINE_BYTES = MAX_LINE_BYTES - MARKER_ROOM;

/**
 * An attempt's log is capped at this many lines and message bytes: a task that prints without end
 * costs at most this many writes (one per line) and this much storage. Beyond them lines are
 * dropped and a final line says how many.
 */
export const MAX_LINES_PER_ATTEMPT = 10_000;
export const MAX_BYTES_PER_ATTEMPT = 4 * 1024 * 1024;

/** The marker ending a line that was cut. */
export function cutMarker(droppedBytes: number): string {
  return ` … [line cut: ${droppedBytes} more bytes not logged]`;
}

/** The message of the line ending a capped log. */
export function droppedLinesMessage(lines: number, bytes: number, cap = { lines: MAX_LINES_PER_ATTEMPT, bytes: MAX_BYTES_PER_ATTEMPT }): string {
  return `Log capped at ${cap.lines} lines or ${cap.bytes} bytes per attempt: ${lines} more lines (${bytes} bytes) were not logged`;
}

/**
 * The length of the longest prefix of `bytes` (UTF-8) of at most `limit` bytes that ends on a
 * character boundary, so a cut never leaves half a character.
 */
export function utf8PrefixLength(bytes: Uint8Array, limit: number): number {
  if (bytes.length <= limit) return bytes.length;
  let end = limit;
  // A continuation byte (10xxxxxx) at the cut belongs to a character that started before it.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return end;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `message` as stored: itself when it fits in MAX_LINE_BYTES, else its first KEPT_LINE_BYTES and the cut marker. */
export function cutMessage(message: string): string {
  // A string of n UTF-16 units takes at most 3n UTF-8 bytes: most messages need no encoding at all.
  if (message.length * 3 <= MAX_LINE_BYTES || utf8Bytes(message) <= MAX_LINE_BYTES) return message;
  const bytes = encoder.encode(message);
  const kept = utf8PrefixLength(bytes, KEPT_LINE_BYTES);
  return decoder.decode(bytes.subarray(0, kept)) + cutMarker(bytes.length - kept);
}

/** A message's size in UTF-8 bytes. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
