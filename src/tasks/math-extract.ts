/**
 * Which answer a math reply gives. Precedence (docs/grading.md): of the explicit answers — the last
 * `\boxed{}`/`\fbox{}` run, the last `<answer>…</answer>`, the last final-answer phrase ("Final Answer:",
 * "the answer is", "Answer: $…$") — the one that starts **latest** wins, so a later "Final Answer: … $10,455$"
 * beats an earlier `\boxed{255}`, and a box inside that sentence beats the sentence. Without any: the whole
 * reply when it is only an answer, else the last line's last sentence that states a value. A phrase or a
 * line is reduced to its value ("The volume of $ABCDEFGH$ is 120." → `120`).
 *
 * Every step is linear in the reply length (one brace-matching pass, one scan per pattern), so a
 * 100 000-character reply or 50 000 nested braces cost milliseconds.
 */
import { stripMathDelimiters, undoubleBackslashes } from './math-normalize.js';

interface Found {
  at: number;
  text: string;
}

/** Boxes joined by connectors form one answer only up to this many; a longer run is no answer. */
const MAX_JOINED_BOXES = 12;
/**
 * Text between two boxes that still joins them: spaces, `$`, `\)`, `,`, "and"/"or", `\quad`, a numbered
 * label (`y_2 =`; a plain `a =` before each box restates one unknown, and stays separate).
 */
const BOX_CONNECTOR =
  /^(?:\s|\$|,|;|\\[()[\]]|\\q?quad|\\[,;:! ]|~|\\text\s*\{\s*(?:and|or|,)?\s*\}|\band\b|\bor\b|[a-zA-Z]_\{?[a-zA-Z0-9]+\}?\s*=)*$/;

/** For every `{` (unescaped) the index of its matching `}`, in one pass; -1 when it never closes. */
function braceMatches(text: string): Int32Array {
  const out = new Int32Array(text.length).fill(-1);
  const stack = new Int32Array(text.length);
  let top = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      i++;
      continue;
    }
    if (c === 123 /* { */) stack[top++] = i;
    else if (c === 125 /* } */ && top > 0) out[stack[--top]!] = i;
  }
  return out;
}

interface Box {
  at: number;
  end: number;
  text: string;
}

/** All closed `\boxed{…}` / `\fbox{…}` (outermost only) and `\boxed 5` forms; `open` = a box never closes. */
function findBoxes(text: string): { boxes: Box[]; unclosedAfterLast: boolean } {
  const boxes: Box[] = [];
  let unclosedAfterLast = false;
  if (!text.includes('box')) return { boxes, unclosedAfterLast };
  const matches = braceMatches(text);
  const re = /\\(?:boxed|fbox)(?![a-zA-Z])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let j = m.index + m[0].length;
    while (text[j] === ' ') j++;
    if (text[j] === '{') {
      const end = matches[j]!;
      if (end < 0) {
        unclosedAfterLast = true; // a truncated reply
        continue;
      }
      boxes.push({ at: m.index, end: end + 1, text: text.slice(j + 1, end) });
      unclosedAfterLast = false;
      re.lastIndex = end + 1;
    } else if (j > m.index + m[0].length) {
      const rest = /^[^\s$]+/.exec(text.slice(j, j + 200));
      if (rest) {
        boxes.push({ at: m.index, end: j + rest[0].length, text: rest[0] });
        unclosedAfterLast = false;
      }
    }
  }
  return { boxes, unclosedAfterLast };
}

/**
 * The last box, joined with the boxes right before it that connectors tie to it ("\boxed{1} and \boxed{2}").
 * Identical boxes collapse. A run longer than MAX_JOINED_BOXES is no answer (null with `tooLong`).
 */
function lastBoxRun(boxes: Box[], text: string): { found: Found | null; tooLong: boolean } {
  const last = boxes[boxes.length - 1];
  if (!last) return { found: null, tooLong: false };
  const parts = [last.text.trim()];
  let first = last;
  let count = 1;
  for (let i = boxes.length - 2; i >= 0; i--) {
    const prev = boxes[i]!;
    const between = text.slice(prev.end, first.at);
    if (between.length > 80 || !BOX_CONNECTOR.test(between)) break;
    if (++count > MAX_JOINED_BOXES) return { found: null, tooLong: true };
    const t = prev.text.trim();
    if (!parts.includes(t)) parts.unshift(t);
    first = prev;
  }
  return { found: { at: first.at, text: parts.join(', ') }, tooLong: false };
}

function lastAnswerTag(text: string): Found | null {
  const lower = text.length < 50_000 || text.includes('</answer>') ? text.toLowerCase() : '';
  const close = lower.lastIndexOf('</answer>');
  if (close < 0) return null;
  const open = lower.lastIndexOf('<answer>', close);
  if (open < 0) return null;
  return { at: open, text: text.slice(open + '<answer>'.length, close) };
}

const ANCHOR =
  /(?:\bfinal\s+answer\b\s*(?:is\b|:)?|\b(?:the\s+)?answer\s*(?:is\b|:|=)|\banswer\b(?=\s*(?:\$|\\\(|\\\[))|\bréponse\s*(?:est\b|:)|答案\s*[:：是为]?)[\s:*]*/gi;

/** Commentary about an answer, not an answer: "our answer is correct", "check the answer: …". */
const COMMENTARY_BEFORE =
  /\b(?:our|my|your|this|that|each|every|check(?:ing)?|verify(?:ing)?)\s+(?:final\s+)?$/i;
const COMMENTARY_VALUE = /^(?:correct|incorrect|right|wrong|as follows|below|above)\b/i;

/** The last final-answer phrase that states a value, and that value. */
function lastAnchored(text: string): Found | null {
  let last: Found | null = null;
  ANCHOR.lastIndex = 0;
  for (let m = ANCHOR.exec(text); m; m = ANCHOR.exec(text)) {
    if (COMMENTARY_BEFORE.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
    last = { at: m.index, text: text.slice(m.index + m[0].length, m.index + m[0].length + 4000) };
  }
  if (!last) return null;
  const span = leadingMath(last.text);
  const sentence = firstSentence(last.text).trim();
  if (span === null && COMMENTARY_VALUE.test(sentence.replace(/^[*"“\s]+/, ''))) return null;
  const value = span ?? reduceSentence(sentence);
  return value === null || value.trim() === '' ? null : { at: last.at, text: value };
}

/** Content of a math span opening `s` (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`), or null. */
function leadingMath(s: string): string | null {
  const m = /^(\$\$|\$|\\\(|\\\[)/.exec(s);
  if (!m) return null;
  const close = m[1] === '\\(' ? '\\)' : m[1] === '\\[' ? '\\]' : m[1]!;
  let end = s.indexOf(close, m[1]!.length);
  while (end > 0 && close === '$' && s[end - 1] === '\\') end = s.indexOf(close, end + 1);
  if (end < 0) return null;
  // "$12$ and $13$": spans joined by connectors are one answer
  const after = s.slice(end + close.length, end + close.length + 12);
  const more = /^\s*(?:,|and|or)\s*(?=\$|\\\()/.exec(after);
  if (more) {
    const next = leadingMath(s.slice(end + close.length + more[0].length));
    if (next !== null) return `${s.slice(m[1]!.length, end)}, ${next}`;
  }
  return s.slice(m[1]!.length, end);
}

/** Up to the end of the sentence or line (a "." that is not a decimal point, "。", "।", a newline). */
function firstSentence(s: string): string {
  const cut = /\.(?=\s|$)|[。！？।]|\n|\s(?:I hope|because|since)\b/.exec(s);
  return cut ? s.slice(0, cut.index) : s;
}

const MATH_SPAN = /\$\$([\s\S]+?)\$\$|(?<!\\)\$([^$]+?)(?<!\\)\$|\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\]/g;

/** All math spans `$…$` / `\(…\)` in a sentence, in order; a span holding prose gives its number. */
function mathSpans(s: string): string[] {
  const out: string[] = [];
  MATH_SPAN.lastIndex = 0;
  for (let m = MATH_SPAN.exec(s); m; m = MATH_SPAN.exec(s)) {
    const inner = (m[1] ?? m[2] ?? m[3] ?? m[4]!).trim();
    const value = isProse(inner) ? (VALUE_TOKEN.exec(inner)?.[0] ?? null) : inner;
    if (value !== null && value !== '') out.push(value);
  }
  return out;
}

/** A number as prose writes it: `-12`, `1,000.99`, `.5`, `2/3`, `25%`, `\frac{2}{5}`. */
const VALUE_TOKEN =
  /(?<![A-Za-z0-9_])-?(?:\\[dtc]?frac\{[^{}]*\}\{[^{}]*\}|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:\s*\/\s*\d+(?:\.\d+)?)?(?:\s*\\?%)?(?![0-9_])/;

const VALUE_TOKEN_ALL = new RegExp(VALUE_TOKEN.source, 'g');

/** Prose or non-Latin script: then the value is a token in it, not the whole string. */
function isProse(s: string): boolean {
  const t = s.replace(/\\[a-zA-Z]+(\{[^{}]*\})?/g, ' ');
  return /[a-zA-Z]{2,}['’]?[a-zA-Z]*\s+[a-zA-Z]{2,}/.test(t) || /[^\x00-\x7F°²³√π∞±−×·≤≥≠]/.test(t);
}

/** A reply (or the tail of a sentence) that is nothing but an answer ("3", "$\frac12$", "x = 5"). */
export function bareAnswer(text: string): string | null {
  const t = stripMathDelimiters(
    text
      .trim()
      .replace(/^\*\*|\*\*$/g, '')
      .trim(),
  );
  if (t === '' || t.length > 120 || t.includes('\n') || t.includes('*') || isProse(t)) return null;
  if (/^[a-z]{2,}\s/.test(t)) return null; // "about 1", "de 25%"
  if (!/[0-9a-zA-Z\\]/.test(t)) return null;
  return t;
}

const COPULA = /\s(?:is|are|was|were|equals|be|becomes|gives|it's|est|=)\s|(?<![<>!\\])=|:\s/g;

/**
 * A sentence reduced to the value it states: after its last copula ("is", "=", ": "), the bare answer,
 * else a bold `**…**` value, else a math span, else a number — the first one after a final-answer phrase
 * ("Final Answer: Janeth owes 220 $ in 12 months"), the last one in the last-line fallback (as Math-Verify
 * reads the last expression); failing that the last math span of the whole sentence ("Thus $x \le 2$ is our
 * answer."). Null when it states no value.
 */
export function reduceSentence(sentence: string, pick: 'first' | 'last' = 'first'): string | null {
  const s = sentence.trim().replace(/^["“'\\"]+|["”'\\"]+$/g, '');
  if (s === '') return null;
  const whole = bareAnswer(s);
  if (whole !== null) return whole;
  const spansWhole = mathSpans(s);
  let tailAt = 0;
  // only copulas outside math spans count ("$x = 2$" is not a copula of the sentence)
  const masked = s.replace(MATH_SPAN, (m) => ' '.repeat(m.length));
  COPULA.lastIndex = 0;
  for (let m = COPULA.exec(masked); m; m = COPULA.exec(masked)) tailAt = m.index + m[0].length;
  const tail = s.slice(tailAt).trim();
  const bare = tailAt > 0 ? bareAnswer(tail) : null;
  if (bare !== null) return bare;
  const bold = /\*\*([^*]*\d[^*]*)\*\*/.exec(tail);
  if (bold) return reduceSentence(bold[1]!) ?? bold[1]!;
  const spans = mathSpans(tail);
  if (spans.length > 0) return pick === 'first' ? spans[0]! : spans[spans.length - 1]!;
  const tokens = tail.match(VALUE_TOKEN_ALL);
  if (tokens) return pick === 'first' ? tokens[0]! : tokens[tokens.length - 1]!;
  return spansWhole.length > 0 ? spansWhole[spansWhole.length - 1]! : null;
}

/** Chat-template debris after the answer: `<|im_start|>user`, `</think>`. */
function stripDebris(text: string): string {
  return text.replace(/<\|[^|>]{0,40}\|>[a-zA-Z]*/g, ' ').replace(/<\/?think>/g, ' ');
}

/** Last-line fallback: the last sentences (at most 3) of the last non-empty line, reduced to a value. */
function lastLineValue(text: string): string | null {
  const lines = stripDebris(text).split('\n');
  let line = '';
  for (let i = lines.length - 1; i >= 0 && line === ''; i--) line = lines[i]!.trim();
  if (line === '') return null;
  const sentences = line
    .slice(-4000)
    .replace(/\.(\$\$?|\\\]|\\\))(?=\s|$)/g, '$1.')
    .split(/\.(?=\s|$)|[。！？।]/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (let i = sentences.length - 1; i >= Math.max(0, sentences.length - 3); i--) {
    const v = reduceSentence(sentences[i]!, 'last');
    // a fallback value must look like math ("I hope it is correct" states no value)
    if (v !== null && /[0-9\\=<>]/.test(v)) return v;
  }
  return null;
}

function clean(ans: string): string | null {
  let out = stripMathDelimiters(
    ans
      .trim()
      .replace(/^\*\*|\*\*$/g, '')
      .trim(),
  );
  out = out.replace(/\s*[.。,;]\s*$/, '').trim();
  return out === '' ? null : out;
}

/** The final answer a reply states, or null when it states none. See the module comment for precedence. */
export function extractMathAnswer(reply: string): string | null {
  if (typeof reply !== 'string' || reply.trim() === '') return null;
  const text = undoubleBackslashes(reply);
  const { boxes, unclosedAfterLast } = findBoxes(text);
  const run = lastBoxRun(boxes, text);
  const candidates = [run.found, lastAnswerTag(text), lastAnchored(text)].filter(
    (c): c is Found => c !== null,
  );
  if (candidates.length > 0) {
    const best = candidates.reduce((a, b) => (b.at > a.at ? b : a));
    if (best !== run.found && run.found === null && run.tooLong) return null;
    // a box inside the winning tag/phrase is the cleaner answer
    const inner = best === run.found ? null : lastBoxRun(findBoxes(best.text).boxes, best.text).found;
    return clean((inner ?? best).text);
  }
  // a run of hundreds of boxes, or a box that never closes (a truncated reply), is no answer
  if (run.tooLong || unclosedAfterLast) return null;
  const bare = bareAnswer(text);
  if (bare !== null) return clean(bare);
  const v = lastLineValue(text);
  return v === null ? null : clean(v);
}
