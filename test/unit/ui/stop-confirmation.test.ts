import { describe, expect, it } from 'vitest';
import { aBackfillProgress } from '../../support/factories';
import { bulkStopConfirmation, stopConfirmation } from '../../../lib/ui/client/stop-confirmation';

const progress = aBackfillProgress;

describe('stopConfirmation', () => {
  it("says Delete lets the executions in flight run on (Kestra's delete), with their number and the ticks never dispatched", () => {
    const delete_ = stopConfirmation('delete', progress({ dispatched: 7, queued: 1, running: 2, succeeded: 4 }));

    expect(delete_).toEqual({
      title: 'Delete backfill?',
      text: "Delete stops dispatching new executions; the 3 already queued or running go on (Kestra's delete). The 3 ticks not dispatched yet never run.",
      confirm: 'Delete backfill',
      inFlight: 3,
      notDispatched: 3,
    });
  });

  it('says Cancel kills the executions in flight (KILLED) and dispatches no more', () => {
    const cancel = stopConfirmation('cancel', progress({ dispatched: 9, running: 2, queued: 2, succeeded: 5 }));

    expect(cancel.title).toBe('Cancel backfill?');
    expect(cancel.confirm).toBe('Cancel backfill');
    expect(cancel.text).toBe(
      'Cancel kills the 4 running and queued executions (state KILLED) and dispatches no more. The 1 tick not dispatched yet never runs.',
    );
  });

  it('speaks of one execution in the singular, and of none when nothing is in flight', () => {
    expect(stopConfirmation('delete', progress({ dispatched: 10, running: 1, succeeded: 9 })).text).toBe(
      "Delete stops dispatching new executions; the 1 already queued or running goes on (Kestra's delete).",
    );
    expect(stopConfirmation('cancel', progress({ dispatched: 10, queued: 1, succeeded: 9 })).text).toBe(
      'Cancel kills the 1 running and queued execution (state KILLED) and dispatches no more.',
    );
    expect(stopConfirmation('delete', progress({ dispatched: 10, succeeded: 10 })).text).toBe(
      "Delete stops dispatching new executions; none is queued or running now (those would go on: Kestra's delete).",
    );
    expect(stopConfirmation('cancel', progress({ dispatched: 10, succeeded: 10 })).text).toBe(
      'Cancel kills its running and queued executions (none now; state KILLED) and dispatches no more.',
    );
  });

  it('counts nothing for a backfill without progress yet', () => {
    expect(stopConfirmation('cancel', undefined)).toMatchObject({ inFlight: 0, notDispatched: 0 });
  });
});

describe('bulkStopConfirmation', () => {
  it('says a bulk Cancel kills the running and queued executions of every backfill chosen, their counts summed', () => {
    const cancel = bulkStopConfirmation('cancel', [
      { progress: progress({ dispatched: 9, running: 2, queued: 1, succeeded: 6 }) },
      { progress: progress({ dispatched: 4, running: 1, succeeded: 3 }) },
    ]);

    expect(cancel).toEqual({
      title: 'Cancel 2 backfills?',
      text: 'Cancel kills the 4 running and queued executions of the 2 backfills chosen (state KILLED) and dispatches no more. The 7 ticks not dispatched yet never run.',
      confirm: 'Cancel 2 backfills',
      inFlight: 4,
      notDispatched: 7,
    });
  });

  it("says a bulk Delete lets them run on (Kestra's delete), and speaks of one backfill and of none in flight", () => {
    expect(bulkStopConfirmation('delete', [{ progress: progress({ dispatched: 10, running: 1, succeeded: 9 }) }])).toMatchObject({
      title: 'Delete 1 backfill?',
      text: "Delete stops dispatching new executions of the 1 backfill chosen; the 1 already queued or running goes on (Kestra's delete).",
    });
    expect(bulkStopConfirmation('cancel', [{ progress: progress({ dispatched: 10, succeeded: 10 }) }]).text).toBe(
      'Cancel kills the running and queued executions of the 1 backfill chosen (none now; state KILLED) and dispatches no more.',
    );
  });
});
