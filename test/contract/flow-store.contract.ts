import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowAlreadyExistsError, FlowChangedConcurrentlyError } from '../../lib/domain/errors';
import type { FlowStore } from '../../lib/ports';
import { aFlow } from '../support/factories';

/** A store under test and how to dispose of it. */
export interface FlowStoreUnderTest {
  store: FlowStore;
  close(): Promise<void>;
}

/**
 * What every FlowStore guarantees, asserted through the port only. Run against the in-memory fake
 * (unit layer) and against DynamoFlowStore on dynalite (integration layer), so the two cannot drift.
 */
export function describeFlowStoreContract(name: string, makeStore: () => Promise<FlowStoreUnderTest>): void {
  describe(`FlowStore contract: ${name}`, () => {
    let subject: FlowStoreUnderTest;
    let store: FlowStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.close();
    });

    describe('get', () => {
      it('returns undefined for an unknown flow', async () => {
        expect(await store.get('dev', 'nope')).toBeUndefined();
      });

      it('returns a copy: changing it does not change the stored flow', async () => {
        // Prepare
        await store.create(aFlow());

        // Act
        const read = await store.get('dev', 'reports');
        read!.tasks.length = 0;

        // Assess
        expect((await store.get('dev', 'reports'))!.tasks).toHaveLength(1);
      });
    });

    describe('create', () => {
      it('stores the flow as given', async () => {
        const flow = aFlow({ description: 'daily numbers', labels: [{ key: 'team', value: 'data' }] });

        await store.create(flow);

        expect(await store.get('dev', 'reports')).toEqual(flow);
      });

      it('throws FlowAlreadyExistsError when the flow exists, keeping the first', async () => {
        await store.create(aFlow({ description: 'first' }));

        await expect(store.create(aFlow({ description: 'second' }))).rejects.toBeInstanceOf(FlowAlreadyExistsError);

        expect((await store.get('dev', 'reports'))!.description).toBe('first');
      });

      it('keeps flows of the same id in other namespaces apart', async () => {
        await store.create(aFlow({ namespace: 'dev' }));

        await store.create(aFlow({ namespace: 'prod', description: 'prod copy' }));

        expect((await store.get('prod', 'reports'))!.description).toBe('prod copy');
        expect((await store.get('dev', 'reports'))!.description).toBeUndefined();
      });
    });

    describe('update', () => {
      it('replaces the flow when its stored revision is the expected one', async () => {
        await store.create(aFlow({ revision: 1 }));

        await store.update(aFlow({ revision: 2, description: 'v2' }), 1);

        expect(await store.get('dev', 'reports')).toMatchObject({ revision: 2, description: 'v2' });
      });

      it('throws FlowChangedConcurrentlyError when the stored revision moved on, keeping it', async () => {
        await store.create(aFlow({ revision: 1 }));
        await store.update(aFlow({ revision: 2, description: 'someone else' }), 1);

        await expect(store.update(aFlow({ revision: 2, description: 'mine' }), 1)).rejects.toBeInstanceOf(FlowChangedConcurrentlyError);

        expect((await store.get('dev', 'reports'))!.description).toBe('someone else');
      });

      it('throws FlowChangedConcurrentlyError when the flow is gone', async () => {
        await expect(store.update(aFlow({ revision: 2 }), 1)).rejects.toBeInstanceOf(FlowChangedConcurrentlyError);

        expect(await store.get('dev', 'reports')).toBeUndefined();
      });
    });

    describe('delete', () => {
      it('removes the flow and says it did', async () => {
        await store.create(aFlow());

        const deleted = await store.delete('dev', 'reports');

        expect(deleted).toBe(true);
        expect(await store.get('dev', 'reports')).toBeUndefined();
      });

      it('returns false for an unknown flow', async () => {
        expect(await store.delete('dev', 'nope')).toBe(false);
      });
    });

    describe('revisions', () => {
      it('reads the current revision from the flow itself, no copy needed (flows written before revisions were kept have none)', async () => {
        const flow = aFlow({ revision: 3, description: 'current' });
        await store.create(flow);

        expect(await store.getRevision('dev', 'reports', 3)).toEqual(flow);
        expect(await store.listRevisions('dev', 'reports')).toEqual([flow]);
        expect(await store.highestRevision('dev', 'reports')).toBe(3);
      });

      it('keeps the revision an update replaces, exactly as it was', async () => {
        const first = aFlow({ revision: 1, description: 'v1', labels: [{ key: 'team', value: 'data' }] });
        await store.create(first);

        await store.update(aFlow({ revision: 2, description: 'v2' }), 1);

        expect(await store.getRevision('dev', 'reports', 1)).toEqual(first);
        expect(await store.getRevision('dev', 'reports', 2)).toMatchObject({ revision: 2, description: 'v2' });
        expect((await store.get('dev', 'reports'))!.description).toBe('v2');
      });

      it('never changes a kept revision: later updates keep theirs beside it', async () => {
        await store.create(aFlow({ revision: 1, description: 'v1' }));
        await store.update(aFlow({ revision: 2, description: 'v2' }), 1);
        await store.update(aFlow({ revision: 3, description: 'v3' }), 2);

        const revisions = await store.listRevisions('dev', 'reports');

        expect(revisions.map((f) => [f.revision, f.description])).toEqual([
          [1, 'v1'],
          [2, 'v2'],
          [3, 'v3'],
        ]);
        expect((await store.getRevision('dev', 'reports', 1))!.description).toBe('v1');
      });

      it('keeps nothing for an update refused as concurrent', async () => {
        await store.create(aFlow({ revision: 1, description: 'v1' }));
        await store.update(aFlow({ revision: 2, description: 'v2' }), 1);

        await expect(store.update(aFlow({ revision: 2, description: 'mine' }), 1)).rejects.toBeInstanceOf(FlowChangedConcurrentlyError);

        expect((await store.listRevisions('dev', 'reports')).map((f) => f.description)).toEqual(['v1', 'v2']);
      });

      it('returns undefined for a revision never written, and for an unknown flow', async () => {
        await store.create(aFlow({ revision: 1 }));
        await store.update(aFlow({ revision: 2 }), 1);

        expect(await store.getRevision('dev', 'reports', 3)).toBeUndefined();
        expect(await store.getRevision('dev', 'nope', 1)).toBeUndefined();
        expect(await store.listRevisions('dev', 'nope')).toEqual([]);
        expect(await store.highestRevision('dev', 'nope')).toBe(0);
      });

      it('keeps the revision a delete removes: still readable, and the highest revision, so a new flow of that id goes on from it', async () => {
        await store.create(aFlow({ revision: 1, description: 'v1' }));
        await store.update(aFlow({ revision: 2, description: 'v2' }), 1);

        await store.delete('dev', 'reports');

        expect((await store.getRevision('dev', 'reports', 2))!.description).toBe('v2');
        expect(await store.highestRevision('dev', 'reports')).toBe(2);
        // A deleted flow lists no revision, as it reads as unknown.
        expect(await store.listRevisions('dev', 'reports')).toEqual([]);
      });

      it('keeps the revisions of flows of the same id in other namespaces apart', async () => {
        await store.create(aFlow({ namespace: 'dev', revision: 1, description: 'dev v1' }));
        await store.create(aFlow({ namespace: 'prod', revision: 1, description: 'prod v1' }));
        await store.update(aFlow({ namespace: 'dev', revision: 2, description: 'dev v2' }), 1);

        expect((await store.getRevision('prod', 'reports', 1))!.description).toBe('prod v1');
        expect((await store.getRevision('dev', 'reports', 1))!.description).toBe('dev v1');
        expect(await store.highestRevision('prod', 'reports')).toBe(1);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        for (const [namespace, id] of [
          ['prod', 'b'],
          ['dev', 'z'],
          ['dev.team', 'a'],
          ['dev', 'a'],
        ]) {
          await store.create(aFlow({ namespace, id }));
        }
      });

      it('lists every flow sorted by namespace then id', async () => {
        const flows = await store.list();

        expect(flows.map((f) => `${f.namespace}/${f.id}`)).toEqual(['dev/a', 'dev/z', 'dev.team/a', 'prod/b']);
      });

      it('lists one namespace exactly, without its children', async () => {
        const flows = await store.list('dev');

        expect(flows.map((f) => `${f.namespace}/${f.id}`)).toEqual(['dev/a', 'dev/z']);
      });

      it('returns nothing for a namespace without flows', async () => {
        expect(await store.list('staging')).toEqual([]);
      });
    });
  });
}
