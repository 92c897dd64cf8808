/** Minimal tagged-section helpers shared by the request builders and their parsers. */

export function section(tag: string, body: string): string {
  return `<${tag}>\n${body}\n</${tag}>`;
}

/** Body of the first `<tag>…</tag>` section at or after `from`, or null. */
export function readSection(text: string, tag: string, from = 0): { body: string; end: number } | null {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  const start = text.indexOf(open, from);
  if (start < 0) return null;
  const bodyStart = start + open.length;
  const stop = text.indexOf(close, bodyStart);
  if (stop < 0) return null;
  return { body: trimNewlines(text.slice(bodyStart, stop)), end: stop + close.length };
}

/** Body of the last `<tag>…</tag>` section (model replies may quote the tag earlier). */
export function readLastSection(text: string, tag: string): string | null {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  const start = text.lastIndexOf(open);
  if (start < 0) return null;
  const stop = text.indexOf(close, start + open.length);
  const body = stop < 0 ? text.slice(start + open.length) : text.slice(start + open.length, stop);
  return trimNewlines(body);
}

export function readAllSections(text: string, tag: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const s = readSection(text, tag, from);
    if (!s) return out;
    out.push(s.body);
    from = s.end;
  }
}

function trimNewlines(s: string): string {
  return s.replace(/^\n/, '').replace(/\n$/, '');
}
