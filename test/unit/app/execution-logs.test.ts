import { beforeEach, describe, expect, it, vi } from 'vitest';
import { executionLogPage } from '../../../lib/app/execution-logs';
import type { LogLine } from '../../../lib/ports';
import { aStoredExecution, aLogEntry } from '../../support/factories';
import { type InMemoryDependencies, inMemoryDependencies } from '../../support/fakes/in-memory-dependencies';

const line = (seq: number, message = `line ${seq}`): LogLine => ({ seq, entry: aLogEntry(message) });
const BY_LINE = { maxBytes: Number.POSITIVE_INFINITY, sizeOf: () => 1 };

describe('executionLogPage', () => {
  let deps: InMemoryDependencies;

  beforeEach(async () => {
    deps = inMemoryDependencies();
    // An earlier attempt's lines in the table, the last attempt's short log kept with the execution.
    await deps.executions.createIfAbsent({ ...aStoredExecution({ id: 'e1', state: 'SUCCESS' }), logs: [line(2_000_000), line(2_000_001)] });
    await deps.logs.append(Array.from({ length: 250 }, (_, i) => line(1_000_000 + i)));
  });

  const seqs = (lines: LogLine[] | undefined) => lines?.map((l) => l.seq);

  it('is undefined for an execution that does not exist', async () => {
    expect(await executionLogPage(deps, 'nope', BY_LINE)).toBeUndefined();
  });

  it('merges the table and the lines kept with the execution, in seq order', async () => {
    const page = await executionLogPage(deps, 'e1', BY_LINE);

    expect(page?.more).toBe(false);
    expect(seqs(page?.lines)).toEqual([...Array.from({ length: 250 }, (_, i) => 1_000_000 + i), 2_000_000, 2_000_001]);
  });

  it('pages by cursor, each line once, with `more` on every page but the last', async () => {
    const pages: { seqs: number[]; more: boolean }[] = [];
    let afterSeq: number | undefined;
    for (;;) {
      const page = await executionLogPage(deps, 'e1', { ...BY_LINE, afterSeq, maxLines: 120 });
      pages.push({ seqs: seqs(page?.lines) ?? [], more: page?.more ?? false });
      if (!page?.more) break;
      afterSeq = page.lines.at(-1)?.seq;
    }

    expect(pages.map((p) => [p.seqs.length, p.more])).toEqual([
      [120, true],
      [120, true],
      [12, false],
    ]);
    expect(pages.flatMap((p) => p.seqs)).toEqual(seqs((await executionLogPage(deps, 'e1', BY_LINE))?.lines));
  });

  it('stops before `maxBytes`, and reads from the table only about what the page holds', async () => {
    const list = vi.spyOn(deps.logs, 'list');

    const page = await executionLogPage(deps, 'e1', { maxBytes: 1000, sizeOf: (e) => e.message.length });

    expect(page?.lines).toHaveLength(83); // 83 lines of 12 characters fit in 1000
    expect(page?.more).toBe(true);
    expect(list).toHaveBeenCalledTimes(1);
    expect(list.mock.calls[0]?.[1]).toEqual({ afterSeq: undefined, limit: 100 });
  });

  it('always takes the first line, however big, so a page never comes back empty while lines follow', async () => {
    const page = await executionLogPage(deps, 'e1', { maxBytes: 1, sizeOf: () => 10 });

    expect(seqs(page?.lines)).toEqual([1_000_000]);
    expect(page?.more).toBe(true);
  });

  it('is empty past the last line, and says no more follow', async () => {
    expect(await executionLogPage(deps, 'e1', { ...BY_LINE, afterSeq: 2_000_001 })).toEqual({ lines: [], more: false, ended: true });
  });

  it("says whether the execution had ended when the page was read (a follower's cue that its log is complete)", async () => {
    await deps.executions.createIfAbsent(aStoredExecution({ id: 'running', state: 'RUNNING' }));

    expect((await executionLogPage(deps, 'running', BY_LINE))?.ended).toBe(false);
    expect((await executionLogPage(deps, 'e1', BY_LINE))?.ended).toBe(true);
  });
});
