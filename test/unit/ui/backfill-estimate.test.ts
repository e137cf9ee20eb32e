import { describe, expect, it } from 'vitest';
import { estimateNote, humanDuration, usdText } from '../../../lib/ui/client/backfill-estimate';

describe('humanDuration', () => {
  it.each([
    [0.4, 'under a second'],
    [16.3, '16 s'],
    [250, '4 min 10 s'],
    [3600, '1 h'],
    [7512, '2 h 5 min'],
    [273_600, '3 d 4 h'],
    [86_430, '1 d'],
  ])('%s s reads "%s"', (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });
});

describe('usdText', () => {
  it('shows cents, and the first significant digits of less than a cent', () => {
    expect(usdText(0.0023)).toBe('$0.0023');
    expect(usdText(0.00004)).toBe('$0.00004');
    expect(usdText(0)).toBe('$0');
    expect(usdText(2.153)).toBe('$2.15');
    expect(usdText(1234.5)).toBe('$1,234.50');
  });
});

const usage = { dynamoDbWriteUnits: 0, dynamoDbReadUnits: 0, sqsRequests: 0, stateTransitions: 0, lambdaRequests: 0, lambdaGbSeconds: 0 };
const byService = { dynamoDbWrites: 0, dynamoDbReads: 0, sqs: 0, stepFunctions: 0, lambdaRequests: 0, lambdaGbSeconds: 0 };

describe('estimateNote', () => {
  it('says how long from the median run, the concurrency, and the AWS cost on the local default', () => {
    const note = estimateNote({
      estimate: {
        duration: {
          estimated: 'PT4M10S',
          seconds: 250,
          p90: 'PT5M',
          p90Seconds: 300,
          basis: { executions: 20, medianSeconds: 16.3, p90Seconds: 19 },
          executions: 1500,
          concurrency: 100,
          limitedBy: 'workers',
          waves: 15,
          dispatchSeconds: 1.8,
        },
        cost: { usd: 0.42, pricing: 'AWS list prices, us-east-1', billed: false, complete: true, byService, usage },
      },
    });

    expect(note).toEqual({
      duration: 'About 4 min 10 s (up to 5 min): 100 at once (all the workers take), the latest 20 runs of this flow took 16 s (median).',
      cost: 'Costs about $0.42 on AWS (the local default bills nothing).',
    });
  });

  it('says why there is no duration, and that the cost leaves task time out', () => {
    const note = estimateNote({
      estimate: {
        duration: {
          estimated: null,
          seconds: null,
          p90: null,
          p90Seconds: null,
          basis: null,
          reason: 'No ended execution of flow dev.x yet to time it from',
          executions: 10,
          concurrency: 10,
          limitedBy: 'BACKFILL_MAX_IN_FLIGHT',
          waves: 1,
          dispatchSeconds: 0.1,
        },
        cost: { usd: 0.00004, pricing: 'AWS list prices, us-east-1', billed: true, complete: false, reason: '…', byService, usage },
      },
    });

    expect(note).toEqual({
      duration: 'Duration unknown: no ended execution of flow dev.x yet to time it from.',
      cost: "Costs at least $0.00004 on AWS; its tasks' time is not counted without an earlier run.",
    });
  });
});
