import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerPage } from '../../lib/domain/ledger';
import type { DispatchLedger } from '../../lib/ports';

/** A ledger under test and how to dispose of it. */
export interface DispatchLedgerUnderTest {
  ledger: DispatchLedger;
  close(): Promise<void>;
}

const MINUTE = 60_000;
const T0 = Date.parse('2026-02-01T00:00:00Z');

function aPage(overrides: Partial<LedgerPage> = {}): LedgerPage {
  return {
    id: `bf1|${T0}`,
    backfillId: 'bf1',
    ticks: [T0, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 60 * MINUTE],
    sentAt: '2026-03-01T12:00:00.000Z',
    ended: [],
    failed: [],
    ...overrides,
  };
}

/**
 * What every DispatchLedger guarantees, through the port only: a page is written once (a re-run
 * batch finds the first attempt's), marks are idempotent, and a page once removed stays gone. Run
 * against the in-memory fake and against DynamoDispatchLedger on dynalite.
 */
export function describeDispatchLedgerContract(name: string, make: () => Promise<DispatchLedgerUnderTest>): void {
  describe(`DispatchLedger contract: ${name}`, () => {
    let subject: DispatchLedgerUnderTest;
    let ledger: DispatchLedger;

    beforeEach(async () => {
      subject = await make();
      ledger = subject.ledger;
    });
    afterEach(async () => subject.close());

    it('stores a page as given, irregular ticks included, and reads it back', async () => {
      const page = aPage();
      expect(await ledger.open(page)).toEqual(page);
      expect(await ledger.read([page.id])).toEqual([page]);
    });

    it('keeps the first page written under an id: a second open returns it unchanged', async () => {
      const first = aPage();
      await ledger.open(first);
      const second = await ledger.open(aPage({ ticks: [T0], sentAt: '2026-03-01T12:09:00.000Z' }));
      expect(second).toEqual(first);
      expect(await ledger.read([first.id])).toEqual([first]);
    });

    it('reads only the pages that exist, each once, in id order', async () => {
      const a = aPage({ id: 'bf1|a' });
      const b = aPage({ id: 'bf1|b' });
      await ledger.open(b);
      await ledger.open(a);
      expect((await ledger.read(['bf1|b', 'bf1|missing', 'bf1|a', 'bf1|b'])).map((p) => p.id)).toEqual(['bf1|a', 'bf1|b']);
      expect(await ledger.read([])).toEqual([]);
    });

    it('marks ended and failed slots across pages; marking again changes nothing', async () => {
      await ledger.open(aPage({ id: 'bf1|a' }));
      await ledger.open(aPage({ id: 'bf1|b' }));
      const marks = [
        { pageId: 'bf1|a', slot: 0, failed: false },
        { pageId: 'bf1|a', slot: 2, failed: true },
        { pageId: 'bf1|b', slot: 3, failed: false },
      ];
      await ledger.markEnded(marks);
      const again = await ledger.markEnded(marks);
      const [a, b] = await ledger.read(['bf1|a', 'bf1|b']);
      // It answers the marked pages as they are after the marks.
      expect([...again].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([a, b]);
      expect(await ledger.markEnded([{ pageId: 'bf1|gone', slot: 0, failed: false }])).toEqual([]);
      expect(a).toMatchObject({ ended: [0, 2], failed: [2] });
      expect(b).toMatchObject({ ended: [3], failed: [] });
    });

    it('marks killed slots apart, among the failed ones, idempotently; a page without any has no killed list', async () => {
      await ledger.open(aPage());
      await ledger.markEnded([
        { pageId: aPage().id, slot: 0, failed: true, killed: true },
        { pageId: aPage().id, slot: 1, failed: true },
      ]);
      await ledger.markEnded([{ pageId: aPage().id, slot: 0, failed: true, killed: true }]);
      expect((await ledger.read([aPage().id]))[0]).toMatchObject({ ended: [0, 1], failed: [0, 1], killed: [0] });
      await ledger.open(aPage({ id: 'bf1|other' }));
      await ledger.markEnded([{ pageId: 'bf1|other', slot: 2, failed: true }]);
      expect((await ledger.read(['bf1|other']))[0]?.killed).toBeUndefined();
    });

    it('stores a page with no ticks (a cancel closing the next batch) and keeps it first', async () => {
      const empty = aPage({ ticks: [] });
      expect(await ledger.open(empty)).toEqual(empty);
      expect(await ledger.open(aPage())).toEqual(empty);
    });

    it('keeps the slots a page was opened with', async () => {
      await ledger.open(aPage({ ended: [1], failed: [1] }));
      await ledger.markEnded([{ pageId: aPage().id, slot: 0, failed: false }]);
      expect((await ledger.read([aPage().id]))[0]).toMatchObject({ ended: [0, 1], failed: [1] });
    });

    it('a removed page stays gone: a late mark does not bring it back', async () => {
      await ledger.open(aPage());
      await ledger.remove([aPage().id]);
      await ledger.markEnded([{ pageId: aPage().id, slot: 1, failed: false }]);
      expect(await ledger.read([aPage().id])).toEqual([]);
    });

    it('records when the sweep last sent a page again, and nothing for a page that is gone', async () => {
      await ledger.open(aPage());
      await ledger.markSwept(aPage().id, '2026-03-01T12:30:00.000Z');
      await ledger.markSwept('bf1|gone', '2026-03-01T12:30:00.000Z');
      expect((await ledger.read([aPage().id]))[0]?.sweptAt).toBe('2026-03-01T12:30:00.000Z');
      expect(await ledger.read(['bf1|gone'])).toEqual([]);
    });

    it('holds slots and releases them, idempotently; nothing for a page that is gone', async () => {
      await ledger.open(aPage());
      await ledger.hold(aPage().id, [1, 3]);
      await ledger.hold(aPage().id, [3]);
      expect((await ledger.read([aPage().id]))[0]?.held).toEqual([1, 3]);
      await ledger.release(aPage().id, [1]);
      expect((await ledger.read([aPage().id]))[0]?.held).toEqual([3]);
      await ledger.release(aPage().id, [3]);
      expect((await ledger.read([aPage().id]))[0]?.held ?? []).toEqual([]);
      await ledger.hold('bf1|gone', [0]);
      expect(await ledger.read(['bf1|gone'])).toEqual([]);
    });
  });
}
