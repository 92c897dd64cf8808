/**
 * Limits on what a config file may expand to. A YAML alias ("billion laughs") bomb of a few hundred bytes
 * expands to gigabytes once something walks it (validation, hashing, printing); these bounds stop it
 * right after parsing, before anything else touches the value.
 */

/** Largest config file read (a real config is a few kilobytes). */
export const MAX_CONFIG_BYTES = 5 * 1024 * 1024;

/** Most values (mappings, lists and scalars, each alias use counted again) a config may expand to. */
export const MAX_CONFIG_NODES = 100_000;

/**
 * Counts the values of `root` as a walk would visit them (an object reached through two aliases counts
 * twice), stopping as soon as the count passes `limit`. Returns the count, or `limit + 1` when over.
 */
export function countNodes(root: unknown, limit = MAX_CONFIG_NODES): number {
  let count = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (++count > limit) return limit + 1;
    if (v && typeof v === 'object') {
      const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
      // Pushing a huge list at once is itself bounded: never more than the nodes still allowed.
      const room = limit - count + 1;
      for (let i = 0; i < children.length && i < room; i++) stack.push(children[i]);
      if (children.length > room) return limit + 1;
    }
  }
  return count;
}
