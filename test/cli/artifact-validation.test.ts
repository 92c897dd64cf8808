import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PromptArtifact } from '../../src/optimize/artifact.js';
import { runMaspo } from '../support/cli.js';

/**
 * A prompt artifact is checked when it is loaded, by `maspo eval` and `maspo run --prompts` alike: its
 * prompts like a config's, its shape with one readable line (file, field, fix), and `run` refuses an
 * artifact optimized for another benchmark. All exit 2, nothing run.
 */
const repo = resolve(import.meta.dirname, '../..');
const example = join(repo, 'examples/own-benchmark');
const shipped = JSON.parse(readFileSync(join(example, 'maspo.prompts.json'), 'utf8')) as PromptArtifact;

function project(artifact: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-artifact-check-'));
  for (const f of ['maspo.yaml', 'arith.jsonl', 'arith.eval.ts'])
    copyFileSync(join(example, f), join(dir, f));
  writeFileSync(
    join(dir, 'maspo.prompts.json'),
    typeof artifact === 'string' ? artifact : JSON.stringify(artifact, null, 2),
  );
  return dir;
}

const clone = (): PromptArtifact => JSON.parse(JSON.stringify(shipped)) as PromptArtifact;
/** The lines a failed command printed, without the blank ones. */
const lines = (out: string) => out.split('\n').filter((l) => l.trim());

describe('artifact checks on load', () => {
  it('a prompt without {{question}} is an error naming the agent and the file (eval and run)', async () => {
    const a = clone();
    a.prompts.solver = 'Solve it step by step.'; // same hashes: eval would reuse it as it is
    const dir = project(a);
    const file = join(dir, 'maspo.prompts.json');
    const ev = await runMaspo(['eval', '--config', 'maspo.yaml', '--no-optimize'], dir);
    expect(ev.code, ev.out).toBe(2);
    const msg = lines(ev.out).filter((l) => l.startsWith('maspo: ') && !l.startsWith('maspo: reusing'));
    expect(msg).toEqual([
      `maspo: ${file}: field "prompts.solver": agent "solver": the prompt has no {{question}} placeholder. Fix: add {{question}} where the question goes`,
    ]);
    const run = await runMaspo(['run', '--config', 'maspo.yaml', '--prompts', file, '--limit', '2'], dir);
    expect(run.code, run.out).toBe(2);
    expect(run.out).toContain('agent "solver": the prompt has no {{question}} placeholder');
  }, 60_000);

  it('a malformed artifact gets one line naming the file, the field and the fix (no schema dump)', async () => {
    const a = clone() as unknown as { agents: Record<string, Record<string, unknown>>; validation: unknown };
    a.agents.solver!.J = 'high';
    delete a.agents.reflector!.lineage;
    const dir = project(a);
    const file = join(dir, 'maspo.prompts.json');
    const expected = `maspo: ${file}: field "agents.solver.J": expected number, received string (and 1 more problem). Fix: regenerate it with \`maspo optimize --config <your config>\` (or restore it from git)`;
    const ev = await runMaspo(['eval', '--config', 'maspo.yaml', '--no-optimize'], dir);
    expect(ev.code, ev.out).toBe(2);
    expect(lines(ev.out)).toEqual([expected]);
    const run = await runMaspo(['run', '--config', 'maspo.yaml', '--prompts', file], dir);
    expect(run.code, run.out).toBe(2);
    expect(lines(run.out)).toEqual([expected]);

    const junk = project('{"format": "maspo.prompts/v1", ');
    const j = await runMaspo(['eval', '--config', 'maspo.yaml', '--no-optimize'], junk);
    expect(j.code, j.out).toBe(2);
    expect(lines(j.out)).toHaveLength(1);
    expect(j.out).toMatch(/maspo\.prompts\.json: not valid JSON \(.*\)\. Fix: regenerate it/);
    const old = project({ ...clone(), format: 'maspo.prompts/v0' });
    const o = await runMaspo(['eval', '--config', 'maspo.yaml', '--no-optimize'], old);
    expect(o.code, o.out).toBe(2);
    expect(lines(o.out)).toHaveLength(1);
    expect(o.out).toContain('field "format" is "maspo.prompts/v0", not "maspo.prompts/v1"');
  }, 60_000);

  it('`run --prompts` refuses an artifact optimized for another benchmark, and takes its own', async () => {
    const dir = project({ ...clone(), benchmark: 'math500' });
    const file = join(dir, 'maspo.prompts.json');
    const r = await runMaspo(['run', '--config', 'maspo.yaml', '--prompts', file, '--limit', '2'], dir);
    expect(r.code, r.out).toBe(2);
    expect(lines(r.out)).toEqual([
      `maspo: ${file}: optimized for math500, not for arith; an artifact's prompts apply to its own benchmark only (as in \`maspo eval\`). Fix: optimize for arith (\`maspo optimize --config maspo.yaml\`), or give a plain {"agentId": "prompt"} map`,
    ]);
    const own = project(clone());
    const ok = await runMaspo(
      [
        'run',
        '--config',
        'maspo.yaml',
        '--prompts',
        join(own, 'maspo.prompts.json'),
        '--limit',
        '2',
        '--no-progress',
      ],
      own,
    );
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/accuracy/);
  }, 60_000);
});
