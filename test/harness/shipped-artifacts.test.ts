import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { artifactStaleness } from '../../src/harness/prestep.js';
import { readArtifact } from '../../src/optimize/artifact.js';
import { requireDataDir } from '../support/data.js';

const repo = resolve(import.meta.dirname, '../..');

/**
 * Optimized prompts committed to this repository must match the config, data, models and simulator they
 * claim (a SIM_VERSION bump or a world change makes them stale, and `maspo eval --no-optimize` then exits 2
 * for the user who copies the example). Re-make them as their README says.
 */
describe('shipped prompt artifacts are fresh', () => {
  const cases = [
    ['benchmarks', 'maspo.config.yaml'],
    ['examples/own-benchmark', 'maspo.yaml'],
  ] as const;
  for (const [dir, config] of cases) {
    it(`${dir}/maspo.prompts.json`, async () => {
      const c = await loadConfig(join(repo, dir, config));
      c.data.dir ??= requireDataDir();
      const artifact = readArtifact(join(repo, dir, 'maspo.prompts.json'));
      const s = await artifactStaleness(c, artifact);
      expect(s.reasons, `stale: re-make with \`maspo optimize --config ${dir}/${config}\``).toEqual([]);
      expect(s.stale).toBe(false);
    });
  }
});
