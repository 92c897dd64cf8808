import type { Prng } from '../../util/prng.js';

/**
 * Code answers of the simulated model: the canonical solution, or the canonical solution with one small
 * injected bug (a flipped comparison, an off-by-one range, a changed constant, a flipped boolean return…)
 * placed outside strings and comments so that it changes behaviour.
 */

/** Character ranges of string literals and comments (mutations never touch them). */
function protectedRanges(code: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const re = /("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|#[^\n]*)/g;
  for (const m of code.matchAll(re)) out.push([m.index, m.index + m[0].length]);
  return out;
}

interface Mutation {
  name: string;
  re: RegExp;
  replace: (match: string) => string;
}

const MUTATIONS: Mutation[] = [
  {
    name: 'flip-comparison',
    re: /(?<![<>=!])(<=|>=|<|>)(?![<>=])/g,
    replace: (m) => ({ '<': '<=', '<=': '<', '>': '>=', '>=': '>' })[m] ?? m,
  },
  { name: 'flip-equality', re: /==|!=/g, replace: (m) => (m === '==' ? '!=' : '==') },
  {
    name: 'off-by-one-range',
    re: /\brange\((?:[^()]|\([^()]*\))*\)/g,
    replace: (m) => `${m}[:-1]`,
  },
  {
    name: 'flip-bool-return',
    re: /\breturn (True|False)\b/g,
    replace: (m) => (m.endsWith('True') ? 'return False' : 'return True'),
  },
  { name: 'change-constant', re: /(?<![\w.])\d+(?![\w.])/g, replace: (m) => String(Number(m) + 1) },
  { name: 'and-to-or', re: /\band\b/g, replace: () => 'or' },
  { name: 'plus-to-minus', re: /(?<=\w|\)|\]) \+ (?=\w|\(|\[)/g, replace: () => ' - ' },
];

/** Mutation sites in `code` outside strings and comments, per mutation type. */
function sites(code: string): Array<{ mutation: Mutation; index: number; text: string }> {
  const ranges = protectedRanges(code);
  const inside = (i: number) => ranges.some(([a, b]) => i >= a && i < b);
  const defLine = /^\s*(def|class|import|from)\b.*$/gm;
  const defRanges: Array<[number, number]> = [...code.matchAll(defLine)].map((m) => [
    m.index,
    m.index + m[0].length,
  ]);
  const inDef = (i: number) => defRanges.some(([a, b]) => i >= a && i < b);
  const out: Array<{ mutation: Mutation; index: number; text: string }> = [];
  for (const mutation of MUTATIONS) {
    for (const m of code.matchAll(mutation.re)) {
      if (!inside(m.index) && !inDef(m.index)) out.push({ mutation, index: m.index, text: m[0] });
    }
  }
  return out;
}

/** The code with one injected bug; `mutation` names it. Falls back to returning None from the entry point. */
export function injectBug(code: string, prng: Prng): { code: string; mutation: string } {
  const first = injectOne(code, prng);
  // A single mutation sometimes lands in a branch the tests never reach; a second one of another type
  // makes the bug visible to the tests far more reliably (measured in test/sim/code-and-world.test.ts).
  const second = injectOne(first.code, prng, first.mutation);
  return second.mutation === 'none'
    ? first
    : { code: second.code, mutation: `${first.mutation}+${second.mutation}` };
}

function injectOne(code: string, prng: Prng, avoid?: string): { code: string; mutation: string } {
  const all = sites(code).filter((s) => s.mutation.name !== avoid);
  if (avoid !== undefined && all.length === 0) return { code, mutation: 'none' };
  if (all.length > 0) {
    // Pick a mutation type first (so common tokens like numbers do not dominate), then a site.
    const types = [...new Set(all.map((s) => s.mutation.name))];
    const type = prng.pick(types);
    const site = prng.pick(all.filter((s) => s.mutation.name === type));
    const replaced = site.mutation.replace(site.text);
    return {
      code: code.slice(0, site.index) + replaced + code.slice(site.index + site.text.length),
      mutation: type,
    };
  }
  const ret = /^(\s*)return\b.*$/m.exec(code);
  if (ret) {
    return {
      code: code.slice(0, ret.index) + `${ret[1]}return None` + code.slice(ret.index + ret[0].length),
      mutation: 'return-none',
    };
  }
  return { code: `${code}\n    raise ValueError("unsupported input")`, mutation: 'raise' };
}

/** Whitespace-insensitive form of code for comparisons. */
export function normalizeCode(code: string): string {
  return code
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l.trim() !== '')
    .join('\n');
}

/** The demo line the sim adds when a prompt does not forbid example calls (it breaks the tests). */
export function demoCall(entryPoint: string): string {
  return `print(${entryPoint}())`;
}

const DEMO_LINE = /^print\([A-Za-z_]\w*\(\)\)$/m;

/** The code of a reply: the last fenced block, else the whole text. */
export function codeOf(reply: string): { code: string; fenced: boolean } {
  const blocks = [...reply.matchAll(/```(?:python|py)?[^\n]*\n([\s\S]*?)```/g)];
  if (blocks.length) return { code: blocks.at(-1)![1]!, fenced: true };
  return { code: reply, fenced: false };
}

export function hasDemoCall(code: string): boolean {
  return DEMO_LINE.test(code);
}

export function withoutDemoCall(code: string): string {
  return code.replace(new RegExp(DEMO_LINE.source, 'gm'), '').replace(/\n+$/, '');
}
