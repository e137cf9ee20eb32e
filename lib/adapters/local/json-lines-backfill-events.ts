import { appendFile } from 'node:fs/promises';
import { BACKFILL_EVENT_SOURCE, type BackfillEvent, detailTypeOf } from '../../domain/backfill-events';
import type { BackfillEvents, Telemetry } from '../../ports';

/**
 * The local default's event bus: each event is logged, and appended as one JSON line, shaped as
 * EventBridge delivers it to a rule's target (`source`, `detail-type`, `time`, `detail`), to
 * `backfill-events.jsonl` in the data folder (`tail -f` it, or feed it to `jq`). In memory (no data
 * folder) it is only logged.
 */
export class JsonLinesBackfillEvents implements BackfillEvents {
  constructor(
    private readonly file: string | undefined,
    private readonly telemetry: Pick<Telemetry, 'info'>,
  ) {}

  async publish(event: BackfillEvent): Promise<void> {
    const line = { source: BACKFILL_EVENT_SOURCE, 'detail-type': detailTypeOf(event.type), time: event.time, detail: event };
    if (this.file) await appendFile(this.file, `${JSON.stringify(line)}\n`);
    this.telemetry.info(detailTypeOf(event.type), {
      eventId: event.eventId,
      backfillId: event.backfill.id,
      flow: `${event.backfill.namespace}.${event.backfill.flowId}`,
    });
  }
}
