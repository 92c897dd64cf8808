/**
 * Best-effort line numbers for config field paths. js-yaml gives no positions for parsed nodes, so this
 * walks the source text: each key is looked for at the indentation directly below its parent, each
 * `[n]` is the n-th `- ` item of its list. When a step cannot be followed (flow style such as
 * `{ id: a }` or `[a, b]`, a missing field) the line of the deepest part found is returned, which is
 * where the fix goes. Returns undefined when not even the first key is found.
 */

/** `system.agents[1].prompt` → `['system', 'agents', 1, 'prompt']`. */
export function splitPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

interface Line {
  /** Column of the first non-space character. */
  indent: number;
  /** Column where the key (if any) starts: after a leading `- `. */
  keyCol: number;
  dash: boolean;
  key: string | null;
  blank: boolean;
}

const KEY = /^(?:"([^"]*)"|'([^']*)'|([^\s:#{}[\],&*!|>'"%@`-][^:#]*?|-[^\s:#][^:#]*?))\s*:(?:\s|$)/;

function scan(text: string): Line[] {
  return text.split(/\r?\n/).map((raw) => {
    const indent = raw.length - raw.trimStart().length;
    let rest = raw.slice(indent);
    const blank = rest === '' || rest.startsWith('#');
    let keyCol = indent;
    let dash = false;
    const d = /^-(\s+|$)/.exec(rest);
    if (d) {
      dash = true;
      keyCol += d[0].length;
      rest = rest.slice(d[0].length);
    }
    const k = KEY.exec(rest);
    return { indent, keyCol, dash, key: k ? (k[1] ?? k[2] ?? k[3] ?? null) : null, blank };
  });
}

/** 1-based line of `path` in the YAML `text`, or undefined. */
export function lineOfPath(text: string, path: string | Array<string | number>): number | undefined {
  const segs = typeof path === 'string' ? splitPath(path) : path;
  const lines = scan(text);
  let start = 0;
  let end = lines.length;
  let parentCol = -1;
  /** The line of a list item just entered: its first key sits on the `- ` line itself. */
  let item: number | undefined;
  let found: number | undefined;
  for (const seg of segs) {
    let hit: number | undefined;
    if (typeof seg === 'number') {
      // A block list sits below its key, indented or not (`agents:\n- id: a` is valid YAML).
      let col = Number.POSITIVE_INFINITY;
      for (let i = start; i < end; i++) {
        const l = lines[i]!;
        if (!l.blank && l.dash && l.indent >= parentCol) col = Math.min(col, l.indent);
      }
      let n = -1;
      for (let i = start; i < end && hit === undefined; i++) {
        const l = lines[i]!;
        if (!l.blank && l.dash && l.indent === col && ++n === seg) hit = i;
      }
      if (hit === undefined) break;
      found = hit;
      item = hit;
      parentCol = lines[hit]!.indent;
      start = hit;
      end = rangeEnd(lines, hit, parentCol, false);
      continue;
    }
    let childCol = Number.POSITIVE_INFINITY;
    if (item !== undefined) childCol = lines[item]!.keyCol;
    else {
      for (let i = start; i < end; i++) {
        const l = lines[i]!;
        if (!l.blank && l.keyCol > parentCol) childCol = Math.min(childCol, l.keyCol);
      }
    }
    for (let i = start; i < end && hit === undefined; i++) {
      const l = lines[i]!;
      if (!l.blank && l.key === seg && l.keyCol === childCol) hit = i;
    }
    if (hit === undefined) break;
    found = hit;
    item = undefined;
    parentCol = lines[hit]!.keyCol;
    start = hit + 1;
    end = rangeEnd(lines, hit, parentCol, true);
  }
  return found === undefined ? undefined : found + 1;
}

/** The first line after `from` that is outside the node opened there (its indentation is not deeper). */
function rangeEnd(lines: Line[], from: number, col: number, isKey: boolean): number {
  for (let i = from + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.blank) continue;
    // Under a key, a list may sit at the key's own column.
    if (isKey && l.dash && l.indent === col) continue;
    if (l.indent <= col) return i;
  }
  return lines.length;
}
