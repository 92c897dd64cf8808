import { CommanderError } from 'commander';
import { ThresholdError, UsageError } from '../errors.js';
import { isAbort } from '../llm/errors.js';

/**
 * The one table from an error to the exit code of every `maspo` command (docs/cli.md, "Exit codes").
 *
 *   0    success
 *   1    a gate or threshold failed (and only that: CI reads 1 as "a benchmark regressed")
 *   2    unusable input or usage: bad flag, bad config, missing key, unreachable endpoint, corrupt file
 *   70   internal error: a bug in maspo (EX_SOFTWARE from sysexits.h). Not 1, because 1 must only mean
 *        that a gate failed; not 2, because the user's input was not at fault
 *   130  interrupted (Ctrl-C), 128 + SIGINT as shells report it
 */
export const EXIT = { ok: 0, gateFailed: 1, usage: 2, internal: 70, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Failures of the user's input or environment that other layers raise with their own classes (known by
 * name, so this module imports none of them): one line, no stack, exit 2.
 */
const EXPECTED_NAMES = new Set([
  'ConfigError', // llm: invalid model reference, missing API key
  'ZodError',
  'HarnessInputError',
  'StalePromptsError',
  'ResumeError',
  'WorldError',
  'GraphError',
  'SandboxUnavailableError',
  'PullError',
  'EndpointUnreachableError',
  // Provider failures (HTTP errors after retries, malformed replies, timeouts, replay misses)
  'LlmError',
  'ProviderError',
  'TimeoutError',
  'RetriesExhaustedError',
  'CacheMissError',
]);

/** A limit the user set was reached: a threshold failed (exit 1), like a gate. */
const THRESHOLD_NAMES = new Set(['BudgetExhaustedError', 'JudgeErrorBudgetError']);

/** System errors that are the environment's, not maspo's: port in use, missing or unreadable file, … */
const EXPECTED_ERRNO = new Set([
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EACCES',
  'EPERM',
  'ENOENT',
  'EISDIR',
  'ENOTDIR',
  'ENOSPC',
  'EROFS',
  'EMFILE',
]);

export interface ExitDecision {
  code: ExitCode;
  /** What to print on stderr (one line unless `debug`); empty when already printed (commander). */
  message: string;
}

/** Where `err` lands in the table, and the line to print. `debug` (MASPO_DEBUG=1) adds the stack. */
export function exitFor(err: unknown, debug = false): ExitDecision {
  const withStack = (line: string): string =>
    debug && err instanceof Error && err.stack ? `${line}\n${err.stack}` : line;
  if (err instanceof CommanderError) {
    // Commander printed its own message (unknown option, missing argument, …) or the help/version.
    return { code: err.exitCode === 0 ? EXIT.ok : EXIT.usage, message: '' };
  }
  if (!(err instanceof Error)) {
    return { code: EXIT.internal, message: `maspo: internal error: ${String(err)}` };
  }
  // A usage message may list several problems (one per line); it is printed whole, never with a stack.
  const firstLine = err.message.trimEnd();
  if (isAbort(err)) return { code: EXIT.interrupted, message: withStack(`maspo: ${firstLine}`) };
  if (err instanceof ThresholdError || THRESHOLD_NAMES.has(err.name))
    return { code: EXIT.gateFailed, message: withStack(`maspo: ${firstLine}`) };
  if (err instanceof UsageError || EXPECTED_NAMES.has(err.name))
    return { code: EXIT.usage, message: withStack(`maspo: ${firstLine}`) };
  const errno = (err as NodeJS.ErrnoException).code;
  if (typeof errno === 'string' && EXPECTED_ERRNO.has(errno)) {
    const hint =
      errno === 'EADDRINUSE' ? ' (the port is in use: pick another one or stop what holds it)' : '';
    return { code: EXIT.usage, message: withStack(`maspo: ${firstLine}${hint}`) };
  }
  const oneLine = err.message.split('\n')[0] ?? '';
  return {
    code: EXIT.internal,
    message: debug
      ? `maspo: internal error: ${err.stack ?? oneLine}`
      : `maspo: internal error: ${oneLine} (set MASPO_DEBUG=1 for the stack)`,
  };
}

/** Whether MASPO_DEBUG asks for stacks. */
export const debugEnabled = (env: NodeJS.ProcessEnv = process.env): boolean =>
  Boolean(env.MASPO_DEBUG) && env.MASPO_DEBUG !== '0';
