import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireDataDir } from '../support/data.js';

/** Ctrl-C (SIGINT) during `maspo eval` and `maspo demo`: one message, exit 130, nothing gated or written. */
const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/maspo.js');
const example = join(repo, 'examples/own-benchmark');

/** Spawns `maspo …`, sends SIGINT once `ready(output)` holds, and resolves with the exit code and output. */
function interrupt(
  args: string[],
  cwd: string,
  ready: (out: string) => boolean,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  // In its own process group, signalled as a group: what a terminal's Ctrl-C does (Vitest's workers get it too).
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    detached: true,
    env: { ...process.env, MASPO_DATA_DIR: requireDataDir(), GITHUB_STEP_SUMMARY: '' },
  });
  let out = '';
  let sent = false;
  const poll = setInterval(() => {
    if (!sent && ready(out)) {
      sent = true;
      process.kill(-child.pid!, 'SIGINT');
    }
  }, 50);
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((done) => {
    child.on('close', (code, signal) => {
      clearInterval(poll);
      expect(sent, `the command ended before it was interrupted:\n${out}`).toBe(true);
      done({ code, signal, out });
    });
  });
}

function project(withArtifact: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-interrupt-'));
  const files = [
    'maspo.yaml',
    'arith.jsonl',
    'arith.eval.ts',
    ...(withArtifact ? ['maspo.prompts.json'] : []),
  ];
  for (const f of files) copyFileSync(join(example, f), join(dir, f));
  return dir;
}

const EVAL_MESSAGE =
  'maspo: interrupted (Ctrl-C); nothing was gated and no results or reports were written. Run `maspo eval` again';
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('Ctrl-C', () => {
  it('during the suites of `maspo eval`: the message once, exit 130, no results', async () => {
    const dir = project(true);
    const marker = join(dir, 'slow-started');
    // A suite that is still running when the signal comes.
    writeFileSync(
      join(dir, 'slow.eval.ts'),
      `import { writeFileSync } from 'node:fs';
import { test } from 'vitest';
test('slow', async () => {
  writeFileSync(${JSON.stringify(marker)}, '');
  await new Promise((r) => setTimeout(r, 20_000));
}, 60_000);
`,
    );
    const r = await interrupt(['eval', '--config', 'maspo.yaml'], dir, () => existsSync(marker));
    expect(r.code, r.out).toBe(130);
    expect(count(r.out, EVAL_MESSAGE), r.out).toBe(1);
    expect(r.out).not.toMatch(/maspo gate:|\n\s+at /);
    expect(existsSync(join(dir, '.maspo/results.json'))).toBe(false);
  }, 90_000);

  it("during `maspo eval`'s optimization pre-step: the message once, exit 130, no artifact", async () => {
    const dir = project(false);
    const r = await interrupt(['eval', '--config', 'maspo.yaml'], dir, (out) =>
      out.includes('maspo optimize: step 1/'),
    );
    expect(r.code, r.out).toBe(130);
    expect(count(r.out, EVAL_MESSAGE), r.out).toBe(1);
    expect(r.out).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'maspo.prompts.json'))).toBe(false);
    expect(existsSync(join(dir, '.maspo/results.json'))).toBe(false);
  }, 90_000);

  it('during `maspo demo`: the message once, exit 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-interrupt-demo-'));
    const r = await interrupt(['demo', '--limit', '5'], dir, (out) => out.includes('[1/3] optimize'));
    expect(r.code, r.out).toBe(130);
    const message =
      'maspo: interrupted (Ctrl-C); nothing was gated, and the outputs in .maspo/demo are incomplete. Run `maspo demo` again';
    expect(count(r.out, message), r.out).toBe(1);
    expect(r.out).not.toMatch(/\n\s+at /);
  }, 90_000);
});
