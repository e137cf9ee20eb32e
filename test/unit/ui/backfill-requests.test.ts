import { describe, expect, it } from 'vitest';
import { backfillActionRequest, timelineRequest, updateBackfillRequest } from '../../../lib/ui/client/backfill-requests';

// A row of the Triggers tab carries more than the trigger's reference: only the reference is sent.
const trigger = { namespace: 'dev.ui', flowId: 'two windows', triggerId: 'hourly', disabled: false };
const ref = { namespace: 'dev.ui', flowId: 'two windows', triggerId: 'hourly' };

describe('the requests of one backfill', () => {
  it("sends the backfill's id with Pause, Resume, Delete and Cancel, on Kestra 2.x's routes and methods", () => {
    expect(backfillActionRequest(trigger, 'pause', 'bf-2')).toEqual({
      method: 'PUT',
      path: '/main/triggers/backfill/pause',
      body: { ...ref, backfillId: 'bf-2' },
    });
    expect(backfillActionRequest(trigger, 'unpause', 'bf-2')).toEqual({
      method: 'PUT',
      path: '/main/triggers/backfill/unpause',
      body: { ...ref, backfillId: 'bf-2' },
    });
    expect(backfillActionRequest(trigger, 'delete', 'bf-1')).toEqual({
      method: 'POST',
      path: '/main/triggers/backfill/delete',
      body: { ...ref, backfillId: 'bf-1' },
    });
    expect(backfillActionRequest(trigger, 'cancel', 'bf-1')).toEqual({
      method: 'POST',
      path: '/main/triggers/backfill/cancel',
      body: { ...ref, backfillId: 'bf-1' },
    });
  });

  it('names no backfill without an id: the server then acts on every active one', () => {
    expect(backfillActionRequest(trigger, 'pause')).toEqual({ method: 'PUT', path: '/main/triggers/backfill/pause', body: ref });
  });

  it("sends the backfill's id with its new concurrency", () => {
    expect(updateBackfillRequest(trigger, 3, 'bf-2')).toEqual({
      method: 'PUT',
      path: '/main/triggers/backfill/update',
      body: { ...ref, backfillId: 'bf-2', backfill: { maxConcurrency: 3 } },
    });
  });

  it("asks for the backfill's own timeline, the ids encoded", () => {
    expect(timelineRequest(trigger, 'bf 2')).toEqual({ method: 'GET', path: '/main/triggers/dev.ui/two%20windows/hourly/backfill/timeline?backfillId=bf%202' });
    expect(timelineRequest(trigger).path).toBe('/main/triggers/dev.ui/two%20windows/hourly/backfill/timeline');
  });
});
