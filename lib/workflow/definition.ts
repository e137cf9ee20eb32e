import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The one ASL file: CDK deploys it with definitionSubstitutions, the local default runs it as is. */
export const BACKFILL_ASL_PATH = fileURLToPath(new URL('./backfill.asl.json', import.meta.url));

/** Placeholder in the ASL → the `functions/` module that serves it (same handler on Lambda and locally). */
export const BACKFILL_TASK_FUNCTIONS = {
  DispatchFunctionArn: 'dispatch',
  ParkFunctionArn: 'park',
  ContinueFunctionArn: 'continue',
  FailFunctionArn: 'fail',
} as const;

export type BackfillTaskPlaceholder = keyof typeof BACKFILL_TASK_FUNCTIONS;

export function readBackfillDefinition(): string {
  return readFileSync(BACKFILL_ASL_PATH, 'utf8');
}
