import { execFile, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireDataDir } from '../support/data.js';

/**
 * Run dir integrity and the resume hint, through the real CLI: a corrupt state.json is named (exit 2, no
 * stack trace) and never skipped for an older run; a torn last line of events.jsonl is repaired with a
 * notice; the printed resume command works as printed (run through a shell), and says where it resumed.
 */

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/maspo.js');
let dir: string;
let shimPath: string;
let baseRunId: string;
const BASE_RUNS = 'base runs';

const config = (optimizerCalls: number) =>
  [
    'name: tiny',
    'seed: 3',
    'benchmark: math500',
    `data: { dir: ${JSON.stringify(requireDataDir())} }`,
    'system: { topology: sequential, rounds: 1 }',
    'models: { agent: sim:sim-small }',
    `llm: { cache: { mode: read-write, dir: cache }, sim: { dataDir: ${JSON.stringify(requireDataDir())} }, budget: { optimizer: { calls: ${optimizerCalls} } } }`,
    'optimize: { rounds: 1, poolSize: 8, minibatch: 4, concurrency: 4, validation: { limit: 10 } }',
    '',
  ].join('\n');

/** `maspo …` in the test dir; never throws on exit codes. */
function maspo(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [bin, ...args, '--no-progress'],
      { cwd: dir, env: { ...process.env, MASPO_DATA_DIR: requireDataDir() } },
      (e, stdout, stderr) =>
        done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out: stdout, err: stderr }),
    ),
  );
}

/** Runs a command line exactly as printed, through /bin/sh, with `maspo` on the PATH. */
function shell(line: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) =>
    execFile(
      '/bin/sh',
      ['-c', `${line} --no-progress`],
      {
        cwd: dir,
        env: { ...process.env, PATH: `${shimPath}:${process.env.PATH}`, MASPO_DATA_DIR: requireDataDir() },
      },
      (e, stdout, stderr) =>
        done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out: stdout, err: stderr }),
    ),
  );
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

/** A copy of the base run (budget-stopped after one step) in a fresh runs dir. */
function copyBase(runs: string, id = baseRunId): string {
  const to = join(dir, runs, id);
  cpSync(join(dir, BASE_RUNS, baseRunId), to, { recursive: true });
  return to;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'maspo-run-dir-cli-'));
  shimPath = join(dir, 'bin');
  mkdirSync(shimPath);
  writeFileSync(join(shimPath, 'maspo'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(join(shimPath, 'maspo'), 0o755);
  writeFileSync(join(dir, 'tiny.yaml'), config(3));
  const r = await maspo(['optimize', '--config', 'tiny.yaml', '--runs-dir', BASE_RUNS]);
  expect(r.code, r.err).toBe(0);
  baseRunId = readdirSync(join(dir, BASE_RUNS))[0]!;
}, 60_000);

describe('the resume hint works as printed', () => {
  it('after a budget stop: names config, runs dir (quoted) and run id; the resumed run says where it resumed', async () => {
    writeFileSync(join(dir, 'budget.yaml'), config(3));
    const first = await maspo(['optimize', '--config', 'budget.yaml', '--runs-dir', 'budget runs']);
    expect(first.code, first.err).toBe(0);
    const id = readdirSync(join(dir, 'budget runs'))[0]!;
    const hint = first.out.split('\n').find((l) => l.trim().startsWith('maspo optimize'))!;
    expect(hint.trim()).toBe(`maspo optimize --config budget.yaml --resume ${id} --runs-dir 'budget runs'`);
    const before = JSON.parse(readFileSync(join(dir, 'budget runs', id, 'state.json'), 'utf8'));
    const { paid } = before;
    const cursor = before.search.cursor as number;
    const started = readFileSync(join(dir, 'budget runs', id, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((e) => e.type === 'step-start' && e.step === cursor);

    writeFileSync(join(dir, 'budget.yaml'), config(1000)); // raise the budget, as the hint says
    const resumed = await shell(hint.trim());
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toContain(
      `maspo: resuming run ${id} at step ${cursor} (agent ${started.agent}, round ${started.round}, generation ${started.generation}); ${paid.agent + paid.optimizer + paid.judge} calls already paid (agent ${paid.agent}, optimizer ${paid.optimizer}, judge ${paid.judge})`,
    );
    const state = JSON.parse(readFileSync(join(dir, 'budget runs', id, 'state.json'), 'utf8'));
    expect(state.status).toBe('done');
  }, 60_000);

  it('after Ctrl-C: exit 130 and a command that resumes the run', async () => {
    writeFileSync(join(dir, 'ctrlc.yaml'), config(1000));
    const runs = join(dir, 'ctrl c runs');
    const child = spawn(
      process.execPath,
      [bin, 'optimize', '--config', 'ctrlc.yaml', '--runs-dir', 'ctrl c runs', '--no-progress'],
      {
        cwd: dir,
        env: { ...process.env, MASPO_DATA_DIR: requireDataDir() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const checkpointed = () => {
      const ids = existsSync(runs) ? readdirSync(runs) : [];
      const p = ids.length > 0 ? join(runs, ids[0]!, 'state.json') : '';
      try {
        return p !== '' && JSON.parse(readFileSync(p, 'utf8')).search !== null; // a step is checkpointed
      } catch {
        return false;
      }
    };
    for (const end = Date.now() + 60_000; Date.now() < end && !checkpointed(); )
      await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    noStack(err);
    const hint = err.split('\n').find((l) => l.trim().startsWith('maspo optimize'))!;
    expect(hint.trim()).toBe(`maspo optimize --config ctrlc.yaml --resume --runs-dir 'ctrl c runs'`);
    const resumed = await shell(hint.trim());
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(/resuming run \S+ at step \d+/);
    expect(resumed.err).not.toContain('nothing to resume');
  }, 60_000);
});

describe('run dir integrity', () => {
  it('a run killed (kill -9) before its first checkpoint can be resumed, from the start, its spend counted', async () => {
    writeFileSync(join(dir, 'early.yaml'), config(1000));
    const runs = join(dir, 'early runs');
    const child = spawn(
      process.execPath,
      [bin, 'optimize', '--config', 'early.yaml', '--runs-dir', 'early runs', '--no-progress'],
      { cwd: dir, env: { ...process.env, MASPO_DATA_DIR: requireDataDir() }, stdio: 'ignore' },
    );
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const state = () => {
      const ids = existsSync(runs) ? readdirSync(runs) : [];
      const p = ids.length > 0 ? join(runs, ids[0]!, 'state.json') : '';
      return p !== '' && existsSync(p) ? p : null;
    };
    for (const end = Date.now() + 60_000; Date.now() < end && !state(); )
      await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    expect(JSON.parse(readFileSync(state()!, 'utf8')).search).toBeNull(); // killed before any step finished
    const r = await maspo(['optimize', '--config', 'early.yaml', '--runs-dir', 'early runs', '--resume']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /resuming run \S+ from the start \(no step was checkpointed\); \d+ calls already paid/,
    );
    expect(JSON.parse(readFileSync(state()!, 'utf8')).status).toBe('done');
  }, 60_000);

  for (const [what, text] of [
    ['truncated', '{"format":"maspo.run/v1","runId":'],
    ['empty', ''],
    ['misshapen', '{"format":"maspo.run/v1","status":"walking"}'],
  ] as const) {
    it(`--resume <id> on a ${what} state.json: exit 2, the file named with what to do, no stack trace`, async () => {
      const runs = `corrupt ${what}`;
      const run = copyBase(runs);
      writeFileSync(join(run, 'state.json'), text);
      const r = await maspo(['optimize', '--config', 'tiny.yaml', '--runs-dir', runs, '--resume', baseRunId]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(join(run, 'state.json'));
      expect(r.err).toMatch(/is corrupt \(.+\)\..*start a new run without --resume/);
      noStack(r.err);
    }, 30_000);
  }

  it('--resume without an id never skips a corrupt newer run to continue an older one', async () => {
    const runs = 'newer corrupt';
    copyBase(runs);
    const newer = copyBase(runs, `${baseRunId}-later`);
    writeFileSync(join(newer, 'state.json'), '{"format":"maspo.run/v1","run');
    const r = await maspo(['optimize', '--config', 'tiny.yaml', '--runs-dir', runs, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(join(newer, 'state.json'));
    expect(r.err).toMatch(/--resume will not skip it/);
    expect(r.err).not.toContain('resuming run');
    noStack(r.err);
  }, 30_000);

  it('a torn last line of events.jsonl is repaired on resume, with a notice', async () => {
    const runs = 'torn events';
    const run = copyBase(runs);
    const events = join(run, 'events.jsonl');
    appendFileSync(events, '{"ts":"2026-12-01T00:00:00.000Z","type":"judgem');
    const r = await maspo(['optimize', '--config', 'tiny.yaml', '--runs-dir', runs, '--resume']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`${events}: the last line was cut short by the crash`);
    for (const line of readFileSync(events, 'utf8').trimEnd().split('\n'))
      expect(() => JSON.parse(line)).not.toThrow();
  }, 30_000);
});
