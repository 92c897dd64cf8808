import { accessSync, constants, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { STICKY_MARKER } from '../../src/harness/markdown.js';

const repo = resolve(import.meta.dirname, '../..');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': string;
  steps: Step[];
  needs?: string;
  strategy?: { matrix: Record<string, unknown[]> };
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const load = (p: string) => yaml.load(readFileSync(resolve(repo, p), 'utf8')) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

/** Every `maspo …` invocation in the run scripts, as argv (continuations joined, quotes stripped). */
function maspoCalls(w: Workflow | Job): string[][] {
  const out: string[][] = [];
  for (const s of 'jobs' in w ? steps(w) : w.steps) {
    if (!s.run) continue;
    const script = s.run.replace(/\\\n/g, ' ');
    for (const m of script.matchAll(/npx maspo ([^\n;&|]*)/g)) {
      out.push(
        m[1]!
          .trim()
          .split(/\s+/)
          .map((t) => t.replace(/^["']|["']$/g, '')),
      );
    }
  }
  return out;
}

/** Checks argv against the real CLI: the subcommand path exists and every flag is one of its options. */
function checkCall(argv: string[]): string[] {
  let cmd: Command = buildProgram();
  let i = 0;
  for (; i < argv.length; i++) {
    const sub = cmd.commands.find((c) => c.name() === argv[i]);
    if (!sub) break;
    cmd = sub;
  }
  const problems: string[] = [];
  if (cmd.name() === 'maspo') problems.push(`no such command: maspo ${argv.join(' ')}`);
  for (const t of argv.slice(i)) {
    if (!t.startsWith('-')) continue;
    const flag = t.split('=')[0]!;
    if (!cmd.options.some((o) => o.long === flag || o.short === flag))
      problems.push(`maspo ${cmd.name()}: unknown option ${flag}`);
  }
  return problems;
}

describe('GitHub workflows', () => {
  const ci = load('.github/workflows/ci.yml');
  const example = load('examples/github/maspo-eval.yml');
  const sharded = load('examples/github/maspo-eval-sharded.yml');

  it('ci.yml runs .ci/run on ubuntu-24.04 with the AppArmor sysctl and a data checkout', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(ci.jobs.test!['runs-on']).toBe('ubuntu-24.04');
    const runs = steps(ci).flatMap((s) => (s.run ? [s.run] : []));
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    expect(at(/sysctl -w kernel\.apparmor_restrict_unprivileged_userns=0/)).toBeGreaterThanOrEqual(0);
    expect(at(/maspo data pull --all/)).toBeGreaterThanOrEqual(0);
    expect(at(/^\.ci\/run$/m)).toBeGreaterThan(at(/maspo data pull/));
    expect(at(/sysctl/)).toBeLessThan(at(/^\.ci\/run$/m));
    const dataCache = steps(ci).find(
      (s) => s.uses?.startsWith('actions/cache') && s.with?.path === '.data/datasets',
    );
    expect(dataCache).toBeDefined();
    accessSync(resolve(repo, '.ci/run'), constants.X_OK);
    // The response cache must not outlive a change of the simulated model (its answers are replayed).
    const responses = steps(ci).find(
      (s) => s.uses?.startsWith('actions/cache') && s.with?.path === '.maspo/cache',
    )!;
    expect(String(responses.with!.key)).toContain("'src/llm/sim/**'");
    expect(responses.with!['restore-keys']).toBeUndefined();
  });

  it('the example runs on pull requests: response cache, maspo eval, one sticky comment, dashboard artefact', () => {
    expect(Object.keys(example.on)).toEqual(['pull_request']);
    const s = steps(example);
    const idx = (p: (x: Step) => boolean) => s.findIndex(p);
    const cache = idx((x) => !!x.uses?.startsWith('actions/cache') && x.with?.path === '.maspo/cache');
    const evalStep = idx((x) => /npx maspo eval/.test(x.run ?? ''));
    const comment = idx((x) => /gh api/.test(x.run ?? ''));
    const upload = idx((x) => !!x.uses?.startsWith('actions/upload-artifact'));
    expect(cache).toBeGreaterThanOrEqual(0);
    expect(cache).toBeLessThan(evalStep);
    expect(evalStep).toBeLessThan(comment);
    // The comment is found by the summary's marker and PATCHed, so a PR keeps exactly one.
    const script = s[comment]!.run!;
    expect(script).toContain(`startswith("${STICKY_MARKER}")`);
    expect(script).toMatch(/-X PATCH "repos\/\$REPO\/issues\/comments\/\$id"/);
    expect(script).toContain('body=@out/summary.md');
    const evalArgs = maspoCalls(example).find((a) => a[0] === 'eval')!;
    expect(evalArgs[evalArgs.indexOf('--summary') + 1]).toBe('out/summary.md');
    expect(s[upload]!.with?.path).toBe(evalArgs[evalArgs.indexOf('--dashboard') + 1]);
    expect(s[upload]!.if).toBe('always()');
  });

  it('the sharded example: a matrix of shards, then one merge job that gates, comments and uploads', () => {
    const shardJob = sharded.jobs.shard!;
    const mergeJob = sharded.jobs.merge!;
    expect(mergeJob.needs).toBe('shard');
    const n = shardJob.strategy!.matrix.shard!.length;
    expect(shardJob.strategy!.matrix.shard).toEqual(Array.from({ length: n }, (_, k) => k + 1));
    const shardCall = maspoCalls(shardJob).find((a) => a[0] === 'eval')!;
    const evalScript = shardJob.steps.find((x) => /npx maspo eval/.test(x.run ?? ''))!.run!;
    expect(evalScript).toContain(`--shard \${{ matrix.shard }}/${n}`);
    const shardDir = shardCall[shardCall.indexOf('--shard-dir') + 1];
    // Each shard restores the shared response cache and saves it even when the run fails.
    const restore = shardJob.steps.findIndex((x) => x.uses?.startsWith('actions/cache/restore'));
    const evalAt = shardJob.steps.findIndex((x) => /--shard /.test(x.run ?? ''));
    const save = shardJob.steps.find((x) => x.uses?.startsWith('actions/cache/save'));
    expect(restore).toBeGreaterThanOrEqual(0);
    expect(restore).toBeLessThan(evalAt);
    expect(save?.if).toBe('always()');
    // The API key is scoped to the eval step.
    expect(JSON.stringify(shardJob.steps.filter((_, k) => k !== evalAt))).not.toContain('secrets.');
    const upload = shardJob.steps.find((x) => x.uses?.startsWith('actions/upload-artifact'))!;
    expect(upload.with?.path).toBe(shardDir);
    // The merge job gathers every shard's upload into the directory it merges.
    const download = mergeJob.steps.find((x) => x.uses?.startsWith('actions/download-artifact'))!;
    const mergeCall = maspoCalls({ ...sharded, jobs: { merge: mergeJob } } as Workflow).find(
      (a) => a[0] === 'eval',
    )!;
    expect(download.with?.path).toBe(mergeCall[mergeCall.indexOf('--merge') + 1]);
    expect(download.with?.['merge-multiple']).toBe(true);
    expect(mergeCall).toContain('--baseline');
    const comment = mergeJob.steps.find((x) => /gh api/.test(x.run ?? ''))!;
    expect(comment.run).toContain(`startswith("${STICKY_MARKER}")`);
    expect(comment.if).toContain('head.repo.full_name == github.repository');
    expect(
      mergeJob.steps.some((x) => x.uses?.startsWith('actions/upload-artifact') && x.if === 'always()'),
    ).toBe(true);
  });

  it('reference only real commands and flags of the maspo CLI', () => {
    const calls = [...maspoCalls(ci), ...maspoCalls(example), ...maspoCalls(sharded)];
    expect(calls.map((c) => c[0])).toEqual(expect.arrayContaining(['data', 'eval']));
    expect(calls.flatMap(checkCall)).toEqual([]);
    // The checker itself rejects a made-up flag.
    expect(checkCall(['eval', '--no-such-flag'])).toEqual(['maspo eval: unknown option --no-such-flag']);
  });
});
