/**
 * Kestra 2.x's trigger actions beside the backfill routes of ./kestra2-triggers.ts: the bulk forms
 * (`by-triggers`, `by-query`), answered 202 `{operationId, totalItems}` and carried out in the
 * background (lib/app/operations.ts, functions/operations.ts), `PUT set-disabled` with its recovery
 * of missed ticks, and `DELETE` of a trigger's state; and our `GET operations/{operationId}`, which
 * says how a bulk action is going.
 */
import { type OperationRequest, getOperation, startOperation } from '../../app/operations';
import { resetTrigger, switchTrigger } from '../../app/trigger-switch';
import { triggerView } from '../../app/trigger-view';
import { ValidationError } from '../../domain/flow/errors';
import type { OperationKind } from '../../domain/operation';
import { selectsTrigger } from '../../domain/trigger-selection';
import type { TriggerRef } from '../../domain/trigger-state';
import { type HttpRequest, json, noContent } from '../http';
import { toApiTriggerState } from '../kestra2/api-trigger-state';
import { triggerSelectionFromQuery, withLegacy } from '../kestra2/trigger-filters';
import { jsonBody, pathParam } from '../params';
import type { ApiDeps, Route } from '../router';
import { parseBody, parseQuery, triggerRefsBody } from '../schemas';
import { kestra2SetDisabledByTriggersBody, kestra2SetDisabledQuery, kestra2TriggerActionQuery, setDisabledBody } from '../schemas/kestra2-trigger-bodies';

const accepted = async (deps: ApiDeps, request: OperationRequest, selectedBy: string) => json(202, await startOperation(deps, request, selectedBy));

/**
 * The triggers a by-query action selects, among those with a backfill or all of them: its
 * `filters[…]`, and the 1.x `namespace` and `flowId` this path took under `/api/v1/main`.
 */
async function selectedByQuery(deps: ApiDeps, request: HttpRequest, rowsWith: 'backfill' | 'any'): Promise<TriggerRef[]> {
  const selection = withLegacy(triggerSelectionFromQuery(request.query), parseQuery(kestra2TriggerActionQuery, request.query));
  const rows = rowsWith === 'backfill' ? await deps.triggers.listWithBackfill() : await deps.triggers.list();
  return rows
    .filter((row) => selectsTrigger(selection, row))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.flowId.localeCompare(b.flowId) || a.triggerId.localeCompare(b.triggerId))
    .map(({ namespace, flowId, triggerId }) => ({ namespace, flowId, triggerId }));
}

/** `cancel` is ours (Kestra has no cancel): delete that also kills the backfills' running and queued executions. */
const BACKFILL_KINDS = {
  pause: 'BACKFILL_PAUSE',
  unpause: 'BACKFILL_UNPAUSE',
  delete: 'BACKFILL_DELETE',
  cancel: 'BACKFILL_CANCEL',
} as const satisfies Record<string, OperationKind>;

const backfillBulkRoutes: Route[] = Object.entries(BACKFILL_KINDS).flatMap(([name, kind]): Route[] => [
  {
    method: 'POST',
    path: `/triggers/backfill/${name}/by-triggers`,
    handler: async (deps, request) => accepted(deps, { kind, targets: parseBody(triggerRefsBody, jsonBody(request)) }, 'body'),
  },
  {
    method: 'POST',
    path: `/triggers/backfill/${name}/by-query`,
    // Only triggers with a backfill: the others have nothing to pause, resume, delete or cancel.
    handler: async (deps, request) => accepted(deps, { kind, targets: await selectedByQuery(deps, request, 'backfill') }, 'filters'),
  },
]);

/** Paths under `/api/v1/{tenant}`, beside kestra2TriggerRoutes. */
export const kestra2TriggerActionRoutes: Route[] = [
  ...backfillBulkRoutes,
  {
    method: 'PUT',
    path: '/triggers/set-disabled',
    handler: async (deps, request) => {
      const { disabled, recoverMissedSchedules, ...ref } = parseBody(setDisabledBody, jsonBody(request));
      return json(200, toApiTriggerState(await triggerView(deps, await switchTrigger(deps, ref, disabled, recoverMissedSchedules))));
    },
  },
  {
    method: 'POST',
    path: '/triggers/set-disabled/by-triggers',
    handler: async (deps, request) => {
      const { triggers, disabled, recoverMissedSchedules } = parseBody(kestra2SetDisabledByTriggersBody, jsonBody(request));
      return accepted(deps, { kind: disabled ? 'TRIGGER_DISABLE' : 'TRIGGER_ENABLE', targets: triggers, recover: recoverMissedSchedules }, 'triggers');
    },
  },
  {
    method: 'POST',
    path: '/triggers/set-disabled/by-query',
    handler: async (deps, request) => {
      const { disabled, recoverMissedSchedules } = parseQuery(kestra2SetDisabledQuery, request.query);
      const triggers = await selectedByQuery(deps, request, 'any');
      return accepted(deps, { kind: disabled ? 'TRIGGER_DISABLE' : 'TRIGGER_ENABLE', targets: triggers, recover: recoverMissedSchedules }, 'filters');
    },
  },
  {
    method: 'DELETE',
    path: '/triggers/{namespace}/{flowId}/{triggerId}',
    handler: async (deps, _request, params) => {
      await resetTrigger(deps, {
        namespace: pathParam(params, 'namespace', 'namespace'),
        flowId: pathParam(params, 'flowId', 'flowId'),
        triggerId: pathParam(params, 'triggerId', 'triggerId'),
      });
      return noContent();
    },
  },
  {
    // Ours: Kestra answers an operation id but serves no route to follow it.
    method: 'GET',
    path: '/operations/{operationId}',
    handler: async (deps, _request, params) => {
      const operationId = params.operationId ?? '';
      if (!/^[0-9A-Za-z]{1,64}$/.test(operationId))
        throw new ValidationError('operationId', `expected an operation id as a 202 answered it, got "${operationId.slice(0, 100)}"`);
      return json(200, await getOperation(deps, operationId));
    },
  },
];
