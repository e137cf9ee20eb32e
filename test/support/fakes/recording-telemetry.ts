import type { LogFields, MetricUnit, Telemetry } from '../../../lib/ports';

export interface RecordedLine {
  level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  message: string;
  fields: LogFields;
}

export interface RecordedMetric {
  name: string;
  unit: MetricUnit;
  value: number;
  dimensions?: Record<string, string>;
}

/** Telemetry in memory: the lines logged and the metrics published, for tests to assert on. */
export class RecordingTelemetry implements Telemetry {
  readonly lines: RecordedLine[] = [];
  /** Metrics of the invocations that published, in order. */
  readonly published: RecordedMetric[] = [];
  private pending: RecordedMetric[] = [];

  debug(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'DEBUG', message, fields });
  }

  info(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'INFO', message, fields });
  }

  warn(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'WARN', message, fields });
  }

  error(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'ERROR', message, fields });
  }

  metric(name: string, unit: MetricUnit, value: number, dimensions?: Record<string, string>): void {
    this.pending.push({ name, unit, value, ...(dimensions ? { dimensions } : {}) });
  }

  publish(): void {
    this.published.push(...this.pending);
    this.pending = [];
  }

  /** The published total of a metric (with those dimensions, when given). */
  total(name: string, dimensions?: Record<string, string>): number {
    return this.published
      .filter((m) => m.name === name && (!dimensions || JSON.stringify(m.dimensions) === JSON.stringify(dimensions)))
      .reduce((sum, m) => sum + m.value, 0);
  }
}
