import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { progressReporter } from '../../src/cli/commands/run-action.js';
import { main } from '../../src/cli/main.js';
import { startSimServer } from '../../src/llm/sim/server.js';
import { requireDataDir } from '../support/data.js';

let dataDir: string;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'maspo-run-'));
  dirs.push(d);
  return d;
};

async function cli(
  args: string[],
  onErr?: (chunk: string) => void,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    onErr?.(String(s));
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
    expect(r.code).toBe(0);
    // Not a terminal: plain progress lines (every ~10%; 8 items → one per item), nothing else.
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[7]).toMatch(/^math500: 8\/8 items \(100%\) · 0 errors · \d+\.\ds$/);
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
    for (const k of ['accuracy', 'errors', 'misalignmentRate', 'usage', 'simulated', 'items'])
      expect(res).toHaveProperty(k);
    expect(res.items).toHaveLength(8);
    expect(Object.keys(res.items[0]).sort()).toEqual(
      ['agents', 'correct', 'extracted', 'id', 'latencyMs', 'misaligned', 'usage'].sort(),
    );
    expect(res.usage.total.calls).toBe(16);
    expect(typeof res.misalignmentRate).toBe('number');
    const traces = readFileSync(join(out, 'traces.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(traces.map((t) => t.itemId)).toEqual(res.items.map((i: { id: string }) => i.id));
    expect(traces[0].records).toHaveLength(2);
  });

  it.each([
    ['aqua-hierarchical', 'aqua', 4],
    ['agieval-math-sequential', 'agieval-math', 2],
  ])('example %s runs with --limit 5 --cache off', async (name, benchmark, agents) => {
    const out = tmp();
    const r = await cli([
      'run',
      '-c',
      `examples/${name}.yaml`,
      '--limit',
      '5',
      '--cache',
      'off',
      '--out',
      out,
      '--data-dir',
      dataDir,
      '--no-progress',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(res).toMatchObject({ benchmark, n: 5, errors: 0, simulated: true });
    const traces = readFileSync(join(out, 'traces.jsonl'), 'utf8').trim().split('\n');
    expect(traces).toHaveLength(5);
    expect(JSON.parse(traces[0]!).records).toHaveLength(agents);
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

  it('counts a provider failure mid-run as an error (not a wrong answer) and finishes the run', async () => {
    const server = await startSimServer({ dataDir, faults: { '500': 0.3 }, seed: 3 });
    try {
      const out = tmp();
      const cfg = join(out, 'faulty.yaml');
      writeFileSync(
        cfg,
        [
          'benchmark: math500',
          'system: { topology: sequential }',
          `models: { agent: "openai-compatible:sim-small@${server.url}" }`,
          'llm:',
          '  defaults: { maxRetries: 0 }',
          '  retry: { baseDelayMs: 0, maxDelayMs: 0 }',
          '',
        ].join('\n'),
      );
      const r = await cli([
        'run',
        '-c',
        cfg,
        '--limit',
        '20',
        '--out',
        out,
        '--data-dir',
        dataDir,
        '--cache',
        'off',
        '--no-progress',
        // About a third of the calls fail: tolerated here, where the point is how errors are counted.
        '--max-error-rate',
        '1',
      ]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      expect(res.n).toBe(20);
      expect(res.errors).toBeGreaterThan(0);
      expect(res.errors).toBeLessThan(20);
      const errored = res.items.filter((i: { error?: string }) => i.error);
      expect(errored).toHaveLength(res.errors);
      for (const i of errored) {
        expect(i.correct).toBe(false);
        expect(i.misaligned).toBe(false);
      }
      expect(r.out).toMatch(new RegExp(`errors\\s+${res.errors} \\(counted apart from wrong answers`));
      const traces = readFileSync(join(out, 'traces.jsonl'), 'utf8').trim().split('\n');
      expect(traces).toHaveLength(20);
      expect(traces.filter((l) => JSON.parse(l).error)).toHaveLength(res.errors);
    } finally {
      await server.close();
    }
  });

  it('Ctrl-C stops the run cleanly: exit 130, a message (no stack), no partial results', async () => {
    const out = tmp();
    let sent = false;
    const r = await cli(
      [
        'run',
        '-c',
        'examples/math500-sequential.yaml',
        '--limit',
        '200',
        '--out',
        out,
        '--data-dir',
        dataDir,
        '--cache',
        'off',
        '--concurrency',
        '2',
      ],
      (chunk) => {
        // At the first progress line (10% done), press Ctrl-C.
        if (!sent && chunk.includes('items (')) {
          sent = true;
          process.emit('SIGINT');
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.err).toContain('maspo: interrupted (Ctrl-C)');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});

describe('progress reporting', () => {
  it('without a terminal, prints a plain line every ~10% and at the end, counting errors', async () => {
    const lines: string[] = [];
    const p = await progressReporter(95, 'aqua', false, (l) => lines.push(l));
    for (let i = 1; i <= 95; i++) p.update(i, i % 20 === 0);
    p.stop();
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^aqua: 10\/95 items \(11%\) · 0 errors · /);
    expect(lines.at(-1)).toMatch(/^aqua: 95\/95 items \(100%\) · 4 errors · /);
    const small: string[] = [];
    const q = await progressReporter(3, 'mbpp', false, (l) => small.push(l));
    for (let i = 1; i <= 3; i++) q.update(i, false);
    expect(small.map((l) => l.split(' · ')[0])).toEqual([
      'mbpp: 1/3 items (33%)',
      'mbpp: 2/3 items (67%)',
      'mbpp: 3/3 items (100%)',
    ]);
  });
});
