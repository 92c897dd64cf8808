import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CommanderError } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EXIT, exitFor } from '../../src/cli/exit-codes.js';
import { InvalidConfigError } from '../../src/config/errors.js';
import { ThresholdError, UsageError } from '../../src/errors.js';
import { BudgetExhaustedError } from '../../src/llm/budget.js';
import {
  EndpointUnreachableError,
  InterruptedError,
  ProviderError,
  RetriesExhaustedError,
} from '../../src/llm/errors.js';
import { runMaspo } from '../support/cli.js';
import { requireDataDir } from '../support/data.js';
import { chatCompletion, json, startLoopback } from '../support/loopback.js';
import { closedPort } from '../support/ports.js';

/**
 * The exit-code table of docs/cli.md, row by row, through the real CLI (`node bin/maspo.js` in a
 * subprocess): 0 success · 1 a gate or threshold failed · 2 unusable input or usage · 70 internal error ·
 * 130 interrupted.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'examples/math500-sequential.yaml');
const cwd = mkdtempSync(join(tmpdir(), 'maspo-exit-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

let n = 0;
const config = (text: string, ext = 'yaml') => {
  const f = join(cwd, `config-${n++}.${ext}`);
  writeFileSync(f, text);
  return f;
};
const withModel = (ref: string, extra = '') =>
  config(`benchmark: math500
system: { topology: sequential }
models:
  agent: ${ref}
llm:
  cache: { mode: "off" }
  retry: { baseDelayMs: 1, maxDelayMs: 5 }
${extra}`);

/** Stack frames look like "    at fn (file:line:col)". */
const STACK = /\n\s+at .+:\d+:\d+/;

describe('exit codes of the real CLI', { timeout: 60_000 }, () => {
  it('0: a run that succeeds', async () => {
    const r = await runMaspo(
      ['run', '--config', EXAMPLE, '--limit', '3', '--no-progress', '--out', join(cwd, 'ok')],
      cwd,
    );
    expect(r.out).toContain('accuracy');
    expect(r.code).toBe(0);
  });

  it('1: a run whose errored items exceed --max-error-rate (outputs still written)', async () => {
    const server = await startLoopback((_req, res) =>
      json(res, 400, { error: { message: 'model not served here', type: 'invalid_request_error' } }),
    );
    servers.push(server);
    const out = join(cwd, 'errored');
    const r = await runMaspo(
      [
        'run',
        '--config',
        withModel(`openai-compatible:m@${server.url}/v1`),
        '--limit',
        '3',
        '--no-progress',
        '--out',
        out,
      ],
      cwd,
    );
    expect(r.out).toContain('maspo: math500: 3 of 3 items errored (100%), above --max-error-rate 0.05 (5%)');
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).errors).toBe(3);
    expect(r.code).toBe(1);
    // A ceiling of 1 tolerates every error: the same run passes.
    const tolerant = await runMaspo(
      [
        'run',
        '--config',
        withModel(`openai-compatible:m@${server.url}/v1`),
        '--limit',
        '3',
        '--no-progress',
        '--out',
        out,
        '--max-error-rate',
        '1',
      ],
      cwd,
    );
    expect(tolerant.code).toBe(0);
  });

  describe('2: unusable input or usage, one line, no stack', () => {
    const usage: Array<[string, string[], RegExp]> = [
      [
        'unknown option',
        ['run', '--config', EXAMPLE, '--tolerence', '3'],
        /error: unknown option '--tolerence'/,
      ],
      ['missing required option', ['run'], /error: required option '-c, --config <file>' not specified/],
      [
        'missing option argument',
        ['optimize', '--config'],
        /error: option '-c, --config <file>' argument missing/,
      ],
      [
        'unknown option of a sub-command',
        ['baseline', 'update', '--bogus'],
        /error: unknown option '--bogus'/,
      ],
      ['unknown option of data verify', ['data', 'verify', '--bogus'], /error: unknown option '--bogus'/],
      ['unknown command', ['optimise'], /error: unknown command 'optimise'/],
      [
        'bad value',
        ['run', '--config', EXAMPLE, '--max-error-rate', '2'],
        /maspo: --max-error-rate must be a fraction between 0 and 1 \(e\.g\. 0\.05\), got "2"/,
      ],
      [
        'bad value of eval',
        ['eval', '--tolerance', 'lots'],
        /maspo: --tolerance must be a number in \[0, 1\], got "lots"/,
      ],
    ];
    it.each(usage)('%s', async (_what, args, message) => {
      const r = await runMaspo(args, cwd);
      expect(r.out).toMatch(message);
      expect(r.out).not.toMatch(STACK);
      expect(r.code).toBe(2);
    });

    it('config typos and an unknown model, in one list with did-you-mean', async () => {
      const f = config(`benchmark: math500
optimise: { rounds: 2 }
system:
  topology: sequential
  round: 2
models:
  agent: sim:sim-smal
`);
      const r = await runMaspo(['run', '--config', f], cwd);
      expect(r.out).toContain(`maspo: ${f}: 3 problems:`);
      expect(r.out).toContain('unknown field "optimise". Fix: did you mean "optimize"?');
      expect(r.out).toContain('system (line 5): unknown field "round". Fix: did you mean "rounds"?');
      expect(r.out).toContain(
        'models.agent (line 7): unknown simulated model sim-smal; did you mean sim-small?',
      );
      expect(r.code).toBe(2);
    });

    it.each([['run'], ['optimize'], ['eval']])(
      '%s: a missing API key is named before anything is sent',
      async (command) => {
        const server = await startLoopback((_req, res) => json(res, 200, chatCompletion('\\boxed{2}')));
        servers.push(server);
        const f = withModel(
          `openai-compatible:m@${server.url}/v1`,
          '  endpoints:\n    openai-compatible: { apiKeyEnv: MASPO_TEST_UNSET_KEY }\n',
        );
        const args =
          command === 'eval' ? ['eval', '--config', f, '--seed-prompts'] : [command, '--config', f];
        const r = await runMaspo(args, cwd);
        expect(r.out).toContain(
          'needs an API key in the environment variable MASPO_TEST_UNSET_KEY (llm.endpoints.openai-compatible.apiKeyEnv), which is not set',
        );
        expect(r.out).not.toMatch(STACK);
        expect(server.requests).toHaveLength(0);
        expect(r.code).toBe(2);
      },
    );

    it('an unreachable endpoint stops the run at the first connection error', async () => {
      const port = await closedPort();
      const r = await runMaspo(
        [
          'run',
          '--config',
          withModel(`openai-compatible:m@http://127.0.0.1:${port}/v1`),
          '--limit',
          '20',
          '--no-progress',
        ],
        cwd,
      );
      expect(r.out).toContain(`cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`);
      expect(r.out).not.toContain('errors'); // no run summary with 20 item errors
      expect(r.out).not.toMatch(STACK);
      expect(r.code).toBe(2);
    });

    it('optimize: an unreachable endpoint stops the search at the first connection error', async () => {
      const port = await closedPort();
      const r = await runMaspo(
        [
          'optimize',
          '--config',
          withModel(`openai-compatible:m@http://127.0.0.1:${port}/v1`),
          '--no-progress',
          '--runs-dir',
          join(cwd, 'runs-unreachable'),
          '--out',
          join(cwd, 'unreachable.prompts.json'),
        ],
        cwd,
      );
      expect(r.out.trim()).toBe(
        `maspo: openai-compatible@http://127.0.0.1:${port}/v1: cannot connect to 127.0.0.1:${port} (ECONNREFUSED): nothing is listening there: start the server, or fix the host and port in the base URL`,
      );
      expect(r.code).toBe(2);
    });

    it('eval: an unreachable endpoint is unusable input, not a regression', async () => {
      const port = await closedPort();
      const f = withModel(`openai-compatible:m@http://127.0.0.1:${port}/v1`);
      const out = (name: string) => join(cwd, 'eval-unreachable', name);
      // From the package root: its benchmarks/*.eval.ts suites, filtered to math500.
      const r = await runMaspo(
        [
          'eval',
          '--config',
          f,
          '--seed-prompts',
          '--limit',
          '3',
          '--summary',
          out('summary.md'),
          '--dashboard',
          out('dashboard'),
          '--history',
          out('history.jsonl'),
          '--results',
          out('results.json'),
          'math500',
        ],
        ROOT,
      );
      expect(r.out).toContain(
        `maspo: openai-compatible@http://127.0.0.1:${port}/v1: cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`,
      );
      // Not a regression: the gate says it was not evaluated, and the error is printed once, not per item.
      expect(r.out).not.toContain('FAILED');
      expect(r.out).toContain('maspo gate: NOT EVALUATED');
      expect(r.out.split('ECONNREFUSED').length - 1).toBe(1);
      expect(r.code).toBe(2);
    });

    it('a YAML alias bomb, naming the file', async () => {
      const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 10; i++)
        lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]`);
      const f = config(`${lines.join('\n')}\nname: *a9\n`);
      const r = await runMaspo(['run', '--config', f], cwd);
      expect(r.out).toContain(`maspo: ${f}: the config expands to more than 100,000 values`);
      expect(r.code).toBe(2);
    });

    it('a port in use (an expected failure of the environment)', async () => {
      const holder = createServer();
      await new Promise<void>((ok) => holder.listen(0, '127.0.0.1', ok));
      const { port } = holder.address() as AddressInfo;
      try {
        const r = await runMaspo(['sim', 'serve', '--port', String(port)], cwd);
        expect(r.out).toContain(`maspo: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
        expect(r.out).not.toMatch(STACK);
        expect(r.code).toBe(2);
      } finally {
        await new Promise<void>((ok) => holder.close(() => ok()));
      }
    });
  });

  it('70: an unexpected exception is one line, its stack only with MASPO_DEBUG=1', async () => {
    // A TS config whose field throws when read: nothing maspo anticipates.
    const f = config(
      "export default { get models(): never { throw new TypeError('boom from a getter'); } };\n",
      'ts',
    );
    const r = await runMaspo(['run', '--config', f], cwd);
    expect(r.out.trim()).toBe('maspo: internal error: boom from a getter (set MASPO_DEBUG=1 for the stack)');
    expect(r.code).toBe(70);
    const debug = await runWithEnv(['run', '--config', f], { MASPO_DEBUG: '1' });
    expect(debug.out).toMatch(STACK);
    expect(debug.code).toBe(70);
  });

  it('130: Ctrl-C (SIGINT) during a run', async () => {
    let arrived: () => void = () => {};
    const first = new Promise<void>((ok) => {
      arrived = ok;
    });
    // Holds every request: the run is mid-flight when the signal comes.
    const server = await startLoopback(() => {
      arrived();
    });
    servers.push(server);
    const f = withModel(`openai-compatible:m@${server.url}/v1`);
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/maspo.js'), 'run', '--config', f, '--no-progress', '--limit', '2'],
      {
        cwd,
        env: { ...process.env, MASPO_DATA_DIR: requireDataDir() },
      },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += String(c);
    });
    const exit = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    await first;
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(err).toContain('maspo: interrupted (Ctrl-C)');
    expect(err).not.toMatch(STACK);
  });
});

describe('exitFor: the one table, for every kind of error', () => {
  const rows: Array<[string, unknown, number]> = [
    ['commander usage error', new CommanderError(1, 'commander.unknownOption', 'x'), EXIT.usage],
    ['--help / --version', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), EXIT.ok],
    ['UsageError', new UsageError('--limit must be a positive integer'), EXIT.usage],
    ['InvalidConfigError', new InvalidConfigError('c.yaml', [{ path: 'seed', message: 'bad' }]), EXIT.usage],
    [
      'provider HTTP error',
      new ProviderError('openai: HTTP 401: bad key', { status: 401, retryable: false }),
      EXIT.usage,
    ],
    ['retries exhausted', new RetriesExhaustedError(5, new Error('HTTP 503')), EXIT.usage],
    [
      'unreachable endpoint',
      new EndpointUnreachableError('openai', 'api.openai.com:443', 'ENOTFOUND'),
      EXIT.usage,
    ],
    ['port in use', Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), EXIT.usage],
    ['threshold', new ThresholdError('3 of 3 items errored'), EXIT.gateFailed],
    ['budget', new BudgetExhaustedError('total', 'calls', 3, 3), EXIT.gateFailed],
    ['Ctrl-C', new InterruptedError('interrupted (Ctrl-C)'), EXIT.interrupted],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')"), EXIT.internal],
    ['a non-Error throw', 'weird', EXIT.internal],
  ];
  it.each(rows)('%s', (_what, err, code) => {
    const d = exitFor(err);
    expect(d.code).toBe(code);
    expect(d.message).not.toMatch(STACK);
  });

  it('an internal error is one line naming MASPO_DEBUG; with debug, the stack is added', () => {
    const err = new TypeError('boom\nsecond line');
    expect(exitFor(err).message).toBe('maspo: internal error: boom (set MASPO_DEBUG=1 for the stack)');
    expect(exitFor(err, true).message).toMatch(STACK);
    expect(exitFor(new UsageError('bad'), true).message).toMatch(STACK);
  });
});

function runWithEnv(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/maspo.js'), ...args], {
      cwd,
      env: { ...process.env, MASPO_DATA_DIR: requireDataDir(), ...env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += String(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      out += String(c);
    });
    child.on('exit', (code) => done({ code: code ?? -1, out }));
  });
}
