import { UsageError } from '../errors.js';

/**
 * A benchmark data file is missing, unreadable, corrupt or not what its checksum says. The message
 * names the file and how to get a good copy. It is a UsageError, so the CLI prints it and exits 2.
 */
export class DataError extends UsageError {
  override name = 'DataError';
  constructor(
    message: string,
    /** Path of the offending file (absolute) when there is one. */
    readonly file?: string,
  ) {
    super(message);
  }
}

/** The standard "how to get it" advice appended to data errors. */
export function howToGetData(relPath?: string): string {
  const what = relPath ? `'${relPath}'` : 'the benchmark files';
  return (
    `Get ${what} with \`maspo data pull --dest <dir>\` (downloads from the upstream repositories and checks ` +
    `sha256), then point MASPO_DATA_DIR (or \`data.dir\` in the config) at that folder; ` +
    '`maspo data verify` checks a folder. See docs/datasets.md.'
  );
}
