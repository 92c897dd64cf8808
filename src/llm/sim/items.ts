import type { Item } from '../../datasets/types.js';

/** Whitespace-collapsed text: how the sim compares question text with prompt text. */
export function normalizeText(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

const KEY_LEN = 32;

/**
 * Finds benchmark items by their question text: exact (judge and optimizer requests quote the question)
 * or as a substring of a rendered agent prompt. Lookup is a hash probe per word start of the prompt.
 */
export class ItemIndex {
  private readonly exact = new Map<string, Item>();
  private readonly byPrefix = new Map<string, Array<{ q: string; item: Item }>>();
  private readonly short: Array<{ q: string; item: Item }> = [];
  readonly size: number;

  constructor(items: readonly Item[]) {
    for (const item of items) {
      const q = normalizeText(item.question);
      if (!q) continue;
      if (!this.exact.has(q)) this.exact.set(q, item);
      if (q.length < KEY_LEN) {
        this.short.push({ q, item });
        continue;
      }
      const key = q.slice(0, KEY_LEN);
      const list = this.byPrefix.get(key);
      if (list) list.push({ q, item });
      else this.byPrefix.set(key, [{ q, item }]);
    }
    this.size = this.exact.size;
  }

  /** The item whose question is exactly `question` (whitespace-insensitive). */
  byQuestion(question: string): Item | undefined {
    return this.exact.get(normalizeText(question));
  }

  /** The item whose question occurs in `text` (longest match wins), with the normalised question. */
  find(text: string): { item: Item; question: string } | undefined {
    const t = normalizeText(text);
    const direct = this.exact.get(t);
    if (direct) return { item: direct, question: t };
    let best: { item: Item; question: string } | undefined;
    const consider = (item: Item, q: string) => {
      if ((!best || q.length > best.question.length) && t.includes(q)) best = { item, question: q };
    };
    for (let i = 0; i + KEY_LEN <= t.length; i++) {
      if (i > 0 && t[i - 1] !== ' ' && t[i - 1] !== '\n' && !/[\s:>"'(]/.test(t[i - 1]!)) continue;
      const list = this.byPrefix.get(t.slice(i, i + KEY_LEN));
      if (list) for (const e of list) consider(e.item, e.q);
    }
    if (!best) for (const s of this.short) consider(s.item, s.q);
    return best;
  }
}
