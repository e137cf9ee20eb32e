// The type of `assets.ts`, which `npm run build:ui` generates (and git ignores); committed so the
// code type-checks before the first build.
export declare const ASSETS: Record<string, { contentType: string; body: string }>;
