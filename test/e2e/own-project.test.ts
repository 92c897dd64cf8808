import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The README's "Your own benchmark" walkthrough, run as written in a scratch project outside this
 * repository, with maspo installed from the tarball `npm pack` makes (so the published `files`, `exports`,
 * `bin` and compiled `dist/` are what is tested, not this checkout's sources). The README's own code
 * blocks are the script: a file block is written, each `npx maspo …` line is run in order.
 */

const repo = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');

interface Step {
  kind: 'file' | 'sh';
  name?: string;
  text: string;
}

/** The fenced blocks of one README section: `# file: x` / `// file: x` blocks and `sh` blocks. */
function sectionBlocks(title: string): Step[] {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 4);
  const body = readme.slice(start, end < 0 ? undefined : end);
  const steps: Step[] = [];
  for (const m of body.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    const [, lang, text] = m as unknown as [string, string, string];
    const file = /^(?:#|\/\/) file: (\S+)\n/.exec(text);
    if (file) steps.push({ kind: 'file', name: file[1]!, text: text.slice(file[0].length) });
    else if (lang === 'sh') steps.push({ kind: 'sh', text });
  }
  return steps;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeout = 180_000,
): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, GITHUB_STEP_SUMMARY: '', NO_COLOR: '1' };
  // The scratch project knows nothing of this repository's data dir, vitest config or aliases.
  delete env.MASPO_DATA_DIR;
  delete env.VITEST;
  delete env.VITEST_MODE;
  delete env.NODE_OPTIONS;
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, out: `${stdout}\n${stderr}` });
    });
  });
}

/** Splits a README shell line into argv (the section's lines use no quoting). */
const argv = (line: string) =>
  line
    .replace(/\s+#.*$/, '')
    .trim()
    .split(/\s+/);

const vitestVersion = (
  JSON.parse(readFileSync(join(repo, 'node_modules/vitest/package.json'), 'utf8')) as { version: string }
).version;

describe('README "Your own benchmark", in a scratch project installed from npm pack', () => {
  const work = mkdtempSync(join(tmpdir(), 'maspo-own-project-'));
  const project = join(work, 'my-evals');
  let tarball = '';
  const steps = sectionBlocks('Your own benchmark');

  beforeAll(async () => {
    const packDir = join(work, 'pack');
    mkdirSync(packDir);
    const pack = await run('npm', ['pack', '--silent', '--pack-destination', packDir], repo);
    expect(pack.code, pack.out).toBe(0);
    tarball = join(packDir, pack.out.trim().split('\n')[0]!.trim());
  }, 240_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the section is the script: its blocks are found', () => {
    const files = steps.filter((s) => s.kind === 'file').map((s) => s.name);
    expect(files).toEqual(['maspo.yaml', 'arith.eval.ts', 'maspo.config.ts']);
    const commands = steps.filter((s) => s.kind === 'sh').flatMap((s) => s.text.split('\n'));
    expect(commands.filter((l) => l.startsWith('npx maspo ')).length).toBeGreaterThanOrEqual(7);
  });

  it('every step runs as written and exits 0; the last eval gates against the accepted baseline', async () => {
    mkdirSync(project);
    const ran: string[] = [];
    for (const step of steps) {
      if (step.kind === 'file') {
        writeFileSync(join(project, step.name!), step.text);
        continue;
      }
      for (const raw of step.text.split('\n')) {
        const line = raw.trim();
        if (!line || line.startsWith('mkdir ')) continue; // the scratch dir is made above
        let r: { code: number; out: string };
        if (line.startsWith('npm i -D maspo')) {
          // The published package, installed from its tarball; vitest at the version this repo tests.
          const args = [
            'i',
            '-D',
            '--prefer-offline',
            '--no-audit',
            '--no-fund',
            tarball,
            `vitest@${vitestVersion}`,
          ];
          expect(line.replace(/\s+#.*$/, '')).toBe('npm i -D maspo vitest@4');
          r = await run('npm', args, project);
        } else if (line.startsWith('cp ')) {
          const [, from, to] = argv(line) as [string, string, string];
          writeFileSync(
            join(project, to === '.' ? from.split('/').at(-1)! : to),
            readFileSync(join(project, from)),
          );
          r = { code: 0, out: '' };
        } else if (line.startsWith('npx maspo ')) {
          r = await run(join(project, 'node_modules/.bin/maspo'), argv(line).slice(2), project);
        } else {
          throw new Error(`README step not understood by this test: ${line}`);
        }
        expect(r.code, `${line}\n${r.out}`).toBe(0);
        ran.push(`${line.replace(/\s+#.*$/, '')}\n${r.out}`);
      }
    }
    const outputs = ran.join('\n');
    // data verify: every row loaded
    expect(outputs).toMatch(
      /ok arith: arith\.jsonl \(jsonl, task math\), 60 items, train 12 \/ dev 12 \/ test 36/,
    );
    // optimize wrote the artifact beside the config, and eval used it
    expect(outputs).toMatch(/artifact: .*my-evals\/maspo\.prompts\.json/);
    const evals = ran.filter((r) => r.startsWith('npx maspo eval'));
    expect(evals.length).toBe(2);
    expect(evals[0]).toMatch(/no baseline entry/);
    expect(evals[1]).toMatch(/maspo gate: PASS .*Holm over 2 paired test/);
    expect(outputs).toMatch(/simulated/);
    // the TypeScript config's scorer function graded the run (numeric task, its own extraction)
    expect(ran.at(-1)).toMatch(/^npx maspo run --config maspo\.config\.ts/);
    expect(ran.at(-1)).toMatch(/accuracy\s+\d+(\.\d)?% \(\d+\/12\)/);
    const baseline = JSON.parse(readFileSync(join(project, 'baselines/maspo.baseline.json'), 'utf8')) as {
      benchmarks: Record<string, { n: number }>;
    };
    expect(baseline.benchmarks.arith?.n).toBe(36);
  }, 400_000);
});
