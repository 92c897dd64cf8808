import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { requireDataDir } from '../support/data.js';

let dataDir: string;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'maspo-run-'));
  dirs.push(d);
  return d;
};

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  process.exitCode = 0;
  try {
    await main(['node', 'maspo', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out, err };
}

beforeAll(() => {
  dataDir = requireDataDir();
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('maspo run', () => {
  it('runs the example config and writes results.json and traces.jsonl', async () => {
    const out = tmp();
    const r = await cli([
      'run',
      '--config',
      'examples/math500-sequential.yaml',
      '--limit',
      '8',
      '--out',
      out,
      '--data-dir',
      dataDir,
      '--cache',
      'off',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/accuracy\s+\d+\.\d% \(\d+\/8\)/);
    expect(r.out).toMatch(/errors\s+0/);
    expect(r.out).toMatch(/misalignment\s+\d+\.\d%/);
    expect(r.out).toMatch(/calls\s+16 · tokens \d+ in \/ \d+ out · cost \$0\.0000/);
    expect(r.out).toContain('simulated model');
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(res).toMatchObject({
      system: 'math500-sequential/math500',
      benchmark: 'math500',
      split: 'test',
      n: 8,
      errors: 0,
      simulated: true,
      model: 'sim:sim-small',
    });
    expect(res.items).toHaveLength(8);
    expect(res.usage.total.calls).toBe(16);
    expect(typeof res.misalignmentRate).toBe('number');
    const traces = readFileSync(join(out, 'traces.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(traces.map((t) => t.itemId)).toEqual(res.items.map((i: { id: string }) => i.id));
    expect(traces[0].records).toHaveLength(2);
  });

  it('applies --prompts overrides (a plain map or an artifact) and rejects bad ones', async () => {
    const out = tmp();
    const file = join(out, 'prompts.json');
    writeFileSync(file, JSON.stringify({ prompts: { solver: 'SOLVE {{question}}' } }));
    const r = await cli([
      'run',
      '-c',
      'examples/math500-cot.yaml',
      '--limit',
      '2',
      '--out',
      out,
      '--data-dir',
      dataDir,
      '--cache',
      'off',
      '--prompts',
      file,
    ]);
    expect(r.code).toBe(0);
    const t = JSON.parse(readFileSync(join(out, 'traces.jsonl'), 'utf8').split('\n')[0]!);
    expect(t.records[0].messages[0].content.startsWith('SOLVE ')).toBe(true);

    writeFileSync(file, JSON.stringify({ solver: 'no placeholder' }));
    const bad = await cli([
      'run',
      '-c',
      'examples/math500-cot.yaml',
      '--out',
      out,
      '--data-dir',
      dataDir,
      '--prompts',
      file,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('prompts.solver: agent "solver": the prompt has no {{question}} placeholder');
  });

  it('rejects bad flags with exit code 2 and a message naming the fix', async () => {
    const a = await cli([
      'run',
      '-c',
      'examples/math500-sequential.yaml',
      '--benchmark',
      'aqua',
      '--data-dir',
      dataDir,
    ]);
    expect(a.code).toBe(2);
    expect(a.err).toContain('--benchmark aqua: examples/math500-sequential.yaml declares math500');
    const b = await cli(['run', '-c', 'examples/math500-sequential.yaml', '--limit', '0']);
    expect(b.code).toBe(2);
    expect(b.err).toContain('--limit must be a positive integer');
    const c = await cli(['run', '-c', 'test/config/fixtures/cycle.yaml']);
    expect(c.code).toBe(2);
    expect(c.err).toContain('the agents form a cycle: b → c → b');
  });
});
