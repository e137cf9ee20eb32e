import { fileURLToPath } from 'node:url';

/**
 * The Lambda entry points, by module name under `functions/`: the very modules the local default
 * runs. Each exports `handler`; NodejsFunction bundles it with esbuild.
 */
export const FUNCTION_MODULES = ['api', 'dispatch', 'park', 'continue', 'fail', 'worker', 'task-runner', 'tick', 'sweep', 'dead-letter', 'operations'] as const;

export type FunctionModule = (typeof FUNCTION_MODULES)[number];

/** The web UI's sign-in (authorizer and callback), deployed only with web sign-in. */
export const WEB_SIGN_IN_MODULE = 'web-sign-in';

export type EntryModule = FunctionModule | typeof WEB_SIGN_IN_MODULE;

export function functionEntry(module: EntryModule): string {
  return fileURLToPath(new URL(`../functions/${module}.ts`, import.meta.url));
}

/** The repository root: esbuild resolves imports and the lock file from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
