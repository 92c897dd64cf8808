import { distance } from 'fastest-levenshtein';

/**
 * The known name closest to `input` when it is near enough to be a typo (`round` → `rounds`,
 * `optimise` → `optimize`, `sim-smal` → `sim-small`), else undefined. Case is ignored.
 */
export function closestName(input: string, names: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = distance(lower, name.toLowerCase());
    if (d > Math.max(2, Math.floor(name.length / 3))) continue;
    if (!best || d < best.d) best = { name, d };
  }
  return best?.name;
}
