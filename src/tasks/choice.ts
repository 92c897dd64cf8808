/**
 * Multiple-choice grading (GPQA-Diamond A–D, AQuA A–E). Only an explicit final answer counts:
 * `Answer: C`, `the answer is (C)`, `\boxed{C}`, `<answer>C</answer>`, or a reply/last line that is
 * nothing but the letter. A letter inside a word, or a sentence that merely lists or mentions options
 * ("A) foo B) bar", "I considered A and B"), never counts. Several explicit answers: the last one wins;
 * an explicit answer naming two letters ("C or D") is undecidable → null. Never a default letter.
 */
import type { Item } from '../datasets/types.js';
import { matchBrace } from './math-normalize.js';
import type { Score, Scorer } from './types.js';

export const DEFAULT_LETTERS: readonly string[] = ['A', 'B', 'C', 'D', 'E'];

function escapeClass(letters: readonly string[]): string {
  return letters.map((l) => l.replace(/[\\\]^-]/g, '\\$&')).join('');
}

interface Candidate {
  at: number;
  letter: string | null; // null = explicit but ambiguous
}

/** Strips wrappers around a short answer: $, \text{}, **, (), trailing "." or ")" and option text. */
function letterOf(content: string, letters: readonly string[]): string | null {
  let s = content.trim();
  for (let i = 0; i < 4; i++) {
    const before = s;
    s = s
      .replace(/^\$+|\$+$/g, '')
      .replace(/^\\(?:text|textbf|mathrm|mathbf|textrm)\s*\{([\s\S]*)\}$/, '$1')
      .replace(/^\*\*([\s\S]*)\*\*$/, '$1')
      .replace(/^\\boxed\s*\{([\s\S]*)\}$/, '$1')
      .trim();
    if (s === before) break;
  }
  const cls = escapeClass(letters);
  // "C", "(C)", "[C]", "C.", "C)", "C: 42", "(C) 42", "Option C"
  const m = new RegExp(
    `^(?:option|choice)?\\s*[([]?([${cls}])(?:[)\\].:]|\\s*$)(?:\\s+[\\s\\S]*)?$`,
    'i',
  ).exec(s);
  if (!m) return null;
  const raw = m[1]!;
  // a lower-case letter only counts when it is alone or bracketed, e.g. "(c)"
  if (raw !== raw.toUpperCase() && !/^[([]?[a-z][)\]]?\.?$/.test(s)) return null;
  const up = raw.toUpperCase();
  return letters.includes(up) ? up : null;
}

function boxCandidates(text: string, letters: readonly string[]): Candidate[] {
  const out: Candidate[] = [];
  const re = /\\(?:boxed|fbox)\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = matchBrace(text, m.index + m[0].length - 1);
    if (end < 0) continue;
    const content = text.slice(m.index + m[0].length, end);
    out.push({ at: m.index, letter: letterOf(content, letters) });
  }
  return out.filter((c) => c.letter !== null);
}

function tagCandidates(text: string, letters: readonly string[]): Candidate[] {
  const out: Candidate[] = [];
  const re = /<answer>([\s\S]*?)<\/answer>/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const inner = m[1]!;
    const boxed = boxCandidates(inner, letters);
    const letter = boxed.length > 0 ? boxed[boxed.length - 1]!.letter : letterOf(inner, letters);
    out.push({ at: m.index, letter });
  }
  return out;
}

function anchorCandidates(text: string, letters: readonly string[]): Candidate[] {
  const cls = escapeClass(letters);
  const out: Candidate[] = [];
  // an anchor phrase, a separator ("is", ":", "would be"), optional "option"/"choice", wrappers, the letter
  const anchor =
    '(?:\\b(?:final|correct|best|right)\\s+(?:answer|option|choice)(?:\\s+choice)?|\\banswer(?:\\s+choice)?|\\bthe\\s+answer|\\bréponse(?:\\s+finale)?|答案)';
  // "is", "would be", "is for sure", "est" …, or ":" / "=" / " - "
  const sep =
    '(?:\\s*(?:is|would\\s+be|should\\s+be|will\\s+be|must\\s+be|est)(?:\\s+(?:for\\s+sure|definitely|certainly|clearly|obviously|probably|likely|most\\s+likely|surely))?\\s*[:,]?|\\s*[:：=是]|\\s*-\\s)';
  const wrap = '(?:\\s|\\*\\*|\\$|\\\\text(?:bf)?\\s*\\{|\\\\boxed\\s*\\{|\\\\\\(|[([])*';
  const re = new RegExp(
    `${anchor}${sep}\\s*(?:(?:option|choice|letter)\\s*)?${wrap}([${cls}])(?![A-Za-z0-9_'’])`,
    'gi',
  );
  const ambiguousAfter = new RegExp(
    `^[)\\].}*$\\s]*(?:or|and|,|/|&)\\s*(?:option\\s*|choice\\s*)?[([]?[${cls}](?![A-Za-z0-9_])`,
  );
  const push = (at: number, letter: string, end: number): void => {
    if (!letters.includes(letter)) return;
    const ambiguous = ambiguousAfter.test(text.slice(end, end + 40));
    out.push({ at, letter: ambiguous ? null : letter });
  };
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const raw = m[1]!;
    // "Let's go through each answer choice: (A) …" lists options, it does not answer
    if (
      /\b(?:each|every|all|other|the\s+other|remaining)\s+$/i.test(
        text.slice(Math.max(0, m.index - 20), m.index),
      )
    ) {
      continue;
    }
    if (raw !== raw.toUpperCase()) {
      // lower case only as "(c)" or at the end of a line/sentence: "the answer is a number" must not count
      const before = text[m.index + m[0].length - 2];
      const after = text.slice(m.index + m[0].length);
      if (!(before === '(' && after.startsWith(')')) && !/^(?:[.*$]*\s*$|[.*$]*\s*\n)/.test(after)) continue;
    }
    push(m.index, raw.toUpperCase(), m.index + m[0].length);
  }
  // Weaker forms, only when the letter ends its line: "Answer B", "ANS:D", "answer.A", "Answer choice E",
  // "(ANSWER E)", "option E", "correct answer A".
  const endOfLine = new RegExp(
    `\\b(?:(?:correct\\s+|final\\s+|the\\s+)?answer(?:\\s+choice)?|ans|option|choice)\\s*[:.=]?\\s*[([]?([${cls}])[)\\].!]*[ \\t]*(?=\\n|$)`,
    'gi',
  );
  for (let m = endOfLine.exec(text); m; m = endOfLine.exec(text)) {
    if (m[1] !== m[1]!.toUpperCase()) continue;
    if (NEGATED_BEFORE.test(text.slice(Math.max(0, m.index - 30), m.index))) continue;
    push(m.index, m[1]!, m.index + m[0].length);
  }
  // lower-case "option c" / "choice c" ending a sentence — unless eliminated ("rule out option a.")
  const lowerOption = new RegExp(
    `\\b(?:option|choice)\\s+\\(?([${cls.toLowerCase()}])\\)?(?=\\s*(?:[.!,;]|$))`,
    'gm',
  );
  for (let m = lowerOption.exec(text); m; m = lowerOption.exec(text)) {
    if (NEGATED_BEFORE.test(text.slice(Math.max(0, m.index - 30), m.index))) continue;
    push(m.index, m[1]!.toUpperCase(), m.index + m[0].length);
  }
  // "… therefore I think it's B" — a copula and the letter end the reply
  const closing = new RegExp(`\\b(?:it's|it\\s+is|is|be)\\s+\\(?([${cls}])\\)?[.!]?\\s*$`);
  const close = closing.exec(text);
  if (close && !NEGATED_BEFORE.test(text.slice(Math.max(0, close.index - 30), close.index + 6))) {
    push(close.index, close[1]!, close.index + close[0].length);
  }
  // "D is the answer", "(C) is the correct answer", "Option B is correct" — unless hedged ("check if B is correct")
  const isCorrect = new RegExp(
    `(?:^|[\\s(])(?:(?:option|choice)\\s+)?[([]?([${cls}])[)\\]]?\\s+is\\s+(?:the\\s+)?(?:correct|right|answer|best)(?![A-Za-z])`,
    'gm',
  );
  for (let m = isCorrect.exec(text); m; m = isCorrect.exec(text)) {
    const before = text.slice(Math.max(0, m.index - 30), m.index + 1);
    if (/\b(?:if|whether|not|assum\w*|suppos\w*|check\w*|that|why)\s*\(?$/i.test(before)) continue;
    push(m.index, m[1]!, m.index + m[0].length);
  }
  return out;
}

/** Words before a letter that eliminate it rather than choose it. */
const NEGATED_BEFORE =
  /(?:\bnot|n't|\bnor|\beliminat\w*|\brule\s+out|\bexclud\w*|\bexcept|\bunlike|\brather\s+than|\binstead\s+of|\bwrong|\bincorrect)\b[^.\n]*$/i;

/**
 * A reply that opens with the letter: "D. it can't be A or B", "(D) Alina", "C Cecile", "B。不是 A".
 * Not when the reply enumerates options ("A) foo B) bar"), and a letter followed only by a space counts
 * only before a capitalised word on a short first line ("A cat sat…" is an article).
 */
function openingLetter(text: string, letters: readonly string[]): Candidate | null {
  const t = text.replace(/^[\s*#>]+/, '');
  const cls = escapeClass(letters);
  const m = new RegExp(
    `^(?:\\(([${cls}])\\)|([${cls}])(?:[.:)。、]|(?=[^\\x00-\\x7F])|(?=\\s+[A-Z][a-z]*\\b)|(?=\\s*$)))`,
  ).exec(t);
  if (!m) return null;
  const letter = (m[1] ?? m[2])!;
  const firstLine = t.split('\n')[0]!;
  const spaceOnly = m[2] !== undefined && /^\s/.test(t.slice(m[0].length)) && !/[.:)。、]$/.test(m[0]);
  if (spaceOnly && firstLine.length > 40) return null;
  // an enumeration of options: another letter marker "B)" / "(B)" / "\nB." elsewhere
  const others = letters.filter((l) => l !== letter).map((l) => l.replace(/[\\\]^-]/g, '\\$&'));
  if (others.length > 0) {
    const marker = new RegExp(
      `(?:^|\\s)(?:\\((?:${others.join('|')})\\)|(?:${others.join('|')})[).])(?=\\s|$)`,
      'm',
    );
    if (marker.test(t.slice(m[0].length))) return null;
  }
  return { at: 0, letter };
}

/** A reply, or its last non-empty line, that is nothing but a letter: "C", "(C)", "**C**", "\text{(C)}". */
function loneLetter(text: string, letters: readonly string[]): Candidate | null {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let s = line.replace(/^[#>*_\s]+|[*_\s]+$/g, '').replace(/^[:：]\s*/, '');
    for (let k = 0; k < 3; k++) {
      s = s
        .replace(/^\$+|\$+$/g, '')
        .replace(/^\\(?:text|textbf)\s*\{(.*)\}$/, '$1')
        .trim();
    }
    const m = /^[([]?([A-Z])[)\]]?\.?$/.exec(s);
    if (m && letters.includes(m[1]!)) return { at: text.lastIndexOf(lines[i]!), letter: m[1]! };
    return null;
  }
  return null;
}

/**
 * The letter a reply chooses, or null when it states none or is undecidable. `letters` are the valid
 * option letters (default A–E).
 */
export function extractChoice(text: string, letters: readonly string[] = DEFAULT_LETTERS): string | null {
  if (typeof text !== 'string' || text.trim() === '') return null;
  const valid = letters.map((l) => l.toUpperCase());
  const explicit = [
    ...boxCandidates(text, valid),
    ...tagCandidates(text, valid),
    ...anchorCandidates(text, valid),
  ].sort((a, b) => a.at - b.at);
  const last = explicit[explicit.length - 1];
  if (last) return last.letter;
  return loneLetter(text, valid)?.letter ?? openingLetter(text, valid)?.letter ?? null;
}

/** Normalises a gold letter ("c", "(C)", " C ") to "C"; null when it is not a single letter. */
export function normalizeChoiceLetter(gold: string): string | null {
  const m = /^\s*[([]?\s*([A-Za-z])\s*[)\]]?\.?\s*$/.exec(gold);
  return m ? m[1]!.toUpperCase() : null;
}

export function gradeChoice(prediction: string, goldLetter: string, letters?: readonly string[]): Score {
  const gold = normalizeChoiceLetter(goldLetter);
  let valid = letters ?? DEFAULT_LETTERS;
  if (gold && !letters && !valid.includes(gold)) valid = [...valid, gold];
  const extracted = extractChoice(prediction, valid);
  if (gold === null)
    return { correct: false, extracted, error: `gold answer "${goldLetter}" is not a letter` };
  return { correct: extracted === gold, extracted };
}

function lettersOf(item: Item): readonly string[] {
  const opts = item.meta.options;
  return opts && opts.length > 0 ? opts.map((o) => o.letter.toUpperCase()) : DEFAULT_LETTERS;
}

export const choiceScorer: Scorer = {
  async score(item: Item, output: string): Promise<Score> {
    return gradeChoice(output, item.gold, lettersOf(item));
  },
  extract(item: Item, output: string): string | null {
    return extractChoice(output, lettersOf(item));
  },
  same(_item: Item, a: string, b: string): boolean {
    return a.trim().toUpperCase() === b.trim().toUpperCase();
  },
};
