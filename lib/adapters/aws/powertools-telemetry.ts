import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { LogFields, MetricUnit, Telemetry } from '../../ports';

/**
 * Telemetry on Powertools: the Logger writes one JSON object per line (CloudWatch Logs Insights
 * queries its keys: `executionId`, `backfillId`…), and Metrics buffers an invocation's metrics and
 * writes them as one Embedded Metric Format document on `publish`, which CloudWatch turns into
 * metrics without an API call. Without `metrics` (the local default) metrics are dropped.
 *
 * One instance serves one invocation at a time, as a Lambda does: Metrics' buffer is the instance's.
 */
export class PowertoolsTelemetry implements Telemetry {
  constructor(
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.logger.debug(message, { ...fields });
  }

  info(message: string, fields?: LogFields): void {
    this.logger.info(message, { ...fields });
  }

  warn(message: string, fields?: LogFields): void {
    this.logger.warn(message, { ...fields });
  }

  error(message: string, fields?: LogFields): void {
    this.logger.error(message, { ...fields });
  }

  metric(name: string, unit: MetricUnit, value: number, dimensions?: Record<string, string>): void {
    if (!this.metrics) return;
    if (!dimensions) {
      this.metrics.addMetric(name, unit, value);
      return;
    }
    // Dimensions apply to a whole EMF document: a metric with its own (e.g. a final state) is a document of its own.
    const single = this.metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  }

  publish(): void {
    // Publishing nothing would make Powertools warn on every idle invocation.
    if (this.metrics?.hasStoredMetrics()) this.metrics.publishStoredMetrics();
  }
}

/**
 * The Lambda functions' telemetry, configured by the environment CDK sets: POWERTOOLS_SERVICE_NAME
 * (the `service` key and metric dimension), POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL.
 */
export function lambdaTelemetry(): Telemetry {
  return new PowertoolsTelemetry(new Logger(), new Metrics());
}
