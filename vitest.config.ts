import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn shells and run dynalite; two cores are what CI has.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // `vitest run` (npm test) runs every project; `npm run test:unit` only the unit one, with coverage.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // In memory only: pure domain, use cases over the fakes, handlers with fixture events.
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/unit/setup/unit-layer-guard.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // The local product over HTTP, dynalite, real processes; the store contracts on dynalite.
          include: ['test/integration/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'system',
          // Everything else: CDK synth and nag checks, the UI in chromium, the deployed smoke test.
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', 'test/integration/**', '**/node_modules/**'],
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['lib/**/*.ts', 'functions/**/*.ts'],
      reporter: ['json-summary', 'text-summary'],
      reportsDirectory: 'coverage',
      // The use cases and the domain must be covered by the unit layer alone.
      thresholds: {
        'lib/app/**': { lines: 85 },
        'lib/domain/**': { lines: 85 },
      },
    },
  },
});
