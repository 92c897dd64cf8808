import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SimServer, startSimServer } from '../../src/llm/sim/server.js';
import { RunInUseError, RunLock } from '../../src/optimize/run-lock.js';
import { requireDataDir } from '../support/data.js';

/** One process per run dir: a second `--resume` of a live run is refused; a dead holder is taken over. */

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/maspo.js');

const holderFile = (dir: string, pid: number) => {
  const file = join(dir, 'run.lock');
  writeFileSync(file, JSON.stringify({ pid, host: hostname(), startedAt: '2026-12-01T00:00:00.000Z' }));
  return file;
};

describe('RunLock', () => {
  it('refuses a live holder, takes over a dead one with a notice, and releases', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-lock-'));
    // A live holder: this test's parent process (not us, so not re-entrant).
    const live = holderFile(dir, process.ppid);
    expect(() => RunLock.acquire(live, 'r1')).toThrow(RunInUseError);
    expect(() => RunLock.acquire(live, 'r1')).toThrow(
      /run r1 is in use by process \d+ on .* delete .*run\.lock/,
    );
    // A dead holder: a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    holderFile(dir, dead);
    const notices: string[] = [];
    const lock = RunLock.acquire(live, 'r1', (l) => notices.push(l));
    expect(notices).toEqual([
      `run r1: process ${dead}, which held it, is no longer running (killed or crashed); taking the run over`,
    ]);
    expect(JSON.parse(readFileSync(live, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(live)).toBe(false);
    // An unreadable lock (a crash while writing it) is taken over too.
    writeFileSync(live, '{"pid":');
    RunLock.acquire(live, 'r1', (l) => notices.push(l)).release();
    expect(notices.at(-1)).toMatch(/unreadable/);
  });
});

let server: SimServer | null = null;
afterAll(async () => {
  await server?.close();
});

describe('maspo optimize on a run another process is running', () => {
  it('--resume of a live run exits 2 naming the process that holds it', async () => {
    const dataDir = requireDataDir();
    server = await startSimServer({ dataDir, latencyMs: 20 });
    const srv = server;
    const dir = mkdtempSync(join(tmpdir(), 'maspo-lock-cli-'));
    const model = `openai-compatible:sim-small@${srv.url}`;
    writeFileSync(
      join(dir, 'c.yaml'),
      [
        'name: lock',
        'benchmark: math500',
        `data: { dir: ${JSON.stringify(dataDir)} }`,
        'system: { topology: sequential, rounds: 1 }',
        `models: { agent: "${model}", optimizer: "${model}", judge: "${model}" }`,
        'llm: { cache: { mode: "off" } }',
        'optimize: { rounds: 2, poolSize: 20, minibatch: 6, concurrency: 2, validation: { limit: 20 } }',
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const args = ['optimize', '--config', join(dir, 'c.yaml'), '--runs-dir', runs, '--no-progress'];
    const env = { ...process.env, MASPO_DATA_DIR: dataDir };
    const first = spawn(process.execPath, [bin, ...args], { cwd: dir, env, stdio: 'ignore' });
    const firstExit = new Promise((r) => first.on('exit', r));
    try {
      let runId: string | undefined;
      for (const deadline = Date.now() + 60_000; !runId && Date.now() < deadline; ) {
        const ids = existsSync(runs) ? readdirSync(runs) : [];
        if (ids[0] && existsSync(join(runs, ids[0], 'state.json'))) runId = ids[0];
        else await new Promise((r) => setTimeout(r, 20));
      }
      expect(runId).toBeDefined();
      const second = spawnSync(process.execPath, [bin, ...args, '--resume', runId!], {
        cwd: dir,
        env,
        encoding: 'utf8',
      });
      const out = second.stdout + second.stderr;
      expect(out).toContain(`run ${runId} is in use by process ${first.pid} on ${hostname()}`);
      expect(out).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(second.status).toBe(2);
      // Refused while the first process was still running.
      expect(first.exitCode).toBeNull();
    } finally {
      first.kill('SIGKILL');
      await firstExit;
    }
  }, 90_000);
});
