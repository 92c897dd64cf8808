import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^maspo\/vitest$/, replacement: src('./src/harness/index.ts') },
      { find: /^maspo\/reporters\/(.*)$/, replacement: src('./reporters/$1.ts') },
      { find: /^maspo$/, replacement: src('./src/index.ts') },
    ],
  },
  test: {
    // unit: the fast suite (`npm run test:unit`); e2e: whole-product runs in scratch projects and
    // several processes (minutes, not seconds). `npm test` runs both.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
    reporters: ['default', './test/support/summary-line-reporter.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
