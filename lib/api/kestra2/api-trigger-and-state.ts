import type { Trigger } from '../../domain/flow/model';
import type { ApiTriggerState } from './api-trigger-state';

/**
 * A row of Kestra 2.x's `triggers/search` (`ApiTriggerAndState`): the trigger as its flow defines it
 * (Kestra's `AbstractTrigger`; null when the flow no longer has it) and its state.
 */
export interface ApiTriggerAndState {
  trigger: Trigger | null;
  state: ApiTriggerState;
}
