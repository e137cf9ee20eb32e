import type { LedgerPage, SlotMark } from '../../../lib/domain/ledger';
import type { DispatchLedger } from '../../../lib/ports';

/**
 * DispatchLedger in memory, with DynamoDispatchLedger's semantics: a page is written once (the
 * first write wins), marks are set additions and skip a page that is gone, reads return copies.
 * test/contract/dispatch-ledger.contract.ts runs against both.
 */
export class InMemoryDispatchLedger implements DispatchLedger {
  private readonly pages = new Map<string, Entry>();
  /** Every markEnded call, for tests that count the worker's writes. */
  readonly markCalls: SlotMark[][] = [];

  async open(page: LedgerPage): Promise<LedgerPage> {
    const existing = this.pages.get(page.id);
    if (existing) return this.copy(existing);
    this.pages.set(page.id, {
      page: { ...page, ticks: [...page.ticks] },
      ended: new Set(page.ended),
      failed: new Set(page.failed),
      killed: new Set(page.killed ?? []),
    });
    return this.copy(this.pages.get(page.id)!);
  }

  async read(ids: string[]): Promise<LedgerPage[]> {
    return [...new Set(ids)]
      .map((id) => this.pages.get(id))
      .filter((entry) => entry !== undefined)
      .map((entry) => this.copy(entry))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async markEnded(marks: SlotMark[]): Promise<LedgerPage[]> {
    this.markCalls.push(marks.map((m) => ({ ...m })));
    const marked = new Set<string>();
    for (const mark of marks) {
      const entry = this.pages.get(mark.pageId);
      if (!entry) continue;
      entry.ended.add(mark.slot);
      if (mark.failed) entry.failed.add(mark.slot);
      if (mark.killed) entry.killed.add(mark.slot);
      marked.add(mark.pageId);
    }
    return this.read([...marked]);
  }

  async markSwept(pageId: string, at: string): Promise<void> {
    const entry = this.pages.get(pageId);
    if (entry) entry.page.sweptAt = at;
  }

  async hold(pageId: string, slots: number[]): Promise<void> {
    const entry = this.pages.get(pageId);
    if (entry) entry.page.held = [...new Set([...(entry.page.held ?? []), ...slots])].sort((a, b) => a - b);
  }

  async release(pageId: string, slots: number[]): Promise<void> {
    const entry = this.pages.get(pageId);
    if (!entry?.page.held) return;
    const left = entry.page.held.filter((slot) => !slots.includes(slot));
    if (left.length) entry.page.held = left;
    else delete entry.page.held;
  }

  async remove(ids: string[]): Promise<void> {
    for (const id of ids) this.pages.delete(id);
  }

  /** Every page stored, for tests. */
  all(): LedgerPage[] {
    return [...this.pages.values()].map((entry) => this.copy(entry));
  }

  private copy(entry: Entry): LedgerPage {
    const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
    const { killed: _opened, ...rest } = entry.page;
    const page: LedgerPage = { ...rest, ticks: [...entry.page.ticks], ended: sorted(entry.ended), failed: sorted(entry.failed) };
    // As the adapter reads it: no attribute until a slot is marked killed.
    if (entry.killed.size) page.killed = sorted(entry.killed);
    if (entry.page.held) page.held = [...entry.page.held];
    return page;
  }
}

/** A page and its marks, as sets. */
interface Entry {
  page: LedgerPage;
  ended: Set<number>;
  failed: Set<number>;
  killed: Set<number>;
}
