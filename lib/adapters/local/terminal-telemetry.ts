import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { PowertoolsTelemetry } from '../aws/powertools-telemetry';
import type { Telemetry } from '../../ports';

/**
 * The Powertools Logger's line for a person at a terminal: still one JSON object per line with the
 * same keys as on AWS (`executionId`, `backfillId`…), but without the Lambda context keys that mean
 * nothing here, the time first and short, and an error as one string (`Error: boom (file.ts:12)`)
 * rather than an object holding its stack. `POWERTOOLS_DEV=true` gives Powertools' own pretty,
 * multi-line form instead, stacks included.
 */
class TerminalLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const extra: LogAttributes = {};
    for (const [key, value] of Object.entries(additionalLogAttributes)) extra[key] = value instanceof Error ? this.oneLine(value) : value;
    return new LogItem({
      attributes: { time: attributes.timestamp.toISOString().slice(11, 23), level: attributes.logLevel, message: attributes.message },
    }).addAttributes(extra);
  }

  private oneLine(error: Error): string {
    const location = this.getCodeLocation(error.stack);
    return `${error.name}: ${error.message}${location ? ` (${location})` : ''}`;
  }
}

/**
 * Telemetry of the local default's handler `handler` (worker, dispatch, sweep…): logs on the
 * terminal with `fn` naming the handler, and no metrics. Metrics stay off locally because nothing
 * reads them here (CloudWatch turns EMF into metrics; a terminal would only scroll one JSON document
 * per invocation, several a second while a backfill runs), and because the local handlers run
 * side by side in one process, where one Metrics buffer would mix their invocations. The API's
 * progress counts show the same numbers; tests read metrics through a recording Telemetry.
 */
export function terminalTelemetry(handler: string): Telemetry {
  return new PowertoolsTelemetry(new Logger({ serviceName: 'kestra-backfills', logFormatter: new TerminalLogFormatter(), persistentKeys: { fn: handler } }));
}
