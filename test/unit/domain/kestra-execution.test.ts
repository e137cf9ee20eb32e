import { describe, expect, it } from 'vitest';
import { type Execution, newState, runsStarted, toKestraExecution, transition } from '../../../lib/domain/execution';
import { aStoredExecution } from '../../support/factories';

const CREATED = '2026-03-01T12:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(CREATED) + seconds * 1000);

/** An execution created at CREATED that went through `states`, one a second. */
function executionThrough(...states: Parameters<typeof transition>[1][]): Execution {
  const { execution } = aStoredExecution({ id: 'e1', createdAt: CREATED });
  let state = newState(new Date(CREATED));
  states.forEach((next, i) => {
    state = transition(state, next, at(i + 1));
  });
  return { ...execution, state };
}

describe('toKestraExecution (the Execution JSON every route answers)', () => {
  it("derives Kestra 2.x's required fields from the stored document: its own original, not deleted, created at its first transition", () => {
    const json = toKestraExecution(executionThrough('RUNNING', 'SUCCESS'), at(60));

    expect(json).toMatchObject({
      id: 'e1',
      originalId: 'e1',
      deleted: false,
      flowRevision: 1,
      metadata: { originalCreatedDate: CREATED, attemptNumber: 1 },
      state: { current: 'SUCCESS', startDate: CREATED, endDate: at(2).toISOString(), duration: 'PT2S' },
    });
    expect(json.state.histories.map((h) => h.state)).toEqual(['CREATED', 'RUNNING', 'SUCCESS']);
  });

  it('numbers the attempt by the runs started, as the log lines of that run are numbered: a run taken over after its worker died is the second', () => {
    const rerun = executionThrough('RUNNING', 'RUNNING', 'FAILED');

    expect(runsStarted(rerun)).toBe(2);
    expect(toKestraExecution(rerun, at(60)).metadata.attemptNumber).toBe(2);
  });

  it('says attempt 1 of an execution no worker ran yet', () => {
    expect(toKestraExecution(executionThrough(), at(5)).metadata).toEqual({ originalCreatedDate: CREATED, attemptNumber: 1 });
  });

  it("counts an unfinished execution's duration up to now, as Kestra's State does, without storing it", () => {
    const running = executionThrough('RUNNING');

    expect(toKestraExecution(running, at(90)).state).toMatchObject({ current: 'RUNNING', duration: 'PT1M30S' });
    expect(toKestraExecution(running, at(90)).state.endDate).toBeUndefined();
    expect(running.state.duration).toBeUndefined();
  });

  it('keeps every field of the stored document, so 1.x clients read what they read before', () => {
    const stored = executionThrough('RUNNING', 'SUCCESS');

    expect(toKestraExecution(stored, at(60))).toEqual(expect.objectContaining(stored));
  });
});
