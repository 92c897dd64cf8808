import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultArtifactPath } from '../../src/optimize/artifact-path.js';
import { runMaspo } from '../support/cli.js';

const repo = resolve(import.meta.dirname, '../..');
const example = join(repo, 'examples/own-benchmark');

describe('optimize and eval agree on where the artifact lives', () => {
  it('is maspo.prompts.json beside the config, whatever the working directory', () => {
    expect(defaultArtifactPath('/a/b/maspo.yaml')).toBe('/a/b/maspo.prompts.json');
    expect(defaultArtifactPath('conf/x.yaml')).toBe(resolve('conf/maspo.prompts.json'));
  });

  it('`maspo optimize` run from another directory writes it where `maspo eval` then finds it', async () => {
    const work = mkdtempSync(join(tmpdir(), 'maspo-artifact-path-'));
    const proj = join(work, 'proj');
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(proj);
    mkdirSync(elsewhere);
    for (const f of ['maspo.yaml', 'arith.jsonl', 'arith.eval.ts'])
      copyFileSync(join(example, f), join(proj, f));

    const opt = await runMaspo(['optimize', '--config', '../proj/maspo.yaml', '--no-progress'], elsewhere);
    expect(opt.code, opt.out).toBe(0);
    expect(existsSync(join(proj, 'maspo.prompts.json'))).toBe(true);
    expect(existsSync(join(elsewhere, 'maspo.prompts.json'))).toBe(false);
    expect(opt.out).toContain(`artifact: ${join(proj, 'maspo.prompts.json')}`);

    // --no-optimize: a missing or stale artifact would be exit 2; found and fresh, it is reused.
    const ev = await runMaspo(['eval', '--config', 'maspo.yaml', '--no-optimize'], proj);
    expect(ev.code, ev.out).toBe(0);
    expect(ev.out).toContain(`maspo: reusing ${join(proj, 'maspo.prompts.json')}`);
  }, 90_000);
});
