import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { requireDataDir } from './data.js';

const bin = join(resolve(import.meta.dirname, '../..'), 'bin/maspo.js');

/** Runs `maspo …` as a user would (a real subprocess), on the benchmark data; never throws on exit codes. */
export function runMaspo(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  const dataDir = requireDataDir();
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { ...process.env, MASPO_DATA_DIR: dataDir, GITHUB_STEP_SUMMARY: '' }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, out: `${stdout}\n${stderr}` });
      },
    );
  });
}
