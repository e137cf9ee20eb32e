import { type Execution, type KestraExecution, toKestraExecution } from '../../domain/execution';
import { TENANT } from './tenant';

/** Kestra 2.x's `ApiExecution`, the answer of `GET executions/{executionId}`: the Execution, with the tenant it belongs to. */
export type ApiExecution = KestraExecution & { tenantId: string };

export function toApiExecution(execution: Execution, now: Date): ApiExecution {
  return { tenantId: TENANT, ...toKestraExecution(execution, now) };
}
