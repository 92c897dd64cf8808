import { spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
  permissions?: Record<string, string>;
  jobs: Record<string, Job & { env?: Record<string, string> }>;
}
interface ActionStep extends Step {
  id?: string;
  shell?: string;
  env?: Record<string, string>;
}
interface Action {
  name: string;
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const load = (p: string) => yaml.load(readFileSync(resolve(repo, p), 'utf8')) as Workflow;
/** A GitHub Actions expression as written in YAML. */
const expr = (e: string) => `\${{ ${e} }}`;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

/** $GITHUB_OUTPUT's format: `name=value` lines and `name<<DELIM` … `DELIM` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const heredoc = /^([\w-]+)<<(\w+)$/.exec(l);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (l.includes('=')) out[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
  }
  return out;
}

/** Runs one of the action's scripts in bash, as the runner would: GITHUB_OUTPUT file, env from the step. */
function runScript(
  name: string,
  env: Record<string, string>,
  o: { path?: string; cwd?: string } = {},
): { code: number; out: string; outputs: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-action-'));
  const output = join(dir, 'output');
  writeFileSync(output, '');
  const r = spawnSync('bash', [resolve(repo, 'action', name)], {
    cwd: o.cwd ?? dir,
    encoding: 'utf8',
    env: {
      PATH: o.path ? `${o.path}:${process.env.PATH}` : process.env.PATH!,
      HOME: dir,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: join(dir, 'step-summary.md'),
      ...env,
    },
  });
  const outputs = parseOutputs(readFileSync(output, 'utf8'));
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}`, outputs };
}

/** A stand-in for an external command (npx, gh) that logs its argv and chosen env vars, one JSON line per call. */
function fakeCommand(bin: string, name: string, log: string, body: string): void {
  mkdirSync(bin, { recursive: true });
  const file = join(bin, name);
  writeFileSync(
    file,
    `#!/usr/bin/env bash\nnode -e 'console.log(JSON.stringify({argv: process.argv.slice(1), key: process.env.OPENAI_API_KEY ?? null, raw: process.env.MASPO_API_KEY ?? null}))' -- "$@" >> ${JSON.stringify(log)}\n${body}\n`,
  );
  chmodSync(file, 0o755);
}

interface Call {
  argv: string[];
  key: string | null;
  raw: string | null;
}
const calls = (log: string): Call[] =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Call)
    : [];

/** Runs action/eval.sh with a fake npx that exits with `code`; returns the eval call's argv (after npx). */
function evalArgv(env: Record<string, string>, code = 0) {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-eval-sh-'));
  const log = join(dir, 'npx.log');
  fakeCommand(
    join(dir, 'bin'),
    'npx',
    log,
    // `maspo eval` writes the summary; any other call (--version) just succeeds.
    `if [ "$3" = eval ]; then mkdir -p "$OUT_DIR" && echo summary > "$OUT_DIR/summary.md"; exit ${code}; fi`,
  );
  const r = runScript(
    'eval.sh',
    { OUT_DIR: join(dir, 'out'), CONFIG: 'maspo.config.yaml', ...env },
    { path: join(dir, 'bin') },
  );
  const evalCall = calls(log).find((c) => c.argv[2] === 'eval');
  return { ...r, argv: evalCall?.argv ?? [], call: evalCall, out: r.out, dir };
}

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
  const action = yaml.load(readFileSync(resolve(repo, 'action.yml'), 'utf8')) as Action;
  const aSteps = action.runs.steps;
  const at = (p: (x: ActionStep) => boolean) => aSteps.findIndex(p);
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
    const calls = [
      ...maspoCalls(ci),
      ...maspoCalls(example),
      ...maspoCalls(sharded),
      evalArgv({}).argv.slice(2),
    ];
    expect(calls.map((c) => c[0])).toEqual(expect.arrayContaining(['data', 'eval']));
    expect(calls.flatMap(checkCall)).toEqual([]);
    // The checker itself rejects a made-up flag.
    expect(checkCall(['eval', '--no-such-flag'])).toEqual(['maspo eval: unknown option --no-such-flag']);
  });

  it('the package supports Node 20 (its CI runs 20) while the example workflow runs on Node 22', () => {
    const pkg = JSON.parse(readFileSync(resolve(repo, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toMatch(/^>=20\./);
    const nodeOf = (w: Workflow) =>
      steps(w).find((x) => x.uses?.startsWith('actions/setup-node'))!.with!['node-version'];
    expect(nodeOf(ci)).toBe(20);
    expect(nodeOf(example)).toBe(22);
  });

  it('action.yml is a composite action with config, prompts and baseline inputs', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs)).toEqual(
      expect.arrayContaining(['config', 'prompts', 'baseline', 'api-key']),
    );
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
    expect(Object.keys(action.outputs)).toEqual(
      expect.arrayContaining(['exit-code', 'verdict', 'summary', 'dashboard']),
    );
    // Every script a step runs exists, is valid bash, and the step says which shell.
    for (const st of aSteps.filter((x) => x.run)) {
      expect(st.shell).toBe('bash');
      const script = /action\/([\w-]+\.sh)/.exec(st.run!)![1]!;
      expect(spawnSync('bash', ['-n', resolve(repo, 'action', script)]).status, script).toBe(0);
    }
  });

  it('action.yml: restore the cache, eval, comment, upload, save the cache even on failure, then the verdict', () => {
    const restore = at((x) => x.uses === 'actions/cache/restore@v4');
    const evalStep = at((x) => x.id === 'eval');
    const comment = at((x) => /comment\.sh/.test(x.run ?? ''));
    const upload = at((x) => !!x.uses?.startsWith('actions/upload-artifact'));
    const save = at((x) => x.uses === 'actions/cache/save@v4');
    const verdict = at((x) => x.id === 'verdict');
    expect([restore, evalStep, comment, upload, save, verdict].every((i) => i >= 0)).toBe(true);
    expect(restore).toBeLessThan(evalStep);
    expect(evalStep).toBeLessThan(comment);
    expect(comment).toBeLessThan(upload);
    expect(upload).toBeLessThan(save);
    expect(save).toBeLessThan(verdict); // the verdict fails the job last, after everything was kept
    // A failed gate still saves the responses it paid for, under the key the restore step computed.
    expect(aSteps[save]!.if).toMatch(/^always\(\)/);
    expect(aSteps[save]!.with!.key).toBe(expr('steps.restore.outputs.cache-primary-key'));
    expect(aSteps[save]!.with!.path).toBe(aSteps[restore]!.with!.path);
    expect(aSteps[verdict]!.if).toBe('always()');
    expect(aSteps[upload]!.if).toMatch(/^always\(\)/);
    expect(String(aSteps[upload]!.with!.path)).toContain('/dashboard');
    // The comment is skipped on forks (read-only token) and only posted on pull requests.
    expect(aSteps[comment]!.if).toContain("steps.context.outputs.fork != 'true'");
    expect(aSteps[comment]!.if).toContain("github.event_name == 'pull_request'");
    expect(aSteps[comment]!.env!.GH_TOKEN).toBe(expr('inputs.github-token'));
  });

  it('action.yml scopes the API key to the eval step alone', () => {
    const withKey = aSteps.filter((x) => JSON.stringify(x).includes('inputs.api-key }}'));
    expect(withKey.map((x) => x.id)).toEqual(['eval']);
    expect(aSteps[at((x) => x.id === 'eval')]!.env!.MASPO_API_KEY).toBe(expr('inputs.api-key'));
  });

  it('eval.sh runs `maspo eval --no-optimize` with the inputs, the key only in its own environment', () => {
    const r = evalArgv({
      PROMPTS: 'maspo.prompts.json',
      BASELINE: 'baselines/maspo.baseline.json',
      ARGS: '--limit 5 math500',
      MASPO_API_KEY: 'sk-test-123',
      MASPO_API_KEY_ENV: 'OPENAI_API_KEY',
    });
    const out = join(r.dir, 'out');
    expect(r.argv).toEqual([
      '--no-install',
      'maspo',
      'eval',
      '--config',
      'maspo.config.yaml',
      '--no-optimize',
      '--summary',
      `${out}/summary.md`,
      '--dashboard',
      `${out}/dashboard`,
      '--results',
      `${out}/results.json`,
      '--prompts',
      'maspo.prompts.json',
      '--baseline',
      'baselines/maspo.baseline.json',
      '--limit',
      '5',
      'math500',
    ]);
    expect(r.call!.key).toBe('sk-test-123'); // under the name the config reads
    expect(r.call!.raw).toBeNull(); // and not under the action's own name
    expect(r.out).not.toContain('sk-test-123');
    expect(r.outputs).toEqual({ 'exit-code': '0', 'summary-written': 'true' });
    expect(checkCall(r.argv.slice(2))).toEqual([]);
    // The exit code is passed on, not acted upon: the comment, upload and cache save still run.
    const failed = evalArgv({}, 1);
    expect(failed.code).toBe(0);
    expect(failed.outputs['exit-code']).toBe('1');
    expect(failed.argv).not.toContain('--baseline');
    const bad = evalArgv({ MASPO_API_KEY: 'k', MASPO_API_KEY_ENV: 'NOT A NAME' });
    expect(bad.outputs['exit-code']).toBe('2');
    expect(bad.out).toContain('::error title=maspo eval::unusable input');
    expect(bad.argv).toEqual([]);
  });

  it('verdict.sh: exit 1 is an error annotation, exit 2 "unusable input", a skipped fork "not configured"', () => {
    const pass = runScript('verdict.sh', { EXIT_CODE: '0' });
    expect([pass.code, pass.outputs.verdict]).toEqual([0, 'passed']);
    const regressed = runScript('verdict.sh', { EXIT_CODE: '1', SUMMARY: 'out/summary.md' });
    expect([regressed.code, regressed.outputs.verdict]).toEqual([1, 'regressed']);
    expect(regressed.out).toMatch(/^::error title=maspo gate::a benchmark regressed against the baseline/m);
    const unusable = runScript('verdict.sh', { EXIT_CODE: '2' });
    expect([unusable.code, unusable.outputs.verdict]).toEqual([2, 'unusable-input']);
    expect(unusable.out).toMatch(/^::error title=maspo eval::unusable input \(exit 2\)/m);
    const internal = runScript('verdict.sh', { EXIT_CODE: '70' });
    expect([internal.code, internal.outputs.verdict]).toEqual([70, 'internal-error']);
    expect(internal.out).not.toMatch(/regressed against|unusable input/);
    const notRun = runScript('verdict.sh', { EXIT_CODE: '' });
    expect([notRun.code, notRun.outputs.verdict]).toEqual([2, 'unusable-input']);
    const fork = runScript('verdict.sh', { SKIP: 'true', EXIT_CODE: '' });
    expect([fork.code, fork.outputs.verdict]).toEqual([0, 'not-configured']);
    expect(fork.out).toMatch(/^::notice title=maspo eval::not configured for pull requests from forks/m);
    expect(fork.out).not.toMatch(/::error|regressed against/);
  });

  it('context.sh skips forks unless run-on-forks is set, and keys the response cache per run', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'maspo-ctx-'));
    writeFileSync(join(cwd, 'maspo.config.yaml'), 'name: x\n');
    const ctx = runScript(
      'context.sh',
      {
        IS_FORK: 'false',
        CONFIG: 'maspo.config.yaml',
        RUNNER_OS: 'Linux',
        GITHUB_RUN_ID: '99',
        GITHUB_RUN_ATTEMPT: '2',
      },
      { cwd },
    ).outputs;
    expect(ctx).toEqual({
      'out-dir': '.maspo/action',
      fork: 'false',
      'cache-key': expect.stringMatching(/^maspo-responses-v1-Linux-[0-9a-f]{16}-99-2$/),
      'cache-restore-keys': expect.stringMatching(
        /^maspo-responses-v1-Linux-[0-9a-f]{16}-\nmaspo-responses-v1-Linux-$/,
      ),
    });
    // The restore step looks up exactly these; the save step stores under the key restore computed.
    const restore = aSteps.find((x) => x.uses === 'actions/cache/restore@v4')!;
    expect(restore.with).toMatchObject({
      key: expr('steps.context.outputs.cache-key'),
      'restore-keys': expr('steps.context.outputs.cache-restore-keys'),
    });
    expect(runScript('context.sh', { IS_FORK: 'true', OUT_DIR: 'o/' }).outputs).toMatchObject({
      'out-dir': 'o',
      fork: 'true',
      skip: 'true',
    });
    expect(runScript('context.sh', { IS_FORK: 'true', RUN_ON_FORKS: 'true' }).outputs.skip).toBeUndefined();
  });

  it('comment.sh updates the one comment that starts with the marker, or posts one', () => {
    for (const existing of ['4242', '']) {
      const dir = mkdtempSync(join(tmpdir(), 'maspo-gh-'));
      const log = join(dir, 'gh.log');
      fakeCommand(
        join(dir, 'bin'),
        'gh',
        log,
        `[ "$2" = "repos/o/r/issues/7/comments" ] && echo "${existing}"; exit 0`,
      );
      const r = runScript(
        'comment.sh',
        { GH_TOKEN: 't', PR: '7', REPO: 'o/r', SUMMARY: 'out/summary.md' },
        { path: join(dir, 'bin') },
      );
      expect(r.code).toBe(0);
      const [list, write] = calls(log).map((c) => c.argv);
      expect(list).toContain(`[.[] | select(.body | startswith("${STICKY_MARKER}"))][0].id // empty`);
      expect(write).toEqual(
        existing
          ? ['api', '-X', 'PATCH', 'repos/o/r/issues/comments/4242', '-F', 'body=@out/summary.md']
          : ['api', '-X', 'POST', 'repos/o/r/issues/7/comments', '-F', 'body=@out/summary.md'],
      );
    }
  });

  it('the example workflow uses the action on pull requests, with the key passed to it alone', () => {
    expect(Object.keys(example.on)).toEqual(['pull_request']);
    expect(example.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const s = steps(example);
    const use = s.find((x) => /\/maspo@v0$/.test(x.uses ?? ''))!;
    expect(use).toBeDefined();
    expect(Object.keys(use.with!)).toEqual(
      expect.arrayContaining(['config', 'prompts', 'baseline', 'api-key']),
    );
    for (const k of Object.keys(use.with!)) expect(Object.keys(action.inputs)).toContain(k);
    expect(use.with!['api-key']).toBe(expr('secrets.OPENAI_API_KEY'));
    // No secret anywhere else: not in the job env, not in `npm ci`.
    const text = readFileSync(resolve(repo, 'examples/github/maspo-eval.yml'), 'utf8');
    expect(text.match(/secrets\./g)).toHaveLength(1);
    expect(JSON.stringify(example.jobs.eval!.env ?? {})).not.toContain('secrets');
    const npmCi = s.findIndex((x) => /npm ci/.test(x.run ?? ''));
    expect(npmCi).toBeGreaterThanOrEqual(0);
    expect(npmCi).toBeLessThan(s.indexOf(use));
    // The example does not run maspo eval itself (the action does, with --no-optimize).
    expect(maspoCalls(example).some((c) => c[0] === 'eval')).toBe(false);
  });
});
