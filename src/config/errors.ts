import { UsageError } from '../cli/errors.js';

export interface ConfigIssue {
  /** Dotted path of the field, e.g. `system.edges[2]`. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/** A config that cannot be used; the message names the file, every bad field and its fix. (CLI exit 2.) */
export class InvalidConfigError extends UsageError {
  override name = 'InvalidConfigError';
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      issues.length === 1
        ? `${file}: ${issues[0]!.path ? `${issues[0]!.path}: ` : ''}${issues[0]!.message}`
        : `${file}: ${issues.length} problems:\n${issues.map((i) => `  - ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`,
    );
  }
}
