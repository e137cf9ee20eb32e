import { KEPT_LINE_BYTES, MAX_LINE_BYTES, cutMarker, utf8PrefixLength } from '../../domain/log-limits';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines as `readline` does (`\n`, `\r\n` or a lone `\r` ends a line; the
 * last line needs no end), but holds at most MAX_LINE_BYTES + 1 bytes of a line: readline buffers a
 * whole line, so a task printing 50 MB without a newline would hold 50 MB (as a string, twice that).
 * A longer line is cut as `cutMessage` cuts it: its first KEPT_LINE_BYTES, on a character
 * boundary, then the marker with the number of bytes dropped; the rest is counted, not kept.
 * Written here because no maintained splitter we know of bounds the line it buffers.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private held = 0;
  private total = 0;
  /** The last chunk ended in `\r`: a `\n` starting the next one belongs to the same line end. */
  private afterCR = false;
  private ended = false;

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.ended) return;
    let start = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (chunk[0] === LF) start = 1;
    }
    // Both positions are kept between lines, so a chunk is scanned once for each byte value.
    let nextLF = chunk.indexOf(LF, start);
    let nextCR = chunk.indexOf(CR, start);
    for (;;) {
      const end = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR);
      if (end === -1) {
        this.add(chunk, start, chunk.length);
        return;
      }
      this.add(chunk, start, end);
      this.finishLine();
      start = end + 1;
      if (end === nextCR) {
        if (start === chunk.length) this.afterCR = true;
        else if (chunk[start] === LF) start++;
      }
      if (nextLF !== -1 && nextLF < start) nextLF = chunk.indexOf(LF, start);
      if (nextCR !== -1 && nextCR < start) nextCR = chunk.indexOf(CR, start);
    }
  }

  /** The stream ended: its last line, if it has one. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.total > 0) this.finishLine();
  }

  private add(chunk: Buffer, from: number, to: number): void {
    this.total += to - from;
    const take = Math.min(to - from, MAX_LINE_BYTES + 1 - this.held);
    if (take <= 0) return;
    // A copy: a view would keep the whole chunk alive for a few bytes of it.
    this.parts.push(Buffer.from(chunk.subarray(from, from + take)));
    this.held += take;
  }

  private finishLine(): void {
    const bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.held);
    if (this.total <= MAX_LINE_BYTES) this.emit(bytes.toString('utf8'));
    else {
      const kept = utf8PrefixLength(bytes, KEPT_LINE_BYTES);
      this.emit(bytes.toString('utf8', 0, kept) + cutMarker(this.total - kept));
    }
    this.parts = [];
    this.held = 0;
    this.total = 0;
  }
}
