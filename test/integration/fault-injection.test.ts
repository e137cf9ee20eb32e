import { describe, expect, it } from 'vitest';
import { runInProcess } from '../faults/in-process';

/**
 * The fault-injection suite in small (`npm run test:faults` runs 500 ticks under each fault): the
 * local runtime on DYNAMODB_ENDPOINT, through the fault proxy, with DynamoDB throttling and answers
 * lost after their write was applied. Every tick must still get exactly one execution, every
 * execution end and none FAILED, and the backfill end.
 */
describe('a backfill while DynamoDB throttles and loses answers', () => {
  it.each([
    { flow: 'log' as const, ticks: 50, seed: 7 },
    { flow: 'shell' as const, ticks: 30, seed: 8 },
  ])(
    '$flow flow, $ticks ticks: every tick once, every execution terminal, none FAILED, the backfill ended',
    async ({ flow, ticks, seed }) => {
      const outcome = await runInProcess({
        name: `lost answers + throttling, ${flow}`,
        ticks,
        flow,
        seed,
        dynamo: { lostAnswer: 0.1, throttle: 0.1 },
        stallMs: 30_000,
      });
      expect(outcome.problems).toEqual([]);
      expect(outcome).toMatchObject({ executions: ticks, duplicates: 0, missing: 0, nonTerminal: 0, failed: 0, backfillEnded: true, searchTotal: ticks });
      expect(outcome.injected).toMatch(/answers lost/);
    },
    90_000,
  );
});
