import type { z } from 'zod';

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
};

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Looks through wrappers (optional, default, pipe, …) to the schema that gives the value's shape. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 20; i++) {
    const d = defOf(cur);
    const next = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (!next) return cur;
    cur = next;
  }
  return cur;
}

/**
 * The field names the object schema at `path` (inside `schema`) accepts, for "did you mean" on unknown
 * keys at any depth (`system.round`, `llm.cache.mdoe`, `benchmarks[0].fille`); empty when unknown.
 */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let cur: z.ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    if (!cur) return [];
    const d = defOf(cur);
    if (d.type === 'object') cur = d.shape?.[String(seg)];
    else if (d.type === 'array') cur = d.element;
    else if (d.type === 'record') cur = d.valueType;
    else if (d.type === 'union') cur = d.options?.find((o) => defOf(unwrap(o)).type === 'object');
    else return [];
    if (cur) cur = unwrap(cur);
  }
  if (!cur) return [];
  let d = defOf(cur);
  if (d.type === 'union') {
    const obj = d.options?.find((o) => defOf(unwrap(o)).type === 'object');
    if (!obj) return [];
    d = defOf(unwrap(obj));
  }
  return d.type === 'object' ? Object.keys(d.shape ?? {}) : [];
}
