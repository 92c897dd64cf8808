import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/harness/types.js';
import type { PromptArtifact } from '../../src/optimize/artifact.js';
import { runMaspo } from '../support/cli.js';

/**
 * The stale-artifact rule of `maspo eval`: a stale committed artifact is re-optimized into
 * `.maspo/prompts/<config name>.prompts.json` (said in one line) and left unchanged; only
 * `--update-prompts` rewrites it.
 */
const repo = resolve(import.meta.dirname, '../..');
const example = join(repo, 'examples/own-benchmark');

describe('maspo eval on a stale artifact', () => {
  it('never overwrites the committed file without --update-prompts, and says where the new prompts went', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-stale-'));
    for (const f of ['maspo.yaml', 'arith.jsonl', 'arith.eval.ts', 'maspo.prompts.json'])
      copyFileSync(join(example, f), join(dir, f));
    // Another seed: the committed artifact's config hash no longer matches.
    writeFileSync(join(dir, 'maspo.yaml'), `${readFileSync(join(dir, 'maspo.yaml'), 'utf8')}seed: 7\n`);
    const committedFile = join(dir, 'maspo.prompts.json');
    const committed = readFileSync(committedFile, 'utf8');
    const working = join(dir, '.maspo/prompts/own-benchmark.prompts.json');

    const first = await runMaspo(['eval', '--config', 'maspo.yaml'], dir);
    expect(first.code, first.out).toBe(0);
    expect(readFileSync(committedFile, 'utf8')).toBe(committed);
    expect(existsSync(working)).toBe(true);
    const said = first.out.split('\n').filter((l) => l.startsWith(`maspo: ${committedFile} is stale`));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('the config (system, optimize settings, seed or benchmarks) changed');
    expect(
      said[0]!.endsWith(
        ` re-optimizing into ${working} — the committed file is left unchanged (--update-prompts overwrites it)`,
      ),
    ).toBe(true);
    const run = JSON.parse(readFileSync(join(dir, '.maspo/results.json'), 'utf8')) as RunRecord;
    expect(run.prompts?.path).toBe('.maspo/prompts/own-benchmark.prompts.json');

    // The working copy is reused while fresh: no second optimization, the committed file still unchanged.
    const second = await runMaspo(['eval', '--config', 'maspo.yaml'], dir);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain(`using the prompts re-optimized earlier in ${working}`);
    expect(second.out).not.toContain('maspo optimize: step');
    expect(readFileSync(committedFile, 'utf8')).toBe(committed);

    // --update-prompts: the committed file is rewritten, and then fresh.
    const update = await runMaspo(['eval', '--config', 'maspo.yaml', '--update-prompts'], dir);
    expect(update.code, update.out).toBe(0);
    expect(update.out).toContain(`re-optimizing and overwriting it (--update-prompts)`);
    const updated = JSON.parse(readFileSync(committedFile, 'utf8')) as PromptArtifact;
    const fresh = JSON.parse(readFileSync(working, 'utf8')) as PromptArtifact;
    expect(updated.hashes).toEqual(fresh.hashes);
    expect(updated.hashes).not.toEqual((JSON.parse(committed) as PromptArtifact).hashes);
  }, 150_000);
});
