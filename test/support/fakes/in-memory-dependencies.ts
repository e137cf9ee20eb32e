import type { Settings } from '../../../lib/config';
import { ManualClock } from '../clock';
import { aSettings } from '../factories';
import { FakeTaskRunner } from './fake-task-runner';
import { InMemoryDispatchLedger } from './in-memory-dispatch-ledger';
import { InMemoryExecutionStore } from './in-memory-execution-store';
import { InMemoryFlowStore } from './in-memory-flow-store';
import { InMemoryLogStore } from './in-memory-log-store';
import { InMemoryOperationStore } from './in-memory-operation-store';
import { InMemoryTriggerStore } from './in-memory-trigger-store';
import { RecordingBackfillEvents, RecordingWebhookSender } from './recording-backfill-events';
import { RecordingBackfillWorkflows } from './recording-backfill-workflows';
import { RecordingExecutionQueue } from './recording-execution-queue';
import { RecordingOperationQueue } from './recording-operation-queue';
import { RecordingTelemetry } from './recording-telemetry';

/** Every port of the product, in memory: wide enough for any use case's or handler's narrow deps. */
export interface InMemoryDependencies {
  settings: Settings;
  clock: ManualClock;
  flows: InMemoryFlowStore;
  triggers: InMemoryTriggerStore;
  executions: InMemoryExecutionStore;
  logs: InMemoryLogStore;
  ledger: InMemoryDispatchLedger;
  queue: RecordingExecutionQueue;
  operations: InMemoryOperationStore;
  operationQueue: RecordingOperationQueue;
  workflows: RecordingBackfillWorkflows;
  taskRunner: FakeTaskRunner;
  events: RecordingBackfillEvents;
  webhooks: RecordingWebhookSender;
  sleep: ManualClock['sleep'];
  telemetry: RecordingTelemetry;
}

/** A fresh set of fakes, the clock at 2026-03-01T12:00Z unless given. */
export function inMemoryDependencies(options: { settings?: Settings; now?: string } = {}): InMemoryDependencies {
  const clock = new ManualClock(options.now);
  return {
    settings: options.settings ?? aSettings(),
    clock,
    flows: new InMemoryFlowStore(),
    triggers: new InMemoryTriggerStore(),
    executions: new InMemoryExecutionStore(),
    logs: new InMemoryLogStore(),
    ledger: new InMemoryDispatchLedger(),
    queue: new RecordingExecutionQueue(),
    operations: new InMemoryOperationStore(),
    operationQueue: new RecordingOperationQueue(),
    workflows: new RecordingBackfillWorkflows(),
    taskRunner: new FakeTaskRunner(),
    events: new RecordingBackfillEvents(),
    webhooks: new RecordingWebhookSender(),
    sleep: clock.sleep,
    telemetry: new RecordingTelemetry(),
  };
}
