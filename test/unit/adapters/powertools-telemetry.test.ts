import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaTelemetry } from '../../../lib/adapters/aws/powertools-telemetry';

/**
 * Powertools' own testing approach: POWERTOOLS_DEV makes Logger and Metrics write through the global
 * console, which a test can spy on (metrics stay on with POWERTOOLS_METRICS_DISABLED=false).
 */
describe('lambdaTelemetry (Powertools Logger and Metrics)', () => {
  let log: { mock: { calls: unknown[][] } };

  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'kestra-backfills-test');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'KestraBackfills');
    log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  const documents = () => log.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);

  it("publishes an invocation's metrics as one EMF document in the configured namespace, with the service dimension", () => {
    const telemetry = lambdaTelemetry();

    telemetry.metric('StalledBackfills', 'Count', 1);
    telemetry.metric('OldestOpenPageAge', 'Seconds', 4000);
    telemetry.publish();

    expect(documents()).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'KestraBackfills',
              Dimensions: [['service']],
              Metrics: [
                { Name: 'StalledBackfills', Unit: 'Count' },
                { Name: 'OldestOpenPageAge', Unit: 'Seconds' },
              ],
            },
          ],
        },
        service: 'kestra-backfills-test',
        StalledBackfills: 1,
        OldestOpenPageAge: 4000,
      },
    ]);
  });

  it('writes a metric with dimensions of its own (a final state) as a document of its own, and nothing when there is nothing', () => {
    const telemetry = lambdaTelemetry();

    telemetry.metric('ExecutionsEnded', 'Count', 3, { state: 'FAILED' });
    telemetry.publish();

    expect(documents()).toEqual([expect.objectContaining({ service: 'kestra-backfills-test', state: 'FAILED', ExecutionsEnded: 3 })]);
    expect(console.warn).not.toHaveBeenCalled();
  });

  it('logs structured lines with the ids as keys', () => {
    lambdaTelemetry().info('dead letter', { executionId: 'e1', backfillId: 'bf1', outcome: 'FAILED' });

    const [line] = vi.mocked(console.info).mock.calls[0] as [string];
    expect(JSON.parse(line)).toMatchObject({ level: 'INFO', message: 'dead letter', service: 'kestra-backfills-test', executionId: 'e1', backfillId: 'bf1' });
  });
});
