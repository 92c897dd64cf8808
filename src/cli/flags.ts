import { UsageError } from '../errors.js';

/** A flag that must be a positive integer (`--limit 5`); absent stays undefined. */
export const positiveInt = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${v}"`);
  return n;
};
