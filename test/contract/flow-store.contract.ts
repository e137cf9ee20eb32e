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
