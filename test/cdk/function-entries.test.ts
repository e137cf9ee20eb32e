import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type EntryModule, FUNCTION_MODULES, WEB_SIGN_IN_MODULE, functionEntry } from '../../cdk/function-entries';
import { BACKFILL_TASK_FUNCTIONS } from '../../lib/workflow/definition';

describe('Lambda entry points (functions/)', () => {
  it.each<EntryModule>([...FUNCTION_MODULES, WEB_SIGN_IN_MODULE])('functions/%s.ts exists and exports a handler function', async (module) => {
    const entry = functionEntry(module);
    expect(existsSync(entry), entry).toBe(true);
    const { handler } = (await import(pathToFileURL(entry).href)) as { handler?: unknown };
    expect(typeof handler).toBe('function');
  });

  it('covers every module the state machine calls', () => {
    expect(FUNCTION_MODULES).toEqual(expect.arrayContaining(Object.values(BACKFILL_TASK_FUNCTIONS)));
  });
});
