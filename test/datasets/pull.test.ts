import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyData } from '../../src/datasets/checksums.js';
import { DATA_FILES, loadBenchmarkSync, SOURCES, upstreamUrl } from '../../src/datasets/index.js';
import { pullData, pullSelection } from '../../src/datasets/pull.js';
import { requireDataDir } from '../support/data.js';
import { startLoopback } from '../support/loopback.js';

const dataDir = requireDataDir();
const run = promisify(execFile);

/** Maps `/<owner>/<repo>/<commit>/<upstream path>` (the raw.githubusercontent.com layout) to the shared files. */
const byUrlPath = new Map(
  DATA_FILES.filter((f) => f.source).map((f) => [new URL(upstreamUrl(f, 'http://x')!).pathname, f.path]),
);
const mode: { corrupt: Set<string>; missing: Set<string>; lfs: Set<string> } = {
  corrupt: new Set(),
  missing: new Set(),
  lfs: new Set(),
};

let server: Awaited<ReturnType<typeof startLoopback>>;
beforeAll(async () => {
  server = await startLoopback((req, res) => {
    const rel = byUrlPath.get(new URL(req.url, 'http://x').pathname);
    if (!rel || mode.missing.has(rel)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404: Not Found');
      return;
    }
    let body = readFileSync(join(dataDir, rel));
    if (mode.corrupt.has(rel)) {
      body = Buffer.from(body);
      body[body.length >> 1] = body[body.length >> 1]! ^ 0xff;
    }
    if (mode.lfs.has(rel))
      body = Buffer.from('version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
    res.end(body);
  });
});
afterAll(async () => {
  await server?.close();
});

const scratch: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'maspo-pull-'));
  scratch.push(d);
  return d;
}
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

const listTree = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

describe('upstream URLs', () => {
  it('are github raw URLs at the pinned commits', () => {
    const math = DATA_FILES.find((f) => f.path === 'math500/math_500.jsonl')!;
    expect(upstreamUrl(math)).toBe(
      `https://raw.githubusercontent.com/wangzx1219/MASPO/${SOURCES.MASPO.commit}/dataset/math-500/math_500.jsonl`,
    );
    const he = DATA_FILES.find((f) => f.path === 'humaneval/HumanEval.jsonl.gz')!;
    expect(upstreamUrl(he, 'http://127.0.0.1:1/')).toBe(
      'http://127.0.0.1:1/openai/human-eval/6d43fb980f9fee3c892a914eda09951f772ad10d/data/HumanEval.jsonl.gz',
    );
    expect(pullSelection({}).map((f) => f.path)).toEqual([
      'math500/math_500.jsonl',
      'gpqa-diamond/gpqa_diamond.jsonl',
      'mbpp/sanitized-mbpp.jsonl',
      'humaneval-et/HumanEval_ET.jsonl',
      'aqua/aqua.jsonl',
      'agieval-math/test.jsonl',
    ]);
    expect(pullSelection({ all: true })).toHaveLength(19);
  });
});

describe('pullData against a loopback server', () => {
  it('downloads every file, verified; the result verifies and loads; a second pull downloads nothing', async () => {
    const dest = tmp();
    const seen: string[] = [];
    const r = await pullData({ dest, baseUrl: server.url, all: true, onFile: (x) => seen.push(x.path) });
    expect(r.filter((x) => x.status !== 'downloaded')).toEqual([]);
    expect(seen).toHaveLength(19);
    expect(verifyData(dest, { all: true }).ok).toBe(true);
    expect(listTree(dest)).toEqual(
      DATA_FILES.filter((f) => f.source)
        .map((f) => f.path)
        .sort(),
    );
    expect(loadBenchmarkSync('humaneval-et', { dataDir: dest })).toHaveLength(164);
    const before = server.requests.length;
    const again = await pullData({ dest, baseUrl: server.url, all: true });
    expect(again.every((x) => x.status === 'present')).toBe(true);
    expect(server.requests.length).toBe(before);
  });

  it('rejects a corrupted download: nothing written, no temp files left, the other files still arrive', async () => {
    const dest = tmp();
    mode.corrupt.add('aqua/aqua.jsonl');
    try {
      const r = await pullData({ dest, baseUrl: server.url });
      const bad = r.find((x) => x.path === 'aqua/aqua.jsonl')!;
      expect(bad.status).toBe('failed');
      expect(bad.error).toMatch(/checksum mismatch/);
      expect(bad.error).toContain('c4b7e6a6dc29ad8fb241826cc17de8a18cccd285bf060a62dc9f347bf39533b5');
      expect(r.filter((x) => x.status === 'downloaded')).toHaveLength(5);
      expect(existsSync(join(dest, 'aqua/aqua.jsonl'))).toBe(false);
      expect(listTree(dest).filter((p) => p.includes('.tmp'))).toEqual([]);
    } finally {
      mode.corrupt.clear();
    }
  });

  it('a corrupt download never replaces an existing file; a good one replaces a corrupt local copy', async () => {
    const dest = tmp();
    mkdirSync(join(dest, 'aqua'), { recursive: true });
    writeFileSync(join(dest, 'aqua/aqua.jsonl'), 'local edits\n');
    mode.corrupt.add('aqua/aqua.jsonl');
    try {
      const r = await pullData({ dest, baseUrl: server.url, benchmarks: ['aqua'] });
      expect(r.map((x) => x.status)).toEqual(['failed']);
      expect(readFileSync(join(dest, 'aqua/aqua.jsonl'), 'utf8')).toBe('local edits\n');
    } finally {
      mode.corrupt.clear();
    }
    const ok = await pullData({ dest, baseUrl: server.url, benchmarks: ['aqua'] });
    expect(ok.map((x) => x.status)).toEqual(['downloaded']);
    expect(loadBenchmarkSync('aqua', { dataDir: dest })).toHaveLength(254);
  });

  it('reports 404s and Git LFS pointers as failures', async () => {
    const dest = tmp();
    mode.missing.add('math500/math_500.jsonl');
    mode.lfs.add('gpqa-diamond/gpqa_diamond.jsonl');
    try {
      const r = await pullData({ dest, baseUrl: server.url, benchmarks: ['math500', 'gpqa-diamond'] });
      expect(r.map((x) => [x.path, x.status])).toEqual([
        ['math500/math_500.jsonl', 'failed'],
        ['gpqa-diamond/gpqa_diamond.jsonl', 'failed'],
      ]);
      expect(r[0]!.error).toMatch(/HTTP 404/);
      expect(r[1]!.error).toMatch(/Git LFS pointer/);
      expect(listTree(dest)).toEqual([]);
    } finally {
      mode.missing.clear();
      mode.lfs.clear();
    }
  });

  it('network errors are retried, then reported', async () => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed');
    };
    const r = await pullData({ dest: tmp(), benchmarks: ['aqua'], fetch: failing, attempts: 3 });
    expect(calls).toBe(3);
    expect(r[0]!.error).toMatch(/request failed: fetch failed/);
  });

  it('CLI: `maspo data pull --dest --base-url` exits 0, then 1 when a file is corrupt', async () => {
    const dest = tmp();
    const bin = resolve(import.meta.dirname, '../../bin/maspo.js');
    const ok = await run(process.execPath, [
      bin,
      'data',
      'pull',
      '--dest',
      dest,
      '--base-url',
      server.url,
      '-b',
      'mbpp,aqua',
    ]);
    expect(ok.stdout).toMatch(/downloaded mbpp\/sanitized-mbpp\.jsonl/);
    expect(ok.stdout).toMatch(/2\/2 files in place/);
    mode.corrupt.add('math500/math_500.jsonl');
    try {
      const bad = await run(process.execPath, [
        bin,
        'data',
        'pull',
        '--dest',
        dest,
        '--base-url',
        server.url,
        '-b',
        'math500',
      ]).then(
        () => null,
        (e: { code: number; stdout: string }) => e,
      );
      expect(bad?.code).toBe(1);
      expect(bad?.stdout).toMatch(/FAILED math500\/math_500\.jsonl: checksum mismatch/);
    } finally {
      mode.corrupt.clear();
    }
  });
});

describe('maspo data pull: default destination and the README flow', () => {
  it('pulls into ./data without --dest or MASPO_DATA_DIR, then verify/list work with MASPO_DATA_DIR=data', async () => {
    const cwd = tmp();
    const bin = resolve(import.meta.dirname, '../../bin/maspo.js');
    const env = { ...process.env };
    delete env.MASPO_DATA_DIR;
    const pulled = await run(
      process.execPath,
      [bin, 'data', 'pull', '--base-url', server.url, '-b', 'aqua'],
      {
        cwd,
        env,
      },
    );
    const dest = join(cwd, 'data');
    expect(pulled.stderr).toContain(`pulling into ${dest}`);
    expect(pulled.stdout).toContain(`1/1 files in place; use them with MASPO_DATA_DIR=${dest}`);
    expect(listTree(dest)).toEqual(['aqua/aqua.jsonl']);
    // The README flow: export MASPO_DATA_DIR=$PWD/data, then verify and list.
    const withDir = { ...env, MASPO_DATA_DIR: dest };
    const verified = await run(process.execPath, [bin, 'data', 'verify', '-b', 'aqua'], {
      cwd,
      env: withDir,
    });
    expect(verified.stdout).toMatch(/OK: 1 files match/);
    const listed = await run(process.execPath, [bin, 'data', 'list'], { cwd, env: withDir });
    expect(listed.stdout).toMatch(/aqua\/aqua\.jsonl\s+aqua\s+\S+\s+yes\s+254\/254\s+ok/);
    // Without any data dir, the other commands say how to get one instead of guessing.
    const none = await run(process.execPath, [bin, 'data', 'list'], { cwd, env }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(none?.code).toBe(2);
    expect(none?.stderr).toMatch(/MASPO_DATA_DIR/);
  });
  it('MASPO_DATA_DIR is the default destination when set', async () => {
    const dest = join(tmp(), 'elsewhere');
    const bin = resolve(import.meta.dirname, '../../bin/maspo.js');
    const r = await run(process.execPath, [bin, 'data', 'pull', '--base-url', server.url, '-b', 'aqua'], {
      cwd: tmp(),
      env: { ...process.env, MASPO_DATA_DIR: dest },
    });
    expect(r.stderr).toContain(`pulling into ${dest}`);
    expect(existsSync(join(dest, 'aqua/aqua.jsonl'))).toBe(true);
  });
});
