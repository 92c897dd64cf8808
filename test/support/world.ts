import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { DEFAULT_WORLD_PATH } from '../../src/llm/sim/world.js';

let cached: string | undefined;

/**
 * The shipped world with every phenomenon at strength 0 (docs/simulated-model.md: the world is then exactly
 * the one without them), for tests of a mechanism that the phenomena would only blur. Written once per
 * process to a temporary file, for `llm.sim.worldPath`.
 */
export function phenomenaOffWorld(): string {
  if (cached) return cached;
  const world = yaml.load(readFileSync(DEFAULT_WORLD_PATH, 'utf8')) as {
    phenomena: Record<string, { strength: number }>;
  };
  for (const p of Object.values(world.phenomena)) p.strength = 0;
  cached = join(mkdtempSync(join(tmpdir(), 'maspo-world-')), 'world-phenomena-off.yaml');
  writeFileSync(cached, yaml.dump(world));
  return cached;
}
