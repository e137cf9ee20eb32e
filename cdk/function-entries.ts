import { fileURLToPath } from 'node:url';

/**
 * The Lambda entry points, by module name under `functions/`: the very modules the local default
 * runs. Each exports `handler`; NodejsFunction bundles it with esbuild.
 */
export const FUNCTION_MODULES = ['api', 'dispatch', 'park', 'continue', 'worker', 'tick'] as const;

export type FunctionModule = (typeof FUNCTION_MODULES)[number];

export function functionEntry(module: FunctionModule): string {
  return fileURLToPath(new URL(`../functions/${module}.ts`, import.meta.url));
}

/** The repository root: esbuild resolves imports and the lock file from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
