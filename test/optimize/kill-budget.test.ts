import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SimServer, startSimServer } from '../../src/llm/sim/server.js';
import { readLedger } from '../../src/optimize/ledger.js';
import { requireDataDir } from '../support/data.js';

/**
 * A budget holds across kill -9: the real CLI against a loopback OpenAI-compatible server (the simulated
 * model over HTTP), killed twice mid-step and resumed; the server counts what it really received.
 */

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/maspo.js');
const BUDGET = 400;

let server: SimServer | null = null;
afterAll(async () => {
  await server?.close();
});

const sum = (c: { agent: number; optimizer: number; judge: number }) => c.agent + c.optimizer + c.judge;

describe('budget across kill -9', () => {
  it('the server never receives more requests than llm.budget allows, however often the run is killed', async () => {
    const dataDir = requireDataDir();
    server = await startSimServer({ dataDir, latencyMs: 15 });
    const srv = server;
    const dir = mkdtempSync(join(tmpdir(), 'maspo-kill-budget-'));
    const model = `openai-compatible:sim-small@${srv.url}`;
    writeFileSync(
      join(dir, 'c.yaml'),
      [
        'name: kill-budget',
        'seed: 3',
        'benchmark: math500',
        `data: { dir: ${JSON.stringify(dataDir)} }`,
        'system: { topology: sequential, rounds: 1 }',
        `models: { agent: "${model}", optimizer: "${model}", judge: "${model}" }`,
        `llm: { cache: { mode: read-write, dir: ${JSON.stringify(join(dir, 'cache'))} }, budget: { total: { calls: ${BUDGET} } } }`,
        'optimize: { rounds: 2, poolSize: 20, minibatch: 6, concurrency: 4, validation: { limit: 20 } }',
        '',
      ].join('\n'),
    );
    const runs = join(dir, 'runs');
    const args = [
      'optimize',
      '--config',
      join(dir, 'c.yaml'),
      '--runs-dir',
      runs,
      '--out',
      join(dir, 'p.json'),
    ];
    const runDir = () => {
      const ids = existsSync(runs) ? readdirSync(runs) : [];
      return ids[0] ? join(runs, ids[0]) : null;
    };
    /** Calls the last checkpoint (state.json) says were paid: what a resume would count without a ledger. */
    const checkpointed = (): number | null => {
      const d = runDir();
      const p = d ? join(d, 'state.json') : '';
      if (!p || !existsSync(p)) return null;
      try {
        return sum((JSON.parse(readFileSync(p, 'utf8')) as { paid: Parameters<typeof sum>[0] }).paid);
      } catch {
        return null;
      }
    };
    const start = (extra: string[]) => {
      const child = spawn(process.execPath, [bin, ...args, '--no-progress', ...extra], {
        cwd: dir,
        env: { ...process.env, MASPO_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, exited, output: () => out };
    };
    /** Kills the process with SIGKILL mid-step: once it has checkpointed, the server has received
     *  `atLeast` requests in all, and at least 8 since the last checkpoint was written. */
    const killMidStep = async (extra: string[], atLeast: number) => {
      const p = start(extra);
      let killed = false;
      let seen: number | null = null;
      let receivedAtCheckpoint = 0;
      let exited = false;
      void p.exited.then(() => {
        exited = true;
      });
      for (const deadline = Date.now() + 90_000; Date.now() < deadline && !killed && !exited; ) {
        const paid = checkpointed(); // null before the first checkpoint (nothing to resume yet)
        if (paid !== seen) {
          seen = paid;
          receivedAtCheckpoint = srv.stats.requests;
        }
        if (
          paid !== null &&
          srv.stats.requests >= atLeast &&
          srv.stats.requests - receivedAtCheckpoint >= 8
        ) {
          p.child.kill('SIGKILL');
          killed = true;
        } else await new Promise((r) => setTimeout(r, 2));
      }
      const code = await p.exited;
      expect(
        killed,
        `exited (${code}) before it could be killed (server ${srv.stats.requests}, checkpoint ${checkpointed()}, at checkpoint ${receivedAtCheckpoint}):\n${p.output()}`,
      ).toBe(true);
    };

    await killMidStep([], 30);
    const afterFirst = srv.stats.requests;
    await killMidStep(['--resume'], afterFirst + 30);
    const afterSecond = srv.stats.requests;
    const last = start(['--resume']);
    const code = await last.exited;
    const received = srv.stats.requests;
    // The server never received more than the budget, across three processes and two kill -9s.
    expect(received).toBeLessThanOrEqual(BUDGET);
    const ledger = readLedger(join(runDir()!, 'spend.jsonl'));
    const state = JSON.parse(readFileSync(join(runDir()!, 'state.json'), 'utf8')) as {
      paid: Parameters<typeof sum>[0];
      status: string;
    };
    console.log(
      `kill -9 budget: budget ${BUDGET}, server received ${afterFirst} / ${afterSecond} / ${received} requests after each process; ledger ${sum(ledger.calls)}, state.json paid ${sum(state.paid)}`,
    );
    expect(code, last.output()).toBe(0);
    // The final process ran into the budget (so the budget is what bounded the run).
    expect(last.output()).toMatch(/total budget exhausted: calls \d+ of 400/);
    expect(state.status).toBe('stopped');
    // Paid equals what was sent: the ledger never counts less than the server received; it may count a
    // request reserved in the instant before a kill that never reached the socket (at most a few).
    expect(sum(ledger.calls)).toBeGreaterThanOrEqual(received);
    expect(sum(ledger.calls) - received).toBeLessThanOrEqual(16);
    expect(sum(state.paid)).toBe(sum(ledger.calls));
  }, 240_000);
});
