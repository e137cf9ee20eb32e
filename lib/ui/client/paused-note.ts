/**
 * What a paused backfill still does, in words, from its `progress`: a pause holds back every
 * execution not started yet (dispatch stops, workers hold the queued ones), but the ones already
 * running finish. On a small backfill everything may be running already, and then a pause seems to
 * do nothing; saying so, with the counts, is the point. Pure, so it is unit-tested.
 */
import type { Backfill } from './api';

type Progress = Pick<Backfill['progress'], 'total' | 'dispatched' | 'queued' | 'running'>;

const executions = (n: number) => `${n} execution${n === 1 ? '' : 's'}`;

export function pausedNote(p: Progress): string {
  const sentences: string[] = [];
  if (p.running > 0) sentences.push(`${executions(p.running)} already running will finish (a pause stops none that has started).`);
  const notDispatched = Math.max(0, p.total - p.dispatched);
  const waiting = [p.queued > 0 ? `${p.queued} queued` : '', notDispatched > 0 ? `${notDispatched} not dispatched yet` : ''].filter(Boolean);
  if (waiting.length) sentences.push(`${waiting.join(' and ')} wait${p.queued + notDispatched === 1 ? 's' : ''} for Resume.`);
  else if (p.running > 0) sentences.push('Nothing else is left to hold back.');
  else sentences.push('nothing is running or waiting.');
  return `Paused: ${sentences.join(' ')}`;
}
