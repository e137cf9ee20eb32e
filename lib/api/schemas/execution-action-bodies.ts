import { z } from 'zod';
import { MAX_LENGTH } from '../../domain/id-limits';
import { executionSearchFilterFields } from './execution-search-query';
import { boundedName } from './names';

/** Kestra 2.x's `…/executions/{kill,restart,replay}/by-ids`: a JSON array of execution ids. */
export const executionIdsBody = z.array(boundedName(z.string().min(1, { error: 'expected an execution id, got ""' }), 'execution id', MAX_LENGTH.executionId), {
  error: 'expected a JSON array of execution ids',
});

/** Kestra 2.x's `…/executions/{kill,restart,replay}/by-query`: the executions search's parameters (and its `filters[…]`), without paging. */
export const kestra2ExecutionActionQuery = z.object(executionSearchFilterFields);
