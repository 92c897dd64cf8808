import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { maspo } from '../src/harness/plugin.js';

const at = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Runs the benchmark suites with plain Vitest (`npx vitest run -c benchmarks/vitest.config.ts`), as an
 * alternative to `maspo eval`. The pre-step reads MASPO_CONFIG (default below) and MASPO_PROMPTS; the
 * reporters are installed by the `maspo()` plugin, so a CLI `--reporter` flag does not drop the gate.
 */
process.env.MASPO_CONFIG ??= at('./maspo.config.yaml');
process.env.MASPO_PROMPTS ??= at('./maspo.prompts.json');

export default defineConfig({
  root: at('..'),
  plugins: [maspo({ baseline: 'baselines/maspo.baseline.json' })],
  resolve: {
    alias: [
      { find: /^maspo\/vitest$/, replacement: at('../src/harness/index.ts') },
      { find: /^maspo\/reporters\/(.*)$/, replacement: at('../reporters/$1.ts') },
      { find: /^maspo$/, replacement: at('../src/index.ts') },
    ],
  },
  test: {
    include: ['benchmarks/**/*.eval.ts'],
    globalSetup: [at('../src/harness/setup.ts')],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    maxConcurrency: 16,
    maxWorkers: 1,
  },
});
