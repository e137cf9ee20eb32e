import { createRequire } from 'node:module';

const ITERATOR_CLASSES = ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator'] as const;
let applied = false;

interface IteratorPrototype {
  close?: unknown;
  return?: unknown;
}
type AbstractLevelModule = Partial<Record<(typeof ITERATOR_CLASSES)[number], { prototype: IteratorPrototype }>>;

/**
 * Closes the LevelDB iterators that dynalite 4.0.0 leaves open.
 *
 * WHY: dynalite 4.0.0 (node_modules/dynalite/db/index.js lines 409-475 in the npm tarball, inside
 * `wrapWithCallbacks`; upstream https://github.com/architect/dynalite/blob/main/db/index.js) turns
 * abstract-level 3 iterators (`levelDb.keys(options)` / `levelDb.values(options)`) into Readable
 * streams (`createKeyStream` / `createValueStream`). Their `destroy` closes the iterator only through
 * `iterator.return()`, a method abstract-level 3.x iterators do not have, and an abstract-level
 * iterator whose `next()` resolved `undefined` is merely "ended": it stays open until `close()`. So
 * every Query, Scan and table deletion left its iterator open for the life of the process: with
 * classic-level (dynalite's `path` option, LevelDB on disk) a native iterator that pins an old LevelDB
 * version (memtables and table files compaction can no longer drop), with memory-level a snapshot of
 * the tree. A 20,000-tick backfill through the local default on disk ended with 42,448 open
 * iterators, 2.2 GB RSS and 1.24 GB on disk in 213 s; with this fix: none open, 340 MB peak RSS
 * (the whole process), 25 MB on disk, 151 s.
 *
 * FIX: give abstract-level's iterator classes the `return()` that dynalite's streams already call,
 * as the async-iterator protocol defines it (closes, resolves `{ done: true }`). Every end of a
 * stream goes through it: natural end (Readable `autoDestroy` → `destroy()` → `return()`), an early
 * stop (dynalite's `lazyStream` destroys the stream when a `Limit` or the 1 MB page cut stops the
 * takeWhile), and errors (`this.destroy(err)`). `close()` waits for a `next()` in flight, and is
 * idempotent. Patching the prototypes (rather than dynalite's stream code, which lives in a closure
 * per database) keeps dynalite's own code path intact; we only add a method where none exists.
 *
 * The classes are resolved from dynalite's own location (dynalite → level → classic-level and
 * dynalite → memory-level), so they are the copies dynalite really uses, even if another
 * abstract-level is ever installed elsewhere in node_modules. dynalite is pinned (4.0.0), so a
 * missing class means an intentional upgrade changed the layout: we fail loudly rather than leak
 * silently. Safe to call any number of times. Remove once dynalite closes its iterators itself
 * (test/integration/dynalite-iterators.test.ts then passes with the call in dynamodb.ts removed).
 */
export function closeDynaliteIterators(): void {
  if (applied) return;
  const copies = abstractLevelCopies();
  for (const abstractLevel of copies) {
    for (const name of ITERATOR_CLASSES) {
      const prototype = abstractLevel[name]?.prototype;
      if (!prototype || typeof prototype.close !== 'function') {
        throw new Error(`dynalite iterator fix: abstract-level has no ${name} with close(); revisit lib/local/dynalite-iterator-fix.ts`);
      }
      if (typeof prototype.return === 'function') continue; // upstream or an earlier call gave it one
      Object.defineProperty(prototype, 'return', {
        value: async function (this: { close(): Promise<void> }) {
          await this.close();
          return { done: true, value: undefined };
        },
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }
  applied = true;
}

/** The abstract-level module(s) behind dynalite's two backends: on disk (level → classic-level) and in memory (memory-level). */
export function abstractLevelCopies(): AbstractLevelModule[] {
  const fromHere = createRequire(import.meta.url);
  const fromDynalite = createRequire(fromHere.resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  const fromClassicLevel = createRequire(fromLevel.resolve('classic-level'));
  const fromMemoryLevel = createRequire(fromDynalite.resolve('memory-level'));
  const paths = new Set([fromClassicLevel.resolve('abstract-level'), fromMemoryLevel.resolve('abstract-level')]);
  return [...paths].map((path) => fromHere(path) as AbstractLevelModule);
}
