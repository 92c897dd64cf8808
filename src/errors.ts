/** Unusable input (bad flag, missing or invalid file): the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A gate or a threshold the user set failed (e.g. `maspo run --max-error-rate`): the CLI exits 1. */
export class ThresholdError extends Error {
  override name = 'ThresholdError';
}
