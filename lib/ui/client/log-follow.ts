/// <reference lib="dom" />
import { useEffect, useRef, useState } from 'preact/hooks';
import { type LogLine, api } from './api';

/**
 * An execution's log, followed: each poll asks only for the lines after the last one shown
 * (`GET main/logs/search` by cursor) instead of the whole log again, reads on at once while more
 * lines are waiting, and stops polling once the execution is `done`, after one last read for the
 * lines written as it ended.
 *
 * Polling, not Kestra 2.x's `logs/{id}/follow` event stream, and the same locally and on AWS: there
 * API Gateway buffers a follow into windows of up to 25 s (lines arrive that late, each viewer keeps
 * an API Lambda busy meanwhile), and an EventSource cannot renew an ended session as `call` does
 * (it sees no status). One path, the one the e2e test drives, is what every deployment gets.
 */
export function useLogFollow(id: string, done: boolean, everyMs = 1500): { lines?: LogLine[]; error?: string } {
  const [lines, setLines] = useState<LogLine[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const cursor = useRef<string | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        for (;;) {
          const page = await api.logPage(id, cursor.current);
          // A read that outlived its effect is dropped; the cursor stays, so the next one reads the same lines.
          if (!alive) return;
          if (page.nextCursor) cursor.current = page.nextCursor;
          setLines((shown) => (shown && !page.results.length ? shown : [...(shown ?? []), ...page.results]));
          setError(undefined);
          if (!page.more) break;
        }
      } catch (e) {
        if (alive) setError(e instanceof Error ? e.message : String(e));
      }
      if (alive && !done) timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [id, done]);
  return { lines, error };
}
