import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BACKFILL_EVENT_SOURCE, type BackfillEvent, detailTypeOf } from '../../domain/backfill-events';
import type { BackfillEvents } from '../../ports';

/**
 * Lifecycle events on the account's default event bus: `source` `kestra.backfills`, `detail-type`
 * `Backfill Created` … `Backfill Paused By Failure Policy`, `detail` the event (its JSON schema:
 * docs/backfill-event.schema.json). Users route them with rules (email through SNS, Slack through
 * Chatbot or an API destination, a pipeline). The stack lets the publishing functions PutEvents on
 * the default bus only.
 */
export class EventBridgeBackfillEvents implements BackfillEvents {
  constructor(private readonly client: EventBridgeClient) {}

  async publish(event: BackfillEvent): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [{ Source: BACKFILL_EVENT_SOURCE, DetailType: detailTypeOf(event.type), Detail: JSON.stringify(event), Time: new Date(event.time) }],
      }),
    );
    // PutEvents answers 200 even when it refused an entry: the refusal is in the entry's result.
    const refused = out.Entries?.[0];
    if (out.FailedEntryCount || refused?.ErrorCode)
      throw new Error(`EventBridge refused the event: ${refused?.ErrorCode ?? 'unknown'} ${refused?.ErrorMessage ?? ''}`.trim());
  }
}
