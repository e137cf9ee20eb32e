import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../lib/adapters/process/line-splitter';
import { KEPT_LINE_BYTES, MAX_LINE_BYTES, cutMarker } from '../../../lib/domain/log-limits';

/** The lines a splitter emits for `chunks`, fed one after the other. */
function split(...chunks: (string | Buffer)[]): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('ends lines at \\n, \\r\\n and a lone \\r, like readline, and emits a last line without an end', () => {
    expect(split('a\nb\r\nc\rd\n\ne')).toEqual(['a', 'b', 'c', 'd', '', 'e']);
  });

  it('emits no empty line after a final line end', () => {
    expect(split('a\n')).toEqual(['a']);
    expect(split('')).toEqual([]);
  });

  it('joins lines split across chunks, including a \\r\\n and a character split between two chunks', () => {
    const euro = Buffer.from('€');
    expect(split('ab', 'c\r', '\nd', euro.subarray(0, 1), euro.subarray(1), '\n')).toEqual(['abc', 'd€']);
  });

  it('keeps a line of exactly MAX_LINE_BYTES whole', () => {
    expect(split('x'.repeat(MAX_LINE_BYTES))).toEqual(['x'.repeat(MAX_LINE_BYTES)]);
  });

  it('cuts a longer line while reading, on a character boundary, with the count of bytes dropped, and goes on with the next line', () => {
    const chunk = Buffer.from('€'.repeat(20_000)); // 60,000 bytes a chunk
    const lines = split(chunk, chunk, chunk, 'end\nnext\n');

    const kept = Math.floor(KEPT_LINE_BYTES / 3) * 3;
    expect(lines).toEqual(['€'.repeat(kept / 3) + cutMarker(3 * 60_000 + 3 - kept), 'next']);
  });
});
