/**
 * The requests that act on one backfill of a trigger (or, without `backfillId`, on every active
 * one): which route, which method, which body. Pure, so a unit test checks that a control of one
 * backfill names that backfill and no other.
 */
import type { TriggerRef } from './api';

export type BackfillAction = 'pause' | 'unpause' | 'delete' | 'cancel';

export interface ApiRequest {
  method: 'GET' | 'PUT' | 'POST';
  /** Under `/api/v1`. */
  path: string;
  body?: unknown;
}

const enc = encodeURIComponent;
/** Kestra 2.x's routes, under the tenant (`main`, the only one). */
export const V2 = '/main';

/** Only the fields naming a trigger (a Trigger JSON carries many more), as request bodies send them. */
export const refOf = ({ namespace, flowId, triggerId }: TriggerRef): TriggerRef => ({ namespace, flowId, triggerId });

/** The trigger, and the one backfill meant when there is one (several may run on disjoint windows). */
const target = (t: TriggerRef, backfillId: string | undefined) => ({ ...refOf(t), ...(backfillId ? { backfillId } : {}) });

/** Kestra uses PUT for pause and unpause, POST for delete; our cancel (it kills the executions in flight) is a POST as delete is. */
export function backfillActionRequest(t: TriggerRef, action: BackfillAction, backfillId?: string): ApiRequest {
  return { method: action === 'delete' || action === 'cancel' ? 'POST' : 'PUT', path: `${V2}/triggers/backfill/${action}`, body: target(t, backfillId) };
}

/** A running backfill's new bound on executions in flight (ours). */
export function updateBackfillRequest(t: TriggerRef, maxConcurrency: number, backfillId?: string): ApiRequest {
  return { method: 'PUT', path: `${V2}/triggers/backfill/update`, body: { ...target(t, backfillId), backfill: { maxConcurrency } } };
}

/** A backfill's timeline (ours); without `backfillId`, the server answers the earliest one's. */
export function timelineRequest(t: TriggerRef, backfillId?: string): ApiRequest {
  const query = backfillId ? `?backfillId=${enc(backfillId)}` : '';
  return { method: 'GET', path: `${V2}/triggers/${enc(t.namespace)}/${enc(t.flowId)}/${enc(t.triggerId)}/backfill/timeline${query}` };
}
