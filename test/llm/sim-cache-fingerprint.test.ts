import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/client.js';
import { DEFAULT_WORLD_PATH } from '../../src/llm/sim/index.js';

const request = {
  model: 'sim:sim-small',
  role: 'agent' as const,
  messages: [{ role: 'user' as const, content: 'Solve: what is 6 times 7?' }],
};

describe('response cache and the simulated model', () => {
  it('replays the same sim, but never answers a changed world from an older cache entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-simfp-'));
    const cache = { mode: 'read-write' as const, dir: join(dir, 'cache') };
    const first = createLlmClient({ cache });
    const a = await first.complete(request);
    expect(a.cached).toBe(false);
    const again = await createLlmClient({ cache }).complete(request);
    expect(again.cached).toBe(true);
    expect(again.text).toBe(a.text);

    // Same model name, a recalibrated world: the old answer must not be replayed.
    const world = join(dir, 'world.yaml');
    const yaml = readFileSync(DEFAULT_WORLD_PATH, 'utf8');
    expect(yaml).toMatch(/accuracy: 0\.85/);
    writeFileSync(world, yaml.replace(/accuracy: 0\.85/, 'accuracy: 0.8'));
    const changed = await createLlmClient({ cache, sim: { worldPath: world } }).complete(request);
    expect(changed.cached).toBe(false);
  });
});
