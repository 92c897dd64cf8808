/**
 * String normalisation and structure splitting for math answers. Everything here is plain string work:
 * no algebra. The algebra (parsing LaTeX, numeric evaluation) lives in math-eval.ts.
 *
 * Order matters and each step is deliberately narrow: wrong-but-similar answers must stay different
 * (`(3,4]` vs `(3,4)`, `1,000` vs `1`, `2\sqrt{2}` vs `\sqrt{2}`).
 */

/** Unit words removed after a number (PRM800K-sized list; never single letters). */
const UNIT_WORDS = [
  'square units',
  'sq units',
  'units',
  'unit',
  'square feet',
  'square inches',
  'square meters',
  'square centimeters',
  'square cm',
  'square yards',
  'square miles',
  'cubic feet',
  'cubic inches',
  'cubic centimeters',
  'cubic meters',
  'cubic units',
  'degrees',
  'degree',
  'cm',
  'centimeters',
  'centimeter',
  'meters',
  'meter',
  'km',
  'kilometers',
  'kilometer',
  'mm',
  'millimeters',
  'inches',
  'inch',
  'feet',
  'foot',
  'yards',
  'yard',
  'miles',
  'mile',
  'mph',
  'seconds',
  'second',
  'minutes',
  'minute',
  'hours',
  'hour',
  'days',
  'day',
  'weeks',
  'week',
  'months',
  'month',
  'years',
  'year',
  'dollars',
  'dollar',
  'cents',
  'cent',
  'pounds',
  'pound',
  'ounces',
  'ounce',
  'grams',
  'gram',
  'kg',
  'liters',
  'liter',
  'gallons',
  'gallon',
  'people',
  'ways',
  'points',
  'students',
  'sq ft',
  'ft',
  'in',
  'percentage',
  'percent',
  'pct',
];
const UNIT_ALT = UNIT_WORDS.map((w) => w.replace(/ /g, '\\s+')).join('|');
/** A unit after a number at the very end ("5 cm", "864 inches^2"); only after a digit or closing brace. */
const TRAILING_UNIT_AFTER_NUMBER = new RegExp(`([0-9}])\\s*(?:${UNIT_ALT})(?:\\^\\{?[23]\\}?)?\\s*\\.?$`);

/** Index of the brace matching the one at `open` (which must be `{`), or -1. */
export function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++; // skip escaped char (\{ \} do not count)
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Replaces every `\cmd{...}` (brace-matched) by `fn(content)`. */
function replaceCommand(s: string, cmd: string, fn: (content: string) => string): string {
  const needle = `\\${cmd}`;
  let out = s;
  let from = 0;
  for (let guard = 0; guard < 1000; guard++) {
    const at = out.indexOf(needle, from);
    if (at < 0) break;
    let j = at + needle.length;
    // the command must end here (\text vs \textbf)
    if (/[a-zA-Z]/.test(out[j] ?? '')) {
      from = j;
      continue;
    }
    while (out[j] === ' ') j++;
    if (out[j] !== '{') {
      from = j;
      continue;
    }
    const end = matchBrace(out, j);
    if (end < 0) break;
    const rep = fn(out.slice(j + 1, end));
    out = out.slice(0, at) + rep + out.slice(end + 1);
    from = at + rep.length;
  }
  return out;
}

/** Brace `\frac12` → `\frac{1}{2}`, `\frac1{2}`, `\frac{1}2`, `\sqrt2` → `\sqrt{2}`. */
function fixShorthand(s: string): string {
  let out = s;
  // \frac with unbraced single-char arguments (digits or letters), possibly separated by spaces.
  out = out.replace(/\\frac\s*([0-9a-zA-Z])\s*([0-9a-zA-Z])/g, '\\frac{$1}{$2}');
  out = out.replace(/\\frac\s*([0-9a-zA-Z])\s*\{/g, '\\frac{$1}{');
  // \frac{a}b
  out = out.replace(/\\frac\{([^{}]*)\}\s*([0-9a-zA-Z])/g, '\\frac{$1}{$2}');
  out = out.replace(/\\sqrt\s*([0-9a-zA-Z])/g, '\\sqrt{$1}');
  return out;
}

/** Removes one layer of wrapping `{…}` while it spans the whole string. */
function stripOuterBraces(s: string): string {
  let out = s;
  while (out.startsWith('{') && matchBrace(out, 0) === out.length - 1) out = out.slice(1, -1).trim();
  return out;
}

/**
 * Halves doubled backslashes (`\\frac` from a string escaped twice) — only when *every* command in the
 * string is doubled, so a real matrix row break (`1 \\ 2`) next to single-backslash commands is kept.
 * A literal `\n` left by the same escaping becomes a newline.
 */
export function undoubleBackslashes(s: string): string {
  if (!s.includes('\\\\')) return s;
  // a literal "\n" left by the same escaping (not a command such as \nu or \neq)
  const literalNewline = /(?<!\\)\\n(?![a-zA-Z])/g;
  const rest = s.replace(literalNewline, ' ');
  // doubled: some `\\cmd`, and no single-backslash command `\cmd` anywhere
  if (!/\\\\[a-zA-Z]/.test(rest) || /(?<!\\)\\[a-zA-Z]/.test(rest)) return s;
  return s.replace(literalNewline, '\n').replace(/\\\\/g, '\\');
}

/** Unwraps a whole-string `$…$`, `$$…$$`, `\(…\)`, `\[…\]`. */
export function stripMathDelimiters(s: string): string {
  let out = s.trim();
  for (let guard = 0; guard < 5; guard++) {
    const before = out;
    if (out.startsWith('$$') && out.endsWith('$$') && out.length >= 4) out = out.slice(2, -2).trim();
    else if (out.startsWith('$') && out.endsWith('$') && out.length >= 2 && !out.startsWith('\\$'))
      out = out.slice(1, -1).trim();
    else if (out.startsWith('\\(') && out.endsWith('\\)')) out = out.slice(2, -2).trim();
    else if (out.startsWith('\\[') && out.endsWith('\\]')) out = out.slice(2, -2).trim();
    if (out === before) break;
  }
  return out;
}

/** Removes thousands separators only where the whole token is a properly grouped number. */
function removeThousands(s: string): string {
  // not inside a bracket pair like (2,100), which is a point, nor in a longer list like 1,000,2
  return s.replace(
    /(^|[^\d.,([])(\d{1,3}(?:,\d{3})+)(?!\d|,\d|\s*[)\]])/g,
    (_m, pre: string, num: string) => {
      return pre + num.replace(/,/g, '');
    },
  );
}

/**
 * Collapses whitespace. A space is kept only between a command and a following letter
 * (`\cot x` must not become `\cotx`).
 */
function collapseSpaces(s: string): string {
  return s.replace(/\s+/g, (_m, offset: number, whole: string) => {
    const before = whole.slice(0, offset);
    const next = whole[offset + _m.length] ?? '';
    if (/\\[a-zA-Z]+$/.test(before) && /[a-zA-Z0-9]/.test(next)) return ' ';
    return '';
  });
}

/** Plain-text math: `sqrt(3)`, `sqrt 3`, the word `pi`. */
function plainTextMath(s: string): string {
  return s
    .replace(/(?<![\\a-zA-Z])sqrt\s*\(([^()]*)\)/g, '\\sqrt{$1}')
    .replace(/(?<![\\a-zA-Z])sqrt\s*(\d+)/g, '\\sqrt{$1}')
    .replace(/(?<![\\a-zA-Z])pi(?![a-zA-Z])/g, '\\pi ');
}

/** `>=`, `<=`, `!=`, `\lt`, `\geqslant`, `≠` … → one spelling each (`\ge`, `\le`, `\ne`, `<`, `>`). */
function canonicalRelations(s: string): string {
  return s
    .replace(/>=|\\geq?slant(?![a-zA-Z])|\\geq(?![a-zA-Z])/g, '\\ge ')
    .replace(/<=|\\leq?slant(?![a-zA-Z])|\\leq(?![a-zA-Z])/g, '\\le ')
    .replace(/!=|\\neq(?![a-zA-Z])/g, '\\ne ')
    .replace(/\\lt(?![a-zA-Z])/g, '<')
    .replace(/\\gt(?![a-zA-Z])/g, '>');
}

/** Unicode symbols models like to print, mapped to LaTeX. */
function fromUnicode(s: string): string {
  return s
    .replace(/[−–—]/g, '-')
    .replace(/π/g, '\\pi ')
    .replace(/∞/g, '\\infty ')
    .replace(/×/g, '\\times ')
    .replace(/·|⋅/g, '\\cdot ')
    .replace(/≤/g, '\\le ')
    .replace(/≥/g, '\\ge ')
    .replace(/≠/g, '\\ne ')
    .replace(/∪/g, '\\cup ')
    .replace(/±/g, '\\pm ')
    .replace(/√\s*\{/g, '\\sqrt{')
    .replace(/√\s*\(([^()]*)\)/g, '\\sqrt{$1}')
    .replace(/√\s*([0-9a-zA-Z]+)/g, '\\sqrt{$1}')
    .replace(/°/g, '^\\circ')
    .replace(/²/g, '^2')
    .replace(/³/g, '^3')
    .replace(/[€£¥]/g, '');
}

/**
 * Normalises one answer string. Idempotent: normalize(normalize(x)) === normalize(x).
 */
export function normalizeMath(raw: string): string {
  let s = undoubleBackslashes(raw.trim());
  s = s.replace(/^\*\*(.*)\*\*$/s, '$1').trim(); // markdown bold
  s = stripMathDelimiters(s);
  // a box that never closes around the whole answer (a gold cut short): drop the opening
  if (/^\\(?:boxed|fbox)\s*\{/.test(s) && matchBrace(s, s.indexOf('{')) < 0)
    s = s.replace(/^\\(?:boxed|fbox)\s*\{/, '');
  // a whole \boxed{...} / \fbox{...}
  for (let guard = 0; guard < 3; guard++) {
    const m = /^\\(?:boxed|fbox)\s*\{/.exec(s);
    if (!m) break;
    const end = matchBrace(s, m[0].length - 1);
    if (end !== s.length - 1) break;
    s = s.slice(m[0].length, -1).trim();
  }
  s = s.replace(/\s*(?:\.|,|;)\s*$/, '');
  s = fromUnicode(s);
  s = plainTextMath(s);
  s = s.replace(/\n/g, ' ');
  s = s.replace(/\\displaystyle|\\textstyle/g, '');
  s = s.replace(/\\left\s*\\\{/g, '\\{').replace(/\\right\s*\\\}/g, '\\}');
  s = s.replace(/\\left\s*\.|\\right\s*\./g, '');
  s = s.replace(/\\left|\\right|\\bigl|\\bigr|\\Bigl|\\Bigr|\\big|\\Big/g, '');
  s = s.replace(/\\lbrace/g, '\\{').replace(/\\rbrace/g, '\\}');
  s = s.replace(/\\langle/g, '(').replace(/\\rangle/g, ')');
  // thousands written 12,\!000 or 12{,}000 (before \! goes away and leaves "12, 000")
  s = s.replace(/(\d),\s*\\!\s*(?=\d{3})/g, '$1,').replace(/(\d)\s*\{\s*,\s*\}\s*(?=\d{3})/g, '$1,');
  // spaces between answers: \quad, \qquad (also glued to a following letter: "\quadx_2")
  s = s.replace(/\\q?quad/g, ' ');
  s = canonicalRelations(s);
  // spacing commands; the look-behind keeps matrix row separators (\\) intact
  s = s.replace(/(?<!\\)\\!/g, '');
  s = s.replace(/\{,\}/g, ',');
  s = s.replace(/(?<!\\)\\[,;:>]|~/g, ' ');
  s = s.replace(/(?<!\\)\\ /g, ' ');
  s = s.replace(/\\[dtc]frac/g, '\\frac');
  s = s.replace(
    /\\(?:mbox|textbf|textrm|textnormal|textit|mathrm|mathbf|mathit|mathsf|texttt|emph)(?![a-zA-Z])/g,
    '\\text',
  );
  // degrees
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree/g, '');
  // percent and dollars
  s = s.replace(/\\%|%|\\\$|\$/g, '');
  s = s.replace(/\\(?:percent)(?![a-zA-Z])/g, '');
  // units written as \text{ cm} after something; and the unit's exponent (\mbox{ inches}^2)
  s = s.replace(
    /(\S)\s*\\text\s*\{\s*([a-zA-Z][a-zA-Z .]*)\}(?:\^\{?[23]\}?)?\s*$/,
    (m, pre: string, word: string) => {
      const w = word.trim().replace(/\.$/, '');
      return new RegExp(`^(?:${UNIT_ALT})$`, 'i').test(w) || /^\s/.test(word) ? pre : m;
    },
  );
  // \text{ and }, \text{or} between answers: a group separator (see parseStructure)
  s = s.replace(/\\text\s*\{\s*(?:and|or)\s*\}/g, ';');
  s = replaceCommand(s, 'text', (c) => c);
  s = replaceCommand(s, 'textup', (c) => c);
  s = replaceCommand(s, 'operatorname', (c) => `\\${c.trim()} `);
  s = s.replace(/\s+(?:and|or)\s+/g, '; ');
  // "(11,7)or(7,11)", "W(x)=1orW(x)=-1": a connector glued between two answers
  s = s.replace(/(?<=[0-9)\]}])(?:or|and)(?=[A-Z([\\-])/g, ';');
  // infinity words
  s = s.replace(/\binfinity\b|\binf\b/gi, '\\infty');
  s = s.replace(/\\infty(?=[a-zA-Z])/g, '\\infty ');
  s = fixShorthand(s);
  s = s.replace(/\\binom\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, '\\frac{($1)!}{($2)!(($1)-($2))!}');
  // base-n numerals: 52_{8} → 52_8
  s = s.replace(/(\d)_\{(\d+)\}/g, '$1_$2');
  s = removeThousands(s);
  // trailing plain unit words after a number
  for (let guard = 0; guard < 3; guard++) {
    const before = s;
    s = s.replace(TRAILING_UNIT_AFTER_NUMBER, '$1').trim();
    if (s === before) break;
  }
  s = s.replace(/\s*\\?\s*(?:dollars?|cents?)$/i, '').trim();
  // metric area/volume units after a number ("1,000.99m²", "12 cm^3"); a bare letter unit (m) stays
  s = s.replace(/(\d)\s*(?:k|c|m)?m\^\{?[23]\}?$/, '$1');
  // `x \in [a,b]` → `[a,b]`
  s = s.replace(/^[a-zA-Z]\s*\\in\s*/, '');
  s = collapseSpaces(s.trim());
  s = stripOuterBraces(s);
  // mixed numbers 7\frac{3}{4} → (7+\frac{3}{4})
  s = s.replace(
    /(^|[^\d.}_^a-zA-Z])(\d+)\\frac\{(\d+)\}\{(\d+)\}/g,
    (m, pre: string, w: string, n: string, d: string) =>
      Number(n) < Number(d) ? `${pre}(${w}+\\frac{${n}}{${d}})` : m,
  );
  // numbers: leading dot, trailing zeros of decimals, integral floats
  s = s.replace(/(^|[^\d])\.(\d)/g, '$10.$2');
  s = s.replace(/(\d+)\.(\d*?)0+(?![\d])/g, (_m, i: string, f: string) => (f ? `${i}.${f}` : i));
  s = s.replace(/(\d)\.(?![\d\\])/g, '$1');
  // multiple-choice letters: (C), C), \text{(C)}
  const letter = /^\(?([A-Z])\)$|^\(([A-Z])\)?$/.exec(s);
  if (letter) s = (letter[1] ?? letter[2])!;
  return s;
}

/** Splits at top-level occurrences of `sep` (outside (), [], {}). */
export function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      if (depth === 0 && s.startsWith(sep, i) && sep.startsWith('\\')) {
        const after = s[i + sep.length] ?? '';
        if (!/[a-zA-Z]/.test(after)) {
          parts.push(s.slice(start, i));
          start = i + sep.length;
          i += sep.length - 1;
          continue;
        }
      }
      const nx = s[i + 1];
      if (nx === '{' || nx === '[' || nx === '(') depth++;
      else if (nx === '}' || nx === ']' || nx === ')') depth--;
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && !sep.startsWith('\\') && s.startsWith(sep, i)) {
      parts.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** Index of the bracket closing the one at `open`, treating ( and [ as interchangeable (intervals). */
function matchAnyBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export type MathNode =
  /** `full` keeps the equation a value was taken from (`y = 2x+3` → `2x+3`), to compare equations as equations. */
  | { kind: 'scalar'; text: string; full?: string }
  /** Ordered, with its bracket characters: tuples, intervals, points. */
  | { kind: 'bracketed'; open: string; close: string; items: MathNode[] }
  /** Unordered: `\{…\}` sets, bare comma lists (`bare`), `a \pm b`. */
  | { kind: 'set'; items: MathNode[]; bare?: boolean }
  | { kind: 'union'; parts: MathNode[] }
  | { kind: 'matrix'; rows: MathNode[][] };

/** Expands a top-level `a \pm b` (one occurrence) into [a+b, a-b]; else null. */
function expandPm(s: string): string[] | null {
  const parts = splitTopLevel(s, '\\pm');
  if (parts.length !== 2) return null;
  const [a, b] = parts as [string, string];
  if (a === '') return [b, `-(${b})`];
  return [`${a}+${b}`, `${a}-(${b})`];
}

const MATRIX = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[^{}]*\})?(.*)\\end\{\1\}$/s;

/** Splits a normalised answer into its structure. */
export function parseStructure(s: string, depth = 0): MathNode {
  let text = s.trim();
  if (depth > 8) return { kind: 'scalar', text };
  // groups: "p=5,q=2;p=7,q=2", "1 and 2" (normalised to ";"), "-12;-11;-10"
  const groups = splitTopLevel(text, ';').filter((g) => g.trim() !== '');
  if (groups.length > 1)
    return { kind: 'set', bare: true, items: groups.flatMap((g) => groupItems(g, depth)) };
  // unions of intervals
  const unionParts = splitTopLevel(text, '\\cup');
  if (unionParts.length > 1)
    return { kind: 'union', parts: unionParts.map((p) => parseStructure(p, depth + 1)) };
  // a matrix written inside brackets: \left[\begin{array}…\end{array}\right]
  const wrapped = /^[([](\\begin\{.*\\end\{[a-zA-Z]+\})[)\]]$/s.exec(text);
  if (wrapped && MATRIX.test(wrapped[1]!)) text = wrapped[1]!;
  const arithmetic = matrixArithmetic(text);
  if (arithmetic) text = arithmetic;
  const mat = MATRIX.exec(text);
  if (mat) {
    const rows = mat[2]!
      .split(/\\\\/)
      .map((r) => r.replace(/\\hline/g, '').trim())
      .filter((r) => r !== '');
    return {
      kind: 'matrix',
      rows: rows.map((r) => r.split('&').map((c) => parseStructure(c.trim(), depth + 1))),
    };
  }
  // sets \{ … \}
  if (text.startsWith('\\{') && text.endsWith('\\}')) {
    const inner = text.slice(2, -2);
    if (matchBraceEscaped(text) === text.length - 2) {
      const items = inner.trim() === '' ? [] : splitItems(inner, depth);
      return { kind: 'set', items };
    }
  }
  // bracketed: ( … ) or [ … ] including half-open intervals; "(0;-2;6)" uses ";" between coordinates
  const first = text[0];
  if ((first === '(' || first === '[') && matchAnyBracket(text, 0) === text.length - 1) {
    const last = text[text.length - 1]!;
    if (last === ')' || last === ']') {
      const inner = text.slice(1, -1);
      let parts = splitTopLevel(inner, ',');
      if (parts.length === 1) parts = splitTopLevel(inner, ';');
      if (parts.length === 1 && first === '(' && last === ')') return parseStructure(inner, depth + 1);
      return {
        kind: 'bracketed',
        open: first,
        close: last,
        items: parts.map((p) => parseStructure(p, depth + 1)),
      };
    }
  }
  // bare comma lists ("1, -2"): unordered, as MATH uses them for "all solutions"
  const parts = splitTopLevel(text, ',');
  if (parts.length > 1) return { kind: 'set', bare: true, items: splitItems(text, depth) };
  // equations and labels: "(p,q)=(3,2)" → (3,2); "x = 5+5+1 = 11" → 11; "2 = x" → 2
  const eq = equationValue(text);
  if (eq.value !== text) {
    const node = parseStructure(eq.value, depth + 1);
    return node.kind === 'scalar' ? { ...node, full: eq.full } : node;
  }
  const interval = inequalityInterval(text);
  if (interval) return interval;
  const pm = expandPm(text);
  if (pm) return { kind: 'set', items: pm.map((p) => ({ kind: 'scalar', text: p })) };
  return { kind: 'scalar', text };
}

function matrixRows(env: string): string[][] | null {
  const m = MATRIX.exec(env);
  if (!m) return null;
  return m[2]!
    .split(/\\\\/)
    .map((r) => r.trim())
    .filter((r) => r !== '')
    .map((r) => r.split('&').map((c) => c.trim()));
}

/**
 * `A + B`, `A - B`, `A B` / `A \cdot B` of written-out matrices, as one matrix whose entries are the
 * (unsimplified) sums and products: "The sum is $\begin{pmatrix}1&2\\3&4\end{pmatrix} + …$". Null when
 * `text` is not such an expression or the shapes do not fit.
 */
function matrixArithmetic(text: string): string | null {
  const envs = [...text.matchAll(/\\begin\{([pbBvV]?matrix)\}.*?\\end\{\1\}/gs)];
  if (envs.length < 2) return null;
  let pos = 0;
  const ops: string[] = [];
  for (const e of envs) {
    const between = text.slice(pos, e.index).trim();
    if (pos === 0 ? between !== '' : !/^(?:\+|-|\\cdot|\\times|)$/.test(between)) return null;
    if (pos > 0) ops.push(between);
    pos = e.index + e[0].length;
  }
  if (text.slice(pos).trim() !== '') return null;
  let acc = matrixRows(envs[0]![0]);
  for (let k = 1; k < envs.length && acc; k++) {
    const b = matrixRows(envs[k]![0]);
    const a: string[][] = acc;
    if (!b) return null;
    const op = ops[k - 1]!;
    if (op === '+' || op === '-') {
      if (a.length !== b.length || a.some((r, i) => r.length !== b[i]!.length)) return null;
      acc = a.map((r, i) => r.map((x, j) => `(${x})${op}(${b[i]![j]})`));
    } else {
      if (a.some((r) => r.length !== b.length)) return null;
      const cols = b[0]!.length;
      acc = a.map((r) =>
        Array.from({ length: cols }, (_, j) => r.map((x, t) => `(${x})(${b[t]![j]})`).join('+')),
      );
    }
  }
  return acc ? `\\begin{pmatrix}${acc.map((r) => r.join('&')).join('\\\\')}\\end{pmatrix}` : null;
}

/** One `;`-group: several labelled values ("p=5,q=2") are one ordered solution; otherwise its items. */
function groupItems(group: string, depth: number): MathNode[] {
  const parts = splitTopLevel(group.trim(), ',').map((p) => p.trim());
  if (parts.length > 1 && parts.every((p) => equationValue(p).labelled)) {
    return [
      {
        kind: 'bracketed',
        open: '(',
        close: ')',
        items: parts.map((p) => parseStructure(equationValue(p).value, depth + 1)),
      },
    ];
  }
  return parts.length > 1 ? splitItems(group, depth) : [parseStructure(group, depth + 1)];
}

/** Items of a list, with `a \pm b` items expanded into two and labels (`x=`) dropped. */
function splitItems(inner: string, depth: number): MathNode[] {
  const out: MathNode[] = [];
  for (const raw of splitTopLevel(inner, ',')) {
    const p = equationValue(raw.trim()).value;
    const pm = expandPm(p);
    if (pm) for (const q of pm) out.push({ kind: 'scalar', text: q });
    else out.push(parseStructure(p, depth + 1));
  }
  return out;
}

/** Index of the `\}` that closes the `\{` at position 0, or -1. */
function matchBraceEscaped(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '\\' && s[i + 1] === '}') {
      depth--;
      if (depth === 0) return i;
      i++;
    } else if (s[i] === '\\') i++;
  }
  return -1;
}

/**
 * Whether `s` names a quantity rather than stating a value: letters, Greek letters, subscripts
 * (`x_1`, `V_{2}`), tuples of names (`(p,q)`), ratios (`S_{MBCN}:S`), function names (`f(x)`, `W(2)`),
 * angles and segments (`\angle APC`, `\overline{AB}`), letter fractions (`\frac{NO}{BO}`). No digit
 * outside a subscript or argument, no operator.
 */
export function isLabel(s: string): boolean {
  let t = s.trim();
  if (t.length === 0 || t.length > 40 || !/[a-zA-Z]/.test(t)) return false;
  t = t.replace(/_\{[^{}]*\}|_[a-zA-Z0-9]/g, '');
  t = t.replace(/([a-zA-Z])\([^()]*\)/g, '$1');
  t = t.replace(
    /\\(?:angle|measuredangle|overline|overrightarrow|vec|mathbf|widehat|hat|bar|triangle|frac)(?![a-zA-Z])/g,
    '',
  );
  if (
    /\\(?:sqrt|sin|cos|tan|cot|sec|csc|log|ln|exp|sum|prod|int|lim|infty|pi|cdot|times|ne|le|ge|pm)(?![a-zA-Z])/.test(
      t,
    )
  )
    return false;
  if (/\\(?:in|cup|cap)(?![a-zA-Z])/.test(t)) return false;
  return !/[0-9+\-*/^=<>!|.]/.test(t);
}

/** True when `s` has no letters outside command names: a closed numeric expression. */
function isClosed(s: string): boolean {
  return !/[a-zA-Z]/.test(s.replace(/\\[a-zA-Z]+/g, ''));
}

/**
 * The value an equation states, by this rule (documented in docs/grading.md):
 * `label = v` and `v = label` → v; a chain `a = b = … = z` → z (the last member is the result);
 * a closed statement `2+3 = 5` → 5; anything else (`7 = 11a+c`, `2x+4y=3`) stays an equation.
 * A trailing approximation is dropped (`\frac13 \approx 0.33` → `\frac13`), unless the exact part is
 * only a label (`x \approx 11` → 11).
 */
export function equationValue(s: string): { value: string; full?: string; labelled: boolean } {
  let text = s.trim();
  const approx = splitTopLevel(text, '\\approx').map((p) => p.trim());
  if (approx.length > 1 && approx.every((p) => p !== '')) {
    text = isLabel(approx[0]!) ? approx[approx.length - 1]! : approx[0]!;
  }
  const members = splitTopLevel(text, '=').map((m) => m.trim());
  if (members.length < 2 || members.some((m) => m === '')) return { value: text, labelled: false };
  const last = members[members.length - 1]!;
  if (members.length >= 3) return { value: last, full: text, labelled: isLabel(members[0]!) };
  const [lhs, rhs] = members as [string, string];
  if (isLabel(lhs) && !isLabel(rhs)) return { value: rhs, full: text, labelled: true };
  if (isLabel(rhs) && !isLabel(lhs)) return { value: lhs, full: text, labelled: true };
  if (isClosed(lhs) && isClosed(rhs)) return { value: rhs, full: text, labelled: false };
  return { value: text, labelled: false };
}

/**
 * A chained inequality around one name, as an interval: `-2 \le x \le 7` → [-2,7], `0<f(x)<1` → (0,1);
 * around an absolute value, two intervals: `1 \le |z| \le \frac32` → [-3/2,-1] ∪ [1,3/2].
 */
function inequalityInterval(s: string): MathNode | null {
  const ops = [...s.matchAll(/<|\\le(?![a-zA-Z])/g)];
  if (ops.length !== 2) return null;
  const [o1, o2] = ops as [RegExpExecArray, RegExpExecArray];
  const lo = s.slice(0, o1.index);
  const mid = s.slice(o1.index + o1[0].length, o2.index);
  const hi = s.slice(o2.index + o2[0].length);
  const [op1, op2] = [o1[0], o2[0]];
  if (lo.trim() === '' || hi.trim() === '' || mid.trim() === '') return null;
  const open = op1 === '<' ? '(' : '[';
  const close = op2 === '<' ? ')' : ']';
  const scalar = (t: string): MathNode => ({ kind: 'scalar', text: t.trim() });
  const abs = /^\|(.+)\|$/.exec(mid.trim());
  if (abs && isLabel(abs[1]!)) {
    const mirror = (b: string) => (b === '(' ? ')' : b === '[' ? ']' : b === ')' ? '(' : '[');
    return {
      kind: 'union',
      parts: [
        {
          kind: 'bracketed',
          open: mirror(close),
          close: mirror(open),
          items: [scalar(`-(${hi})`), scalar(`-(${lo})`)],
        },
        { kind: 'bracketed', open, close, items: [scalar(lo), scalar(hi)] },
      ],
    };
  }
  if (!isLabel(mid)) return null;
  return { kind: 'bracketed', open, close, items: [scalar(lo), scalar(hi)] };
}
