import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_OPERATION_ERRORS, type Operation, type OperationError } from '../../lib/domain/operation';
import type { OperationStore } from '../../lib/ports';

/** A store under test and how to dispose of it. */
export interface OperationStoreUnderTest {
  store: OperationStore;
  close(): Promise<void>;
}

const CREATED = '2026-03-01T12:00:00.000Z';
const LATER = '2026-03-01T12:00:05.000Z';

function anOperation(overrides: Partial<Operation> = {}): Operation {
  return {
    id: 'op1',
    kind: 'BACKFILL_PAUSE',
    totalItems: 3,
    parts: 2,
    recordedParts: [],
    done: 0,
    failed: 0,
    errors: [],
    errorsOmitted: 0,
    createdAt: CREATED,
    updatedAt: CREATED,
    expiresAtMs: Date.parse('2026-03-08T12:00:00.000Z'),
    ...overrides,
  };
}

const PARTS = [
  [
    { namespace: 'dev', flowId: 'a', triggerId: 'schedule' },
    { namespace: 'dev', flowId: 'b', triggerId: 'schedule' },
  ],
  [{ namespace: 'prod', flowId: 'c', triggerId: 'hourly' }],
];

const anError = (i: number): OperationError => ({ namespace: 'dev', flowId: `f${i}`, triggerId: 'schedule', message: 'No backfill found' });

/**
 * What every OperationStore guarantees: a part's outcome counts once however often it is recorded
 * (redelivered messages, retried writes), and an operation's errors stay bounded. Run against the
 * in-memory fake and against DynamoOperationStore on dynalite.
 */
export function describeOperationStoreContract(name: string, makeStore: () => Promise<OperationStoreUnderTest>): void {
  describe(`OperationStore contract: ${name}`, () => {
    let subject: OperationStoreUnderTest;
    let store: OperationStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.close();
    });

    it('reads back the operation and each of its parts as created', async () => {
      const operation = anOperation({ kind: 'TRIGGER_ENABLE', recover: 'BACKFILL' });

      await store.create(operation, PARTS);

      expect(await store.get('op1')).toEqual(operation);
      expect(await store.part('op1', 0)).toEqual(PARTS[0]);
      expect(await store.part('op1', 1)).toEqual(PARTS[1]);
      expect(await store.part('op1', 2)).toBeUndefined();
    });

    it('knows no operation or part that was not created, nor a part by its id', async () => {
      await store.create(anOperation(), PARTS);

      expect(await store.get('nope')).toBeUndefined();
      expect(await store.get('op1/0')).toBeUndefined();
      expect(await store.part('nope', 0)).toBeUndefined();
    });

    it('records a part once: its counts and errors added, the part listed, the time kept', async () => {
      await store.create(anOperation(), PARTS);

      expect(await store.recordPart('op1', { part: 1, done: 1, failed: 1, errors: [anError(1)] }, LATER)).toBe(true);
      expect(await store.recordPart('op1', { part: 1, done: 1, failed: 1, errors: [anError(1)] }, '2026-03-01T12:01:00.000Z')).toBe(false);

      expect(await store.get('op1')).toEqual(anOperation({ recordedParts: [1], done: 1, failed: 1, errors: [anError(1)], updatedAt: LATER }));
    });

    it('adds the outcomes of different parts, recorded side by side', async () => {
      await store.create(anOperation(), PARTS);

      const recorded = await Promise.all([
        store.recordPart('op1', { part: 0, done: 2, failed: 0, errors: [] }, LATER),
        store.recordPart('op1', { part: 1, done: 0, failed: 1, errors: [anError(7)] }, LATER),
      ]);

      expect(recorded).toEqual([true, true]);
      expect(await store.get('op1')).toMatchObject({ recordedParts: [0, 1], done: 2, failed: 1, errors: [anError(7)], errorsOmitted: 0 });
    });

    it(`keeps the first ${MAX_OPERATION_ERRORS} errors and counts the others`, async () => {
      const parts = Array.from({ length: 5 }, (_, i) => [{ namespace: 'dev', flowId: `f${i}`, triggerId: 'schedule' }]);
      await store.create(anOperation({ parts: 5, totalItems: 5 }), parts);
      const errorsOfPart = (part: number) => Array.from({ length: 30 }, (_, i) => anError(part * 100 + i));

      for (let part = 0; part < 5; part++) await store.recordPart('op1', { part, done: 0, failed: 30, errors: errorsOfPart(part) }, LATER);

      const operation = await store.get('op1');
      expect(operation?.errors).toHaveLength(MAX_OPERATION_ERRORS);
      expect(operation?.errors).toEqual([...errorsOfPart(0), ...errorsOfPart(1), ...errorsOfPart(2), ...errorsOfPart(3).slice(0, 10)]);
      expect(operation).toMatchObject({ failed: 150, errorsOmitted: 50, recordedParts: [0, 1, 2, 3, 4] });
    });

    it('records nothing for an unknown operation', async () => {
      expect(await store.recordPart('nope', { part: 0, done: 1, failed: 0, errors: [] }, LATER)).toBe(false);

      expect(await store.get('nope')).toBeUndefined();
    });
  });
}
