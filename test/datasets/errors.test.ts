import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyData } from '../../src/datasets/checksums.js';
import {
  clearBenchmarkCache,
  DataError,
  loadBenchmarkSync,
  resolveDataDir,
} from '../../src/datasets/index.js';
import { UsageError } from '../../src/errors.js';
import { requireDataDir } from '../support/data.js';

const dataDir = requireDataDir();
const dirs: string[] = [];
function scratch(files: Record<string, string | Buffer | true> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'maspo-data-'));
  dirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    if (content === true) copyFileSync(join(dataDir, rel), join(dir, rel));
    else writeFileSync(join(dir, rel), content);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  clearBenchmarkCache();
});

function catchErr(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    expect(err).toBeInstanceOf(UsageError); // CLI exits 2 with the message, no stack
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('data errors', () => {
  it('no data dir: names MASPO_DATA_DIR and `maspo data pull`', () => {
    const old = process.env.MASPO_DATA_DIR;
    delete process.env.MASPO_DATA_DIR;
    try {
      const e = catchErr(() => resolveDataDir());
      expect(e.message).toMatch(/MASPO_DATA_DIR/);
      expect(e.message).toMatch(/maspo data pull/);
    } finally {
      if (old !== undefined) process.env.MASPO_DATA_DIR = old;
    }
    expect(catchErr(() => resolveDataDir('/nonexistent/maspo-data')).message).toMatch(/does not exist/);
  });

  it('missing file: names the file and how to get it', () => {
    const dir = scratch();
    const e = catchErr(() => loadBenchmarkSync('math500', { dataDir: dir }));
    expect(e.message).toContain(join(dir, 'math500/math_500.jsonl'));
    expect(e.message).toMatch(/maspo data pull/);
    expect(e.message).toMatch(/MASPO_DATA_DIR/);
    expect(e.file).toBe(join(dir, 'math500/math_500.jsonl'));
    const g = catchErr(() => loadBenchmarkSync('gpqa-diamond', { dataDir: dir }));
    expect(g.message).toMatch(/gpqa_diamond\.jsonl/);
    expect(g.message).toMatch(/dataset\.zip/);
  });

  it('corrupt file (one byte changed): sha256 mismatch names file, both hashes and the fix', () => {
    const buf = Buffer.from(readFileSync(join(dataDir, 'aqua/aqua.jsonl')));
    buf[100] = buf[100]! ^ 1;
    const dir = scratch({ 'aqua/aqua.jsonl': buf });
    const e = catchErr(() => loadBenchmarkSync('aqua', { dataDir: dir }));
    expect(e.message).toContain(join(dir, 'aqua/aqua.jsonl'));
    expect(e.message).toContain('c4b7e6a6dc29ad8fb241826cc17de8a18cccd285bf060a62dc9f347bf39533b5');
    expect(e.message).toMatch(/corrupt/);
    expect(e.message).toMatch(/maspo data pull/);
    expect(e.message).toMatch(/MASPO_DATA_VERIFY=0/);
  });

  it('with verification off, a malformed line or field is named by file:line and field', () => {
    const good = readFileSync(join(dataDir, 'math500/math_500.jsonl'), 'utf8').split('\n');
    const dir = scratch({
      'math500/math_500.jsonl': [good[0], '{"problem": "x"', ...good.slice(1)].join('\n'),
    });
    const e = catchErr(() => loadBenchmarkSync('math500', { dataDir: dir, verify: false }));
    expect(e.message).toContain(`${join(dir, 'math500/math_500.jsonl')}:2`);
    expect(e.message).toMatch(/not valid JSON/);

    const row = JSON.parse(good[0]!) as Record<string, unknown>;
    row.level = 'hard';
    clearBenchmarkCache();
    writeFileSync(join(dir, 'math500/math_500.jsonl'), `${JSON.stringify(row)}\n`);
    const f = catchErr(() => loadBenchmarkSync('math500', { dataDir: dir, verify: false }));
    expect(f.message).toContain(":1: field 'level'");

    // MASPO_DATA_VERIFY=0 also turns verification off; a well-formed edited copy then loads
    const old = process.env.MASPO_DATA_VERIFY;
    process.env.MASPO_DATA_VERIFY = '0';
    try {
      row.level = 3;
      writeFileSync(join(dir, 'math500/math_500.jsonl'), `${JSON.stringify(row)}\n`);
      clearBenchmarkCache();
      expect(loadBenchmarkSync('math500', { dataDir: dir })).toHaveLength(1);
    } finally {
      if (old === undefined) delete process.env.MASPO_DATA_VERIFY;
      else process.env.MASPO_DATA_VERIFY = old;
    }
  });

  it('a malformed GPQA line is reported without quoting its text', () => {
    const lines = readFileSync(join(dataDir, 'gpqa-diamond/gpqa_diamond.jsonl'), 'utf8').split('\n');
    // V8 quotes the start of the input for an unexpected leading token
    const broken = `x${lines[3]!}`;
    const dir = scratch({ 'gpqa-diamond/gpqa_diamond.jsonl': [lines[0], broken].join('\n') });
    const e = catchErr(() => loadBenchmarkSync('gpqa-diamond', { dataDir: dir, verify: false }));
    expect(e.message).toContain("gpqa_diamond.jsonl:2: not valid JSON (Unexpected token 'x');");
    const words = broken
      .slice(14, 80)
      .split(/\W+/)
      .filter((w) => w.length >= 6);
    for (const w of words) expect(e.message.includes(w), 'question text leaked into the error').toBe(false);
  });

  it('a zip that is not the GPQA release is rejected without exposing content', () => {
    const dir = scratch({ 'gpqa-diamond/upstream/dataset.zip': Buffer.from('PK not really a zip') });
    const e = catchErr(() => loadBenchmarkSync('gpqa-diamond', { dataDir: dir }));
    expect(e.message).toMatch(/dataset\.zip/);
    const e2 = catchErr(() => loadBenchmarkSync('gpqa-diamond', { dataDir: dir, verify: false }));
    expect(e2.message).toMatch(/cannot open dataset\/gpqa_diamond\.csv/);
  });
});

describe('verifyData', () => {
  it('good shared dir: ok, the extracted GPQA CSV is not expected', () => {
    const r = verifyData(dataDir);
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.good.length).toBe(19);
  });

  it('lists missing required and corrupt files with fixes; missing optional files are not fatal unless --all', () => {
    const buf = Buffer.from(readFileSync(join(dataDir, 'mbpp/sanitized-mbpp.jsonl')));
    buf[10] = 0x20;
    const dir = scratch({
      'math500/math_500.jsonl': true,
      'gpqa-diamond/gpqa_diamond.jsonl': true,
      'mbpp/sanitized-mbpp.jsonl': buf,
      'aqua/aqua.jsonl': true,
      'agieval-math/test.jsonl': true,
    });
    const r = verifyData(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.path, p.reason])).toEqual([
      ['mbpp/sanitized-mbpp.jsonl', 'corrupt'],
      ['humaneval-et/HumanEval_ET.jsonl', 'missing'],
    ]);
    expect(r.problems[1]!.fix).toMatch(/maspo data pull --dest/);
    expect(r.missingOptional).toContain('mbpp/upstream/mbpp.jsonl');
    expect(r.missingOptional).toContain('gpqa-diamond/upstream/dataset.zip');

    const only = verifyData(dir, { benchmarks: ['math500', 'aqua'] });
    expect(only.ok).toBe(true);
    const strict = verifyData(dir, { benchmarks: ['math500', 'aqua'], all: true });
    expect(strict.ok).toBe(false);
    expect(strict.problems.map((p) => p.path)).toEqual([
      'aqua/test.jsonl',
      'aqua/val.jsonl',
      'aqua/upstream/test.json',
    ]);
  });

  it('GPQA: the official zip alone satisfies verify, with a note', () => {
    const dir = scratch({ 'gpqa-diamond/upstream/dataset.zip': true });
    const r = verifyData(dir, { benchmarks: ['gpqa-diamond'] });
    expect(r.ok).toBe(true);
    expect(r.notes.join(' ')).toMatch(/read from gpqa-diamond\/upstream\/dataset\.zip/);
  });
});
