import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { requireDataDir } from '../support/data.js';

const dataDir = requireDataDir();

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    stderr += String(c);
    return true;
  });
  process.exitCode = 0;
  try {
    await main(['node', 'maspo', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout, stderr };
}

const dirs: string[] = [];
const SYSTEM = 'system: { topology: sequential }\nmodels: { agent: sim:sim-small }\n';
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('maspo data', () => {
  it('list: every known file with records and checksum status', async () => {
    const r = await cli('data', 'list', '--data-dir', dataDir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/math500\/math_500\.jsonl\s+math500\s+primary\s+yes\s+500\/500\s+ok/);
    expect(r.stdout).toMatch(
      /gpqa-diamond\/upstream\/dataset\.zip\s+gpqa-diamond\s+alternative\s+yes\s+198\/198\s+ok/,
    );
    expect(r.stdout).toMatch(
      /agieval-math\/upstream\/math\.jsonl\s+agieval-math\s+upstream\s+yes\s+1000\/1000\s+ok/,
    );
    expect(r.stdout).toMatch(/gpqa-diamond\/gpqa_diamond\.csv\s+gpqa-diamond\s+alternative\s+no/);
    expect(r.stdout).toMatch(/19\/20 files present, 0 with a checksum mismatch/);
  });

  it('list --json, taking the dir from MASPO_DATA_DIR', async () => {
    vi.stubEnv('MASPO_DATA_DIR', dataDir);
    try {
      const r = await cli('data', 'list', '--json');
      const j = JSON.parse(r.stdout) as {
        dataDir: string;
        files: Array<{ path: string; records?: number; ok: boolean }>;
      };
      expect(j.dataDir).toBe(dataDir);
      expect(j.files.find((f) => f.path === 'mbpp/sanitized-mbpp.jsonl')).toMatchObject({
        records: 427,
        ok: true,
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('verify: exit 0 on the published files', async () => {
    const r = await cli('data', 'verify', '--data-dir', dataDir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/OK: 19 files match/);
  });

  it('verify: exit 1 listing the corrupt and the missing file with how to get them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-cli-'));
    dirs.push(dir);
    for (const rel of [
      'math500/math_500.jsonl',
      'gpqa-diamond/gpqa_diamond.jsonl',
      'mbpp/sanitized-mbpp.jsonl',
      'aqua/aqua.jsonl',
    ]) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      copyFileSync(join(dataDir, rel), join(dir, rel));
    }
    mkdirSync(join(dir, 'agieval-math'));
    writeFileSync(join(dir, 'agieval-math/test.jsonl'), '{"truncated": \n');
    const r = await cli('data', 'verify', '--data-dir', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/BAD humaneval-et\/HumanEval_ET\.jsonl: missing/);
    expect(r.stdout).toMatch(/BAD agieval-math\/test\.jsonl: corrupt/);
    expect(r.stdout).toMatch(/fix: run `maspo data pull --dest /);
    expect(r.stdout).toMatch(/FAILED: 2 bad file\(s\)/);
    expect(r.stdout).toMatch(/optional files not present/);
    const subset = await cli('data', 'verify', '--data-dir', dir, '-b', 'math500', '-b', 'aqua');
    expect(subset.code).toBe(0);
    const strict = await cli('data', 'verify', '--data-dir', dir, '-b', 'math500', '--all');
    expect(strict.code).toBe(0); // math500 has no optional files
  });

  it('splits: documented sizes', async () => {
    const r = await cli('data', 'splits', '--data-dir', dataDir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/math500\s+500\s+100\s+100\s+300/);
    expect(r.stdout).toMatch(/mbpp\s+427\s+85\s+85\s+257/);
  });

  it('usage errors exit 2 with a message: no data dir, unknown benchmark, bad base URL', async () => {
    vi.stubEnv('MASPO_DATA_DIR', '');
    try {
      delete process.env.MASPO_DATA_DIR;
      const r = await cli('data', 'list');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/MASPO_DATA_DIR/);
      expect(r.stderr).toMatch(/maspo data pull/);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    } finally {
      vi.unstubAllEnvs();
    }
    const b = await cli('data', 'verify', '--data-dir', dataDir, '-b', 'gsm8k');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--benchmark gsm8k: unknown benchmark/);
    const u = await cli('data', 'pull', '--dest', '/tmp/x', '--base-url', 'ftp://nope');
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--base-url ftp:\/\/nope/);
  });

  it('verify --config: a config of your own data needs no data dir; each file is checked row by row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-verify-config-'));
    dirs.push(dir);
    const rows = Array.from({ length: 10 }, (_, i) => ({
      id: `q${i}`,
      question: `What is ${i} + 1?`,
      answer: `${i + 1}`,
    }));
    writeFileSync(join(dir, 'arith.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    writeFileSync(
      join(dir, 'maspo.yaml'),
      `benchmark: { id: arith, file: arith.jsonl, task: math }\n${SYSTEM}`,
    );
    vi.stubEnv('MASPO_DATA_DIR', '');
    try {
      delete process.env.MASPO_DATA_DIR;
      const ok = await cli('data', 'verify', '--config', join(dir, 'maspo.yaml'), '--json');
      expect(ok.code, ok.stderr).toBe(0);
      const j = JSON.parse(ok.stdout) as { ok: boolean; custom: Array<Record<string, unknown>> };
      expect(j.ok).toBe(true);
      expect(j.custom).toEqual([
        expect.objectContaining({
          id: 'arith',
          items: 10,
          format: 'jsonl',
          task: 'math',
          splits: { train: 2, dev: 2, test: 6 },
        }),
      ]);
      expect(j.custom[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);

      writeFileSync(
        join(dir, 'arith.jsonl'),
        `${rows.map((r) => JSON.stringify(r)).join('\n')}\n{"id": "q1", "question": "again"}\n`,
      );
      const bad = await cli('data', 'verify', '--config', join(dir, 'maspo.yaml'));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/arith\.jsonl:11: no answer/);
      expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/);
      expect(bad.stdout).toBe('');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('verify --config with built-in benchmarks checks only those files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maspo-verify-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'maspo.yaml'), `benchmark: aqua\n${SYSTEM}`);
    const r = await cli(
      'data',
      'verify',
      '--config',
      join(dir, 'maspo.yaml'),
      '--data-dir',
      dataDir,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { good: string[] };
    expect(j.good.length).toBeGreaterThan(0);
    expect(j.good.every((f) => f.startsWith('aqua/'))).toBe(true);
  });
});
