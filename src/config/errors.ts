import { UsageError } from '../errors.js';

export interface ConfigIssue {
  /** Dotted path of the field, e.g. `system.edges[2]`. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
  /** 1-based line in the YAML file (best effort; absent for TS configs and fields not written). */
  line?: number;
  /** Where to look for the line when it is not `path` itself (e.g. the unknown key under `path`). */
  at?: string;
}

const where = (i: ConfigIssue): string =>
  i.path ? `${i.path}${i.line ? ` (line ${i.line})` : ''}: ` : i.line ? `line ${i.line}: ` : '';

/** A config that cannot be used; the message names the file, every bad field and its fix. (CLI exit 2.) */
export class InvalidConfigError extends UsageError {
  override name = 'InvalidConfigError';
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      issues.length === 1
        ? `${file}: ${where(issues[0]!)}${issues[0]!.message}`
        : `${file}: ${issues.length} problems:\n${issues.map((i) => `  - ${where(i)}${i.message}`).join('\n')}`,
    );
  }
}
