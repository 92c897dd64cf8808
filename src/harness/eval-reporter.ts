import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * What `maspo eval` shows of the Vitest run unless `--verbose`: one line per suite file (items, failed,
 * time) and each failed item once, with the first line of its error (no stack: run with `--verbose` or
 * MASPO_DEBUG=1 for those). No line per passing item, no slow-test list. Suites that could not load are
 * left to `maspo eval`'s own message, so they are printed once too.
 */
export class EvalProgressReporter implements Reporter {
  private readonly failures: string[] = [];

  constructor(
    private readonly root: string,
    private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
    private readonly debug = process.env.MASPO_DEBUG === '1',
  ) {}

  onTestCaseResult(test: TestCase): void {
    const r = test.result();
    if (r.state !== 'failed') return;
    // An unreachable endpoint is printed once, by `maspo eval` itself, not once per item.
    if (test.meta().maspoFatal) return;
    const first = r.errors?.[0];
    let message = firstLine(first?.message ?? 'failed');
    // An item's error starts with its id, which the test's name already shows.
    if (message.startsWith(`${test.name}: `)) message = message.slice(test.name.length + 2);
    const where = `${relative(this.root, test.module.moduleId)} > ${test.fullName}`;
    const line = `  ✗ ${where}: ${message}`;
    this.failures.push(line);
    this.write(line);
    if (this.debug && first?.stack) this.write(indent(first.stack));
  }

  onTestModuleEnd(module: TestModule): void {
    if (module.errors().length > 0) return;
    let n = 0;
    let failed = 0;
    let skipped = 0;
    for (const t of module.children.allTests()) {
      const state = t.result().state;
      if (state === 'skipped') skipped++;
      else n++;
      if (state === 'failed') failed++;
    }
    const ms = module.diagnostic().duration;
    this.write(
      `maspo eval: ${relative(this.root, module.moduleId)}: ${n} item(s)` +
        (failed ? `, ${failed} failed (errored)` : '') +
        (skipped ? `, ${skipped} skipped` : '') +
        ` in ${(ms / 1000).toFixed(1)}s`,
    );
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    for (const e of errors) {
      const err = e as { message?: string; stack?: string; name?: string };
      this.write(`maspo eval: unhandled error: ${firstLine(err.message ?? String(e))}`);
      if (this.debug && err.stack) this.write(indent(err.stack));
    }
  }
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? s;
  return line.trim();
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}
