/** Pulling Python code out of a model's full reply. */

const PY_LANGS = new Set(['', 'python', 'py', 'python3', 'py3', 'python 3', 'ipython', 'pycon']);

interface Block {
  lang: string;
  body: string;
}

function fencedBlocks(reply: string): Block[] {
  const blocks: Block[] = [];
  const re = /(^|\n)[ \t]*(`{3,}|~{3,})[ \t]*([^\n`]*)\n/g;
  let m: RegExpExecArray | null = re.exec(reply);
  while (m) {
    const fence = m[2]!;
    const lang = m[3]!.trim().toLowerCase().split(/[\s{]/)[0] ?? '';
    const start = m.index + m[0].length;
    // The closing fence: same character, at least as long, alone on its line (or the reply's end when cut off).
    const close = new RegExp(
      `(^|\\n)[ \\t]*${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*(?=\\n|$)`,
      'g',
    );
    close.lastIndex = start - 1;
    const c = close.exec(reply);
    let body: string;
    if (c) {
      body = reply.slice(start, Math.max(start, c.index));
      re.lastIndex = c.index + c[0].length;
    } else {
      body = reply.slice(start); // unterminated (truncated reply)
      re.lastIndex = reply.length;
    }
    blocks.push({ lang, body: body.replace(/\s+$/, '') });
    m = re.exec(reply);
  }
  return blocks;
}

function definesName(code: string, name: string): boolean {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^[ \\t]*(async[ \\t]+)?def[ \\t]+${esc}[ \\t]*\\(|^[ \\t]*class[ \\t]+${esc}\\b`,
    'm',
  ).test(code);
}

const CODE_START =
  /^(def |async def |class |import |from \S+ import |@|#|if |elif |else:|for |while |try:|except|finally:|with |return\b|raise\b|pass\b|print\(|assert |[A-Za-z_][\w.]*(\[[^\]]*\])?\s*(=|\+=|-=|\*=|\/=|\(|,)|'''|""")/;

function isCodeLine(line: string): boolean {
  if (!line.trim()) return true;
  if (/^[ \t]/.test(line)) return true;
  return CODE_START.test(line);
}

/** Strips a `>>> ` REPL transcript prefix when every code line carries one. */
function fromRepl(body: string): string {
  const lines = body.split('\n');
  if (!lines.some((l) => l.startsWith('>>> '))) return body;
  const code = lines.filter((l) => l.startsWith('>>> ') || l.startsWith('... '));
  return code.map((l) => l.slice(4)).join('\n');
}

/**
 * The Python program in a reply.
 * 1. Fenced blocks (```python, ```py, or untagged; a block cut off at the reply's end counts): the last
 *    one that defines `entryPoint`; else the last one defining any function or class; else the last one.
 * 2. No usable fence: the whole reply when every line looks like code; else, with an entry point, the
 *    longest run of code-looking lines that defines it.
 * Returns null when there is no code.
 */
export function extractCode(reply: string, entryPoint?: string): string | null {
  if (typeof reply !== 'string') return null;
  const text = reply.replace(/\r\n?/g, '\n');
  const blocks = fencedBlocks(text).filter((b) => PY_LANGS.has(b.lang) && b.body.trim());
  if (blocks.length) {
    const bodies = blocks.map((b) => (b.lang === 'pycon' ? fromRepl(b.body) : b.body));
    const pick =
      (entryPoint ? bodies.filter((b) => definesName(b, entryPoint)).pop() : undefined) ??
      bodies.filter((b) => /^[ \t]*(async[ \t]+)?(def|class)[ \t]+\w/m.test(b)).pop() ??
      bodies[bodies.length - 1]!;
    return pick.replace(/^\n+/, '');
  }
  const trimmed = text.replace(/^\s*\n/, '').replace(/\s+$/, '');
  if (!trimmed.trim()) return null;
  const lines = trimmed.split('\n');
  const hasDef = lines.some((l) => /^[ \t]*(async[ \t]+)?(def|class)[ \t]+\w/.test(l));
  if (hasDef && lines.every(isCodeLine)) return trimmed;
  if (!hasDef) return null;
  // Prose around unfenced code: the longest run of code lines containing the entry point (or any def).
  let best: string | null = null;
  let bestScore = -1;
  let i = 0;
  while (i < lines.length) {
    if (!lines[i]!.trim() || !isCodeLine(lines[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && isCodeLine(lines[j]!)) j++;
    const run = lines.slice(i, j).join('\n').replace(/\s+$/, '');
    const hasEntry = entryPoint ? definesName(run, entryPoint) : false;
    const anyDef = /^[ \t]*(async[ \t]+)?(def|class)[ \t]+\w/m.test(run);
    if (anyDef) {
      const score = (hasEntry ? 1e6 : 0) + run.length;
      if (score > bestScore) {
        bestScore = score;
        best = run;
      }
    }
    i = j;
  }
  return best;
}

/**
 * Code normalised for comparing two answers (majority votes): line endings, trailing spaces, blank
 * lines and full-line comments do not matter; a trailing `# ...` comment outside strings is dropped.
 */
export function normaliseCode(code: string): string {
  return code
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, '    ')
    .split('\n')
    .map((l) => stripTrailingComment(l).replace(/\s+$/, ''))
    .filter((l) => l.trim() && !/^\s*#/.test(l))
    .join('\n');
}

function stripTrailingComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') return line.slice(0, i);
  }
  return line;
}
