import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gradeCodeLines } from '../../src/cli/commands/grade-code.js';
import { loadBenchmarkSync } from '../../src/datasets/index.js';
import type { Item } from '../../src/datasets/types.js';
import { UsageError } from '../../src/errors.js';
import {
  type CodeScorer,
  createCodeScorer,
  findExecutable,
  isolationFromEnv,
  readableByOthers,
  resolvePython,
  Sandbox,
} from '../../src/tasks/code/index.js';
import { dataDir, requireDataDir } from '../support/data.js';

const SECRET = `maspo-secret-${process.pid}-${Date.now()}`;
process.env.MASPO_TEST_PARENT_SECRET = SECRET;

/** A synthetic code item whose single test asserts `probe() == 'ok'`. */
function probeItem(id: string): Item {
  return {
    id,
    benchmark: 'mbpp',
    task: 'code',
    question: 'hostile probe',
    gold: 'probe',
    meta: { entryPoint: 'probe', tests: ["assert probe() == 'ok'"], imports: [] },
  };
}
const reply = (code: string) => `\`\`\`python\n${code}\n\`\`\``;

const hasBwrap = findExecutable('bwrap') !== null;
const inCi = process.env.CI === 'true';

describe('code sandbox', () => {
  let scorer: CodeScorer;
  let server: Server;
  let port = 0;
  let connections = 0;
  let humaneval: Item[];
  let mbpp: Item[];

  beforeAll(async () => {
    requireDataDir();
    humaneval = loadBenchmarkSync('humaneval-et', { dataDir });
    mbpp = loadBenchmarkSync('mbpp', { dataDir });
    server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    scorer = createCodeScorer({ timeoutMs: 3000, wallMs: 6000 });
  });
  afterAll(async () => {
    await scorer?.close();
    server?.close();
  });

  it('uses bubblewrap here (and in CI, where .ci/run installs it)', async () => {
    const sb = await scorer.sandbox();
    if (hasBwrap || inCi) expect(sb.isolation).toBe('bwrap');
    expect(sb.slots.length).toBeGreaterThanOrEqual(1);
  });

  it('passes a canonical solution and names the failing assert of a mutated one', async () => {
    const item = humaneval.find((i) => i.id === 'HumanEval/0')!;
    const ok = await scorer.score(item, reply(item.meta.canonicalSolution!));
    expect(ok).toMatchObject({ correct: true });
    expect(ok.detail).toMatch(/^passed \d+\/\d+ asserts/);
    // Mutation: `<` → `<=` changes the answer exactly when two numbers are `threshold` apart.
    const mutated = item.meta.canonicalSolution!.replace('return True', 'return False');
    const bad = await scorer.score(item, reply(mutated));
    expect(bad.correct).toBe(false);
    expect(bad.error).toBeUndefined();
    const m = /failed assert #(\d+): (.*) — AssertionError/.exec(bad.detail ?? '');
    expect(m, bad.detail).not.toBeNull();
    const idx = Number(m![1]);
    expect(item.meta.tests![idx]!.replace(/\s+/g, ' ').trim().startsWith(m![2]!.replace(/…$/, ''))).toBe(
      true,
    );
  });

  it('runs MBPP tests with test_imports and a HumanEval body-only completion after the prompt', async () => {
    const withImports = mbpp.find((i) => (i.meta.imports ?? []).length > 0)!;
    expect(await scorer.score(withImports, reply(withImports.meta.canonicalSolution!))).toMatchObject({
      correct: true,
    });
    const he = humaneval.find((i) => i.id === 'HumanEval/4')!;
    const body = he.meta.canonicalSolution!.slice((he.meta.prompt as string).length);
    expect(await scorer.run(he, body)).toMatchObject({ correct: true });
  });

  it('reports syntax errors, exceptions at load and missing code as failures, not errors', async () => {
    const item = probeItem('probe/syntax');
    const syn = await scorer.score(item, reply('def probe(:\n    pass'));
    expect(syn).toMatchObject({ correct: false });
    expect(syn.error).toBeUndefined();
    expect(syn.detail).toMatch(/does not compile: SyntaxError/);
    const raise = await scorer.score(item, reply('raise SystemExit(0)\ndef probe():\n    return "ok"'));
    expect(raise.detail).toMatch(/raised while loading: SystemExit/);
    const none = await scorer.score(item, 'I refuse.');
    expect(none).toMatchObject({
      correct: false,
      extracted: null,
      detail: 'no Python code found in the reply',
    });
  });

  it('contains hostile code: each attack fails with a reason and the run goes on', async () => {
    const hostFile = join(process.cwd(), `maspo-pwned-${process.pid}.txt`);
    const attacks: Record<string, string> = {
      socketOut: `import socket\ndef probe():\n    socket.create_connection(("1.1.1.1", 80), timeout=1)\n    return "ok"`,
      socketParent: `import socket\ndef probe():\n    socket.create_connection(("127.0.0.1", ${port}), timeout=1)\n    return "ok"`,
      envSecret: [
        'import os',
        'def probe():',
        `    want = ${JSON.stringify(SECRET)}`,
        '    if os.environ.get("MASPO_TEST_PARENT_SECRET") == want: return "ok"',
        '    for p in os.listdir("/proc"):',
        '        try:',
        '            if want.encode() in open(f"/proc/{p}/environ", "rb").read(): return "ok"',
        '        except OSError: pass',
        '    return "absent:" + ",".join(sorted(os.environ))',
      ].join('\n'),
      writeOutside: `def probe():\n    open(${JSON.stringify(hostFile)}, "w").write("x")\n    return "ok"`,
      writeUsr: `def probe():\n    open("/usr/maspo-pwned", "w").write("x")\n    return "ok"`,
      forkBomb: [
        'import os, time',
        'def probe():',
        '    n = 0',
        '    while True:',
        '        os.fork()',
        '        n += 1',
      ].join('\n'),
      alloc10g: 'def probe():\n    b = bytearray(10 * 1024 ** 3)\n    return "ok"',
      loopForever: 'def probe():\n    while True:\n        pass',
      sleepForever: 'import time\ndef probe():\n    time.sleep(3600)',
      print1g:
        'import sys\ndef probe():\n    chunk = "x" * (1 << 20)\n    for _ in range(1024):\n        sys.stdout.write(chunk)\n    return "ok"',
      escapeSession: [
        'import os, time',
        'def probe():',
        '    if os.fork() == 0:',
        '        os.setsid()',
        '        if os.fork() == 0:',
        '            time.sleep(600)',
        '        os._exit(0)',
        '    return "ok-but-left-a-daemon"',
      ].join('\n'),
    };
    const names = Object.keys(attacks);
    const t0 = Date.now();
    const results = await Promise.all(
      names.map((n) => scorer.score(probeItem(`probe/${n}`), reply(attacks[n]!))),
    );
    const by = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
    for (const n of names) {
      expect(by[n]!.correct, `${n}: ${by[n]!.detail}`).toBe(false);
      expect(by[n]!.error, `${n}: ${by[n]!.error}`).toBeUndefined();
      expect(by[n]!.detail, n).toBeTruthy();
    }
    expect(by.socketOut!.detail).toMatch(/OSError|unreachable|Errno/i);
    expect(by.socketParent!.detail).toMatch(/Connection refused|unreachable|OSError|Errno/i);
    expect(connections).toBe(0);
    expect(by.envSecret!.detail).toMatch(/AssertionError/);
    expect(existsSync(hostFile)).toBe(false);
    expect(by.writeOutside!.detail).toMatch(/Error/);
    expect(by.writeUsr!.detail).toMatch(/Read-only file system|Permission denied|Errno/);
    expect(by.forkBomb!.detail).toMatch(/Resource temporarily unavailable|BlockingIOError|time limit/);
    expect(by.alloc10g!.detail).toMatch(/MemoryError/);
    expect(by.loopForever!.detail).toMatch(/^cpu-timeout: CPU time limit exceeded \(3 s\) during assert #0/);
    expect(by.sleepForever!.detail).toMatch(/^wall-timeout: wall time limit exceeded .*sleeping or blocked/);
    expect(by.print1g!.detail).toMatch(/^output limit: output exceeded/);
    expect(by.alloc10g!.detail).toMatch(/^memory: /);
    expect(by.escapeSession!.detail).toMatch(/AssertionError/);
    // Nothing the attacks started survives on the host.
    const leftovers = (await import('node:fs')).readdirSync('/proc').filter((p) => {
      if (!/^\d+$/.test(p)) return false;
      try {
        return (
          /sleep|maspo-pwned/.test(readFileSync(`/proc/${p}/cmdline`, 'utf8')) &&
          readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('600')
        );
      } catch {
        return false;
      }
    });
    expect(leftovers).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(20_000);
    // The run goes on: the same pool still grades a correct solution.
    const item = humaneval.find((i) => i.id === 'HumanEval/1')!;
    expect(await scorer.score(item, reply(item.meta.canonicalSolution!))).toMatchObject({ correct: true });
  });

  it('gives every job a fresh private tmp: files one job plants are gone for the next', async () => {
    const one = createCodeScorer({ workers: 1, cacheSize: 0 });
    try {
      const plant = [
        'import os',
        'def probe():',
        '    for d in (".", os.environ.get("TMPDIR", "."), "/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~")):',
        '        try:',
        '            open(os.path.join(d, "maspo-planted"), "w").write("x")',
        '        except OSError:',
        '            pass',
        '    return "ok"',
      ].join('\n');
      expect(await one.score(probeItem('tmp/plant'), reply(plant))).toMatchObject({ correct: true });
      const look = [
        'import os',
        'def probe():',
        '    found = []',
        '    for d in (".", os.environ.get("TMPDIR", "."), "/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~")):',
        '        try:',
        '            for root, _, files in os.walk(d):',
        '                found += [os.path.join(root, f) for f in files if f == "maspo-planted"]',
        '        except OSError:',
        '            pass',
        '    return "ok" if not found else "found: " + ", ".join(found)',
      ].join('\n');
      const s = await one.score(probeItem('tmp/look'), reply(look));
      expect(s, s.detail).toMatchObject({ correct: true });
    } finally {
      await one.close();
    }
  });

  it('reports an infrastructure failure as Score.error, distinct from a failing test', async () => {
    const broken = createCodeScorer({ python: '/nonexistent/python3' });
    const s = await broken.score(probeItem('probe/infra'), reply('def probe():\n    return "ok"'));
    await broken.close();
    expect(s.correct).toBe(false);
    expect(s.error).toMatch(/^sandbox: .*python/i);
    // An item without tests is unusable too.
    const noTests = { ...probeItem('probe/none'), meta: { entryPoint: 'probe', tests: [] } };
    expect((await scorer.score(noTests, reply('def probe():\n    return 1'))).error).toMatch(/no tests/);
  });

  it('honours an AbortSignal', async () => {
    const ac = new AbortController();
    const p = scorer.score(probeItem('probe/abort'), reply('import time\ndef probe():\n    time.sleep(60)'), {
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 300);
    const s = await p;
    expect(s.error).toBe('sandbox: aborted');
  });

  it('same() compares normalised code', () => {
    const item = probeItem('probe/same');
    expect(scorer.same(item, 'def f():\n    return 1  # one\n', 'def f():\r\n\r\n    return 1')).toBe(true);
    expect(scorer.same(item, 'def f():\n    return 1', 'def f():\n    return 2')).toBe(false);
  });
});

describe('unsafe mode (MASPO_SANDBOX=unsafe: no bubblewrap, opt-in)', () => {
  it('refuses an unknown mode, naming the two valid ones', () => {
    expect(() => isolationFromEnv({ MASPO_SANDBOX: 'none' })).toThrow(
      /use "bwrap" \(the default\) or "unsafe"/,
    );
    expect(isolationFromEnv({})).toBe('bwrap');
    expect(isolationFromEnv({ MASPO_SANDBOX: 'unsafe' })).toBe('unsafe');
  });

  it('warns loudly once, keeps the environment clean and still stops runaway code', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const weak = createCodeScorer({ isolation: 'unsafe', timeoutMs: 2000, workers: 2 });
    const weak2 = createCodeScorer({ isolation: 'unsafe', timeoutMs: 2000, workers: 1 });
    try {
      expect((await weak.sandbox()).isolation).toBe('unsafe');
      expect(weak.isolation()).toBe('unsafe');
      await weak2.sandbox();
      const banner =
        writes.join('').match(/WARNING: MASPO_SANDBOX=unsafe: generated code runs UNSANDBOXED/g) ?? [];
      expect(banner.length).toBe(1);
      const env = await weak.score(
        probeItem('weak/env'),
        reply(
          'import os\ndef probe():\n    return "ok" if "MASPO_TEST_PARENT_SECRET" in os.environ else "clean"',
        ),
      );
      expect(env.detail, JSON.stringify(env)).toMatch(/AssertionError/);
      const loop = await weak.score(probeItem('weak/loop'), reply('def probe():\n    while True: pass'));
      expect(loop.detail).toMatch(/^cpu-timeout: CPU time limit exceeded/);
      const mem = await weak.score(
        probeItem('weak/mem'),
        reply('def probe():\n    b = bytearray(10 * 1024 ** 3)'),
      );
      expect(mem.detail).toMatch(/MemoryError/);
      const ok = await weak.score(probeItem('weak/ok'), reply('def probe():\n    return "ok"'));
      expect(ok.correct).toBe(true);
      // Without bubblewrap the rlimits and the output cap still hold (network and filesystem do not:
      // that is what the banner says).
      const [fork, print, usr] = await Promise.all([
        weak.score(
          probeItem('weak/fork'),
          reply('import os\ndef probe():\n    while True:\n        os.fork()'),
        ),
        weak.score(
          probeItem('weak/print'),
          reply('import sys\ndef probe():\n    while True:\n        sys.stdout.write("x" * 65536)'),
        ),
        weak.score(
          probeItem('weak/usr'),
          reply('def probe():\n    open("/usr/maspo-pwned-weak", "w").write("x")\n    return "ok"'),
        ),
      ]);
      if (process.getuid?.() === 0) {
        expect(fork.detail).toMatch(/Resource temporarily unavailable|BlockingIOError|time limit/);
        expect(usr.detail).toMatch(/Permission denied/);
      }
      expect(fork.correct).toBe(false);
      expect(print.detail).toMatch(/output exceeded/);
      expect(usr.correct).toBe(false);
      expect(existsSync('/usr/maspo-pwned-weak')).toBe(false);
      // Standard-library imports work for the sandbox uid (as root with a pyenv under /root, the
      // fallback switches to a readable interpreter; see the next test).
      requireDataDir();
      const he = loadBenchmarkSync('humaneval-et', { dataDir }).find((i) => i.id === 'HumanEval/32')!;
      expect(he.meta.imports).toContain('import math');
      const heOk = await weak.score(he, reply(he.meta.canonicalSolution!));
      expect(heOk, JSON.stringify(heOk)).toMatchObject({ correct: true });
    } finally {
      spy.mockRestore();
      await weak.close();
      await weak2.close();
    }
  });
});

describe('fallback interpreter', () => {
  it('readableByOthers: a private directory above the interpreter makes it unusable for the slot uid', () => {
    const base = mkdtempSync(join(tmpdir(), 'maspo-py-'));
    try {
      const prefix = join(base, 'home', 'pyenv');
      mkdirSync(prefix, { recursive: true });
      chmodSync(base, 0o755);
      chmodSync(join(base, 'home'), 0o755);
      const info = { executable: join(prefix, 'python3'), version: '3', roots: [prefix] };
      expect(readableByOthers(info)).toBe(true);
      chmodSync(join(base, 'home'), 0o700);
      expect(readableByOthers(info)).toBe(false);
      expect(readableByOthers({ ...info, roots: [join(base, 'missing')] })).toBe(false);
    } finally {
      chmodSync(join(base, 'home'), 0o755);
      rmSync(base, { recursive: true, force: true });
    }
  });

  const root = process.getuid?.() === 0;
  it.runIf(root)(
    'as root, an explicitly chosen unreadable interpreter is a sandbox error, not a wrong answer',
    async () => {
      const py = await resolvePython();
      if (readableByOthers(py)) return; // nothing to show on this machine: the interpreter is readable
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const weak = createCodeScorer({ isolation: 'unsafe', python: py.executable, workers: 1 });
      try {
        const s = await weak.score(
          probeItem('weak/unreadable'),
          reply('import math\ndef probe():\n    return "ok"'),
        );
        expect(s.correct).toBe(false);
        expect(s.error).toMatch(/cannot read the Python standard library .*MASPO_PYTHON=\/usr\/bin\/python3/);
      } finally {
        spy.mockRestore();
        await weak.close();
      }
    },
  );
});

describe('CPU accounting', () => {
  it('reports the CPU time each job used', async () => {
    const sb = await Sandbox.create({ workers: 1 });
    try {
      const busy = await sb.run({
        id: 'cpu',
        code: 'def burn():\n    t = 0\n    for i in range(3_000_000):\n        t += i\n    return t',
        tests: ['assert burn() > 0'],
      });
      expect(busy.status).toBe('passed');
      expect(busy.cpuMs).toBeGreaterThan(20);
      expect(busy.cpuMs!).toBeLessThanOrEqual(busy.ms + 50);
      const spin = await sb.run({
        id: 'spin',
        code: 'while True: pass',
        tests: ['assert True'],
        timeoutMs: 1000,
      });
      expect(spin).toMatchObject({ status: 'failed', phase: 'timeout', kind: 'cpu-timeout' });
      expect(spin.reason).toMatch(/CPU time limit/);
      // CPU accounting under a loaded machine reads a little below the 1 s limit; half of it proves the job
      // was charged for its spinning, not for its wall time.
      expect(spin.cpuMs).toBeGreaterThanOrEqual(500);
    } finally {
      await sb.close();
    }
  });
});

describe('gradeCodeLines', () => {
  it('grades full replies in input order and rejects unknown tasks with the line number', async () => {
    requireDataDir();
    const he = loadBenchmarkSync('humaneval-et', { dataDir }).find((i) => i.id === 'HumanEval/2')!;
    const mb = loadBenchmarkSync('mbpp', { dataDir }).find((i) => i.id === 'mbpp/2')!;
    const out = await gradeCodeLines(
      [
        { id: 'a', prediction: reply(mb.meta.canonicalSolution!), benchmark: 'mbpp', task_id: 2 },
        { id: 'b', prediction: 'no code here', benchmark: 'humaneval-et', task_id: 'HumanEval/2' },
        {
          id: 'c',
          prediction: `Here you go:\n${reply('def similar_elements(a, b):\n    return ()')}`,
          benchmark: 'mbpp',
          task_id: 'mbpp/2',
        },
        { id: 'd', prediction: reply(he.meta.canonicalSolution!), benchmark: 'humaneval-et', task_id: 3 },
      ],
      { dataDir },
    );
    expect(out.map((r) => [r.id, r.correct])).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
      ['d', false],
    ]);
    expect(out[1]!.extracted).toBeNull();
    expect(out[2]!.extracted).toBe('def similar_elements(a, b):\n    return ()');
    expect(out.every((r) => r.error === undefined)).toBe(true);
    await expect(
      gradeCodeLines([{ id: 'x', prediction: '', benchmark: 'mbpp', task_id: 99999 }], { dataDir }),
    ).rejects.toThrow(UsageError);
    await expect(
      gradeCodeLines([{ id: 'x', prediction: '', benchmark: 'mbpp', task_id: 99999 }], { dataDir }),
    ).rejects.toThrow(/input line 1 .*task_id 99999/);
  });
});
