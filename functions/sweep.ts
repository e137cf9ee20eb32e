import { type SweepDeps, type SweepReport, sweepStuck } from '../lib/app/stuck-executions';
import { awsDependencies } from './runtime/aws-dependencies';
import { onFirstCall } from './runtime/on-first-call';

export type SweepHandler = (event?: unknown) => Promise<SweepReport>;

/**
 * The sweep (see `sweepStuck`): an EventBridge rule calls it every `SWEEP_INTERVAL_SECONDS` on AWS;
 * the local default calls the same handler on a timer. It sends again what no worker will run any
 * more, and logs what it did as one JSON line (the fields a log metric filter or an alarm reads).
 */
export function createSweepHandler(deps: SweepDeps): SweepHandler {
  return async () => {
    const report = await sweepStuck(deps, { staleAfterMs: deps.settings.sweep.staleAfterSeconds * 1000 });
    if (report.resent || report.requeued || report.repaired) console.log(JSON.stringify({ message: 'sweep', ...report }));
    return report;
  };
}

export const handler = onFirstCall(() => createSweepHandler(awsDependencies()));
