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
  'percent',
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
    .replace(/°/g, '^\\circ');
}

/**
 * Normalises one answer string. Idempotent: normalize(normalize(x)) === normalize(x).
 */
export function normalizeMath(raw: string): string {
  let s = raw.trim();
  s = s.replace(/^\*\*(.*)\*\*$/s, '$1').trim(); // markdown bold
  s = stripMathDelimiters(s);
  // a whole \boxed{...} / \fbox{...}
  for (let guard = 0; guard < 3; guard++) {
    const m = /^\\(?:boxed|fbox)\s*\{/.exec(s);
    if (!m) break;
    const end = matchBrace(s, m[0].length - 1);
    if (end !== s.length - 1) break;
    s = s.slice(m[0].length, -1).trim();
  }
  s = s.replace(/\.\s*$/, '');
  s = fromUnicode(s);
  s = s.replace(/\n/g, ' ');
  s = s.replace(/\\displaystyle|\\textstyle/g, '');
  s = s.replace(/\\left\s*\\\{/g, '\\{').replace(/\\right\s*\\\}/g, '\\}');
  s = s.replace(/\\left\s*\.|\\right\s*\./g, '');
  s = s.replace(/\\left|\\right|\\bigl|\\bigr|\\Bigl|\\Bigr|\\big|\\Big/g, '');
  s = s.replace(/\\lbrace/g, '\\{').replace(/\\rbrace/g, '\\}');
  s = s.replace(/\\langle/g, '(').replace(/\\rangle/g, ')');
  // thousands written 12,\!000 or 12{,}000 (before \! goes away and leaves "12, 000")
  s = s.replace(/(\d),\s*\\!\s*(?=\d{3})/g, '$1,').replace(/(\d)\{,\}(?=\d{3})/g, '$1,');
  // spacing commands; the look-behind keeps matrix row separators (\\) intact
  s = s.replace(/(?<!\\)\\!/g, '');
  s = s.replace(/\{,\}/g, ',');
  s = s.replace(/(?<!\\)\\[,;:>]|~/g, ' ');
  s = s.replace(/(?<!\\)\\ /g, ' ');
  s = s.replace(/\\[dt]frac/g, '\\frac');
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
  // \text{ and }, \text{or} between answers
  s = s.replace(/\\text\s*\{\s*(?:and|or)\s*\}/g, ',');
  s = replaceCommand(s, 'text', (c) => c);
  s = replaceCommand(s, 'textup', (c) => c);
  s = replaceCommand(s, 'operatorname', (c) => `\\${c.trim()} `);
  s = s.replace(/\s+(?:and|or)\s+/g, ', ');
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
  | { kind: 'scalar'; text: string }
  /** Ordered, with its bracket characters: tuples, intervals, points. */
  | { kind: 'bracketed'; open: string; close: string; items: MathNode[] }
  /** Unordered: `\{…\}` sets, bare comma lists, `a \pm b`. */
  | { kind: 'set'; items: MathNode[] }
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

/** Splits a normalised answer into its structure. */
export function parseStructure(s: string, depth = 0): MathNode {
  const text = s.trim();
  if (depth > 8) return { kind: 'scalar', text };
  // unions of intervals
  const unionParts = splitTopLevel(text, '\\cup');
  if (unionParts.length > 1)
    return { kind: 'union', parts: unionParts.map((p) => parseStructure(p, depth + 1)) };
  // matrices
  const mat = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[^{}]*\})?(.*)\\end\{\1\}$/s.exec(text);
  if (mat) {
    const rows = mat[2]!
      .split(/\\\\/)
      .map((r) => r.trim())
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
  // bracketed: ( … ) or [ … ] including half-open intervals
  const first = text[0];
  if ((first === '(' || first === '[') && matchAnyBracket(text, 0) === text.length - 1) {
    const last = text[text.length - 1]!;
    if (last === ')' || last === ']') {
      const inner = text.slice(1, -1);
      const parts = splitTopLevel(inner, ',');
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
  if (parts.length > 1) return { kind: 'set', items: splitItems(text, depth) };
  const pm = expandPm(text);
  if (pm) return { kind: 'set', items: pm.map((p) => ({ kind: 'scalar', text: p })) };
  return { kind: 'scalar', text: stripAssignment(text) };
}

/** Items of a list, with `a \pm b` items expanded into two and `x=` prefixes dropped. */
function splitItems(inner: string, depth: number): MathNode[] {
  const out: MathNode[] = [];
  for (const raw of splitTopLevel(inner, ',')) {
    const p = stripAssignment(raw.trim());
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
 * `x=3` → `3` when there is exactly one `=` and the left side is a single variable
 * (a letter or Greek command, optionally subscripted). Equations like `y=2x+3` keep… their right side,
 * which is what MATH golds like "y = 2x + 3" vs a bare "2x+3" need.
 */
export function stripAssignment(s: string): string {
  const parts = splitTopLevel(s, '=');
  if (parts.length !== 2) return s;
  const lhs = parts[0]!.trim();
  if (
    /^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_(?:\{[a-zA-Z0-9]+\}|[a-zA-Z0-9]))?(?:\([a-zA-Z]\))?$/.test(lhs) &&
    parts[1]!.trim() !== ''
  ) {
    // a relation's lhs (\le, \ne) ends in a command and is not an assignment
    if (/\\(?:le|ge|ne|leq|geq|neq|lt|gt)$/.test(lhs)) return s;
    return parts[1]!.trim();
  }
  return s;
}
