import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireDataDir } from '../support/data.js';

/** `maspo gate calibrate` as a user runs it: the shipped config, prompts and baseline, a few items. */
const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/maspo.js');
const dataDir = requireDataDir();
const config = join(repo, 'benchmarks/maspo.config.yaml');

function maspo(args: string[]): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repo, env: { ...process.env, MASPO_DATA_DIR: dataDir } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, out: `${stdout}\n${stderr}`, stdout });
      },
    );
  });
}

describe('maspo gate calibrate', () => {
  it('reruns the current prompts with other seeds and reports false alarms, discordance and power', async () => {
    const r = await maspo([
      'gate',
      'calibrate',
      '-c',
      config,
      '-k',
      '2',
      '--limit',
      '20',
      '--only',
      'math500',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/rerun 1\/2 \(seed 2\): (pass|FAIL)/);
    expect(r.stdout).toMatch(/simulated model/);
    expect(r.stdout).toMatch(
      /false alarms: \d of 2 noise-only reruns = .* \(95% CI .*\); target ≤ α = 0\.05, Holm over 2 paired tests/,
    );
    expect(r.stdout).toMatch(
      /\| math500 \| 20 \| \d+\.\d% \| \d+\.\d% \| \d+\.\d% \| \d \| (\d+\.\d pt|none ≤ 100 pt) \|/,
    );
  }, 120_000);

  it('exits 2 on unusable input: a missing baseline, an unknown benchmark', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-cal-'));
    const [a, b] = await Promise.all([
      maspo(['gate', 'calibrate', '-c', config, '-b', join(dir, 'none.json'), '-k', '1']),
      maspo(['gate', 'calibrate', '-c', config, '-k', '1', '--only', 'nope']),
    ]);
    expect(a.code).toBe(2);
    expect(a.out).toMatch(/baseline file .*none\.json does not exist/);
    expect(b.code).toBe(2);
    expect(b.out).toMatch(/--only: nope is not both in the config and in the baseline/);
  }, 120_000);
});
