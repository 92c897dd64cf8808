/** Unusable input (bad flag, missing or invalid file): the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
