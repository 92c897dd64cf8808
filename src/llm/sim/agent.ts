import { parseContext, stripContext } from '../../contracts/context.js';
import type { Item, TaskType } from '../../datasets/types.js';
import { hash32, Prng } from '../../util/prng.js';
import { providerSeed } from '../seed.js';
import type { ProviderCall } from '../types.js';
import { codeOf, demoCall, hasDemoCall, injectBug, normalizeCode, withoutDemoCall } from './code.js';
import { simGold } from './custom.js';
import {
  type AgentKind,
  activeDirectives,
  baseRoleText,
  type CombinedEffect,
  combineEffects,
} from './directives.js';
import { type ItemIndex, normalizeText } from './items.js';
import {
  alternativesPassage,
  checkPassage,
  handoffPassage,
  handoffShift,
  hasDetailedHandoff,
  misleadChance,
  namedAlternative,
  strayCheckChance,
  strayCheckValue,
} from './phenomena.js';
import {
  type AnswerStyle,
  answerCorrect,
  choiceLetters,
  filler,
  type MarkKind,
  readAnswer,
  sameAnswer,
  stateAnswer,
  wrongAnswer,
} from './text.js';
import type { CompiledDirective, World } from './world.js';

export interface SimState {
  world: World;
  directives: CompiledDirective[];
  index: ItemIndex;
}

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
export const logit = (p: number) => {
  const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
  return Math.log(q / (1 - q));
};

/** The randomness of a request: nothing at temperature 0, else the temperature, seed and sample index. */
export function nonceOf(call: Pick<ProviderCall, 'temperature' | 'seed' | 'sampleIndex'>): string {
  // The same folding the HTTP providers apply, so `maspo sim serve` samples exactly like the in-process sim.
  return call.temperature > 0
    ? `t${call.temperature}/s${providerSeed(call.seed, call.sampleIndex) ?? ''}/i0` // /i0: sample-0 draws as before
    : 't0';
}

/** The agent prompt as the executor renders it: the user messages, joined. */
export function agentPromptText(call: ProviderCall): string {
  return call.messages
    .filter((m) => m.role === 'user' || m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
}

export interface AgentAnalysis {
  item: Item | undefined;
  task: TaskType;
  kind: AgentKind;
  instructions: string;
  active: CompiledDirective[];
  effect: CombinedEffect;
  upstream: Array<{ agentId: string; role: string; text: string }>;
}

export function analyseAgentPrompt(state: SimState, prompt: string): AgentAnalysis {
  const upstream = parseContext(prompt);
  const noCtx = stripContext(prompt);
  const found = state.index.find(noCtx);
  let instructions = normalizeText(noCtx);
  if (found) instructions = instructions.replace(found.question, ' ');
  instructions = instructions.replace('(no upstream outputs)', ' ').replace(/\s+/g, ' ').trim();
  const task: TaskType =
    found?.item.task ?? (/\bdef \w+\(|python function|write a function/i.test(noCtx) ? 'code' : 'math');
  const kind: AgentKind = upstream.length > 0 ? 'reviewer' : 'solver';
  const active = activeDirectives(instructions, state.directives, task);
  return {
    item: found?.item,
    task,
    kind,
    instructions,
    active,
    effect: combineEffects(active, kind),
    upstream,
  };
}

interface Ctx {
  state: SimState;
  call: ProviderCall;
  a: AgentAnalysis;
  model: { skill: number };
  /** Uniform draw for a named decision: common to prompts that differ only in directive sentences. */
  u(name: string): number;
  prng(name: string): Prng;
}

/** The reply of an agent call. */
/** The executor's `contextMode: summary` hand-off request (see summaryPrompt in src/mas/execute.ts). */
const SUMMARY_REQUEST =
  /^(?:Summarize the following text in at most \d+ words, keeping its final answer\.|Describe the logic of the code in the following text in at most \d+ words\.)\n\n([\s\S]*)$/;

/** A summary keeps the final statement of the text as it was written (marked or loose). */
function summaryReply(text: string): string {
  const r = readAnswer(text);
  if (!r) {
    const code = /```/.test(text) ? 'The code defines the requested function and returns its result.' : '';
    return code || 'The text works through the problem without stating a clear final answer.';
  }
  const lines = text.trim().split('\n');
  const last = [...lines].reverse().find((l) => l.includes(r.answer)) ?? lines.at(-1) ?? '';
  return `The solution restates the problem, simplifies it and computes the result. ${last.trim()}`;
}

/** Draws that only shape the surface text: never tied to the temperature-0 reply. */
const FREE_DRAWS = new Set(['text', 'length']);
/** Habits of a prompt, the same in every sample: how a loose answer is phrased. */
const HABIT_DRAWS = new Set(['style']);

export function agentReply(state: SimState, call: ProviderCall, model: { skill: number }): string {
  const prompt = agentPromptText(call);
  const summary = SUMMARY_REQUEST.exec(prompt);
  if (summary) return summaryReply(summary[1]!);
  const a = analyseAgentPrompt(state, prompt);
  const identity = hash32(baseRoleText(a.instructions, state.directives));
  const itemKey = a.item?.id ?? `unknown:${hash32(a.instructions)}`;
  const nonce = nonceOf(call);
  // At temperature > 0 a decision repeats the temperature-0 one with probability `sampleCorrelation`, so
  // samples of one prompt are correlated (as an LLM's samples are); the surface text always varies.
  const rho = state.world.agent.sampleCorrelation;
  const keyOf = (name: string) => {
    if (nonce === 't0' || FREE_DRAWS.has(name)) return nonce;
    if (HABIT_DRAWS.has(name)) return 't0';
    return rho > 0 && Prng.from('sim-corr', itemKey, identity, nonce, name).next() < rho ? 't0' : nonce;
  };
  const jitter = state.world.agent.nondeterminism;
  const runKey = `s${providerSeed(call.seed, call.sampleIndex) ?? ''}`;
  const ctx: Ctx = {
    state,
    call,
    a,
    model,
    u: (name) => {
      const key = keyOf(name);
      const u = Prng.from('sim-agent', itemKey, identity, key, name).next();
      // Run-to-run nondeterminism: the temperature-0 decision itself wobbles with the seed, so only draws
      // close to their threshold change (see agent.nondeterminism in docs/simulated-model.md).
      if (jitter === 0 || key !== 't0' || FREE_DRAWS.has(name) || HABIT_DRAWS.has(name)) return u;
      return sigmoid(
        logit(u) + jitter * normalDraw(Prng.from('sim-jitter', itemKey, identity, runKey, name)),
      );
    },
    prng: (name) => Prng.from('sim-agent', itemKey, identity, keyOf(name), name),
  };
  if (!a.item) return unknownReply(ctx);
  if (a.task === 'code') return codeReply(ctx, a.item);
  return answerReply(ctx, a.item);
}

/** A standard normal draw (Box–Muller). */
function normalDraw(r: Prng): number {
  const u1 = Math.max(r.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.next());
}

function difficultyOf(world: World, item: Item | undefined): number {
  if (!item) return world.difficulty.unknown;
  const level = item.meta.level;
  if (typeof level === 'number' && world.difficulty.levels[String(level)] !== undefined)
    return world.difficulty.levels[String(level)]!;
  return world.difficulty.benchmarks[item.benchmark] ?? 0;
}

/**
 * The item's latent extra difficulty: normal with standard deviation `difficulty.itemSpread`, drawn from
 * the item alone, so it is shared by every agent, prompt, model and sample (items are hard for everyone).
 */
export function itemLatent(world: World, item: Item | undefined): number {
  const sd = world.difficulty.itemSpread;
  if (!item || sd === 0) return 0;
  return sd * normalDraw(Prng.from('sim-item-latent', item.id));
}

/**
 * Chance that an agent's own attempt is right: sigmoid(skill − difficulty − latent + effects). On a
 * multiple-choice item a failed attempt is a guess among the options, so the chance is at least 1/k.
 */
export function solveChance(ctx: Pick<Ctx, 'state' | 'a' | 'model'>): number {
  const world = ctx.state.world;
  const d = difficultyOf(world, ctx.a.item);
  const hard = d >= world.difficulty.hardThreshold ? ctx.a.effect.hardAccuracy : 0;
  const p = sigmoid(ctx.model.skill - d - itemLatent(world, ctx.a.item) + ctx.a.effect.accuracy + hard);
  if (ctx.a.item?.task !== 'choice') return p;
  const guess = 1 / choiceLetters(ctx.a.item).length;
  return guess + (1 - guess) * p;
}

function sentenceCount(ctx: Ctx, base: number): number {
  const jitter = 0.8 + 0.4 * ctx.u('length');
  return Math.max(1, Math.round(base * ctx.a.effect.length * jitter));
}

function markKind(instructions: string): MarkKind {
  return /<answer>|answer tags?|<\/answer>/i.test(instructions) ? 'tag' : 'boxed';
}

function looseStyle(ctx: Ctx): AnswerStyle {
  const agent = ctx.state.world.agent;
  const { plain, buried } = agent.looseStylesByTask?.[ctx.a.task] ?? agent.looseStyles;
  return ctx.u('style') * (plain + buried) < plain ? 'plain' : 'buried';
}

/** Reads an upstream answer the way the world says a reviewer does: marked reliably, loose ones sometimes. */
function readUpstream(ctx: Ctx, text: string, i: number): { answer: string; marked: boolean } | null {
  const r = readAnswer(text);
  if (!r) return null;
  const read = ctx.state.world.agent.read;
  let p = read.marked;
  if (r.style !== 'marked') p = sigmoid(logit(read[r.style]) + ctx.a.effect.readLoose);
  return ctx.u(`read:${i}`) < p ? { answer: r.answer, marked: r.style === 'marked' } : null;
}

function majority(task: TaskType, answers: string[]): string {
  const counts: Array<{ a: string; n: number }> = [];
  for (const a of answers) {
    const c = counts.find((x) => sameAnswer(task, x.a, a));
    if (c) c.n++;
    else counts.push({ a, n: 1 });
  }
  return counts.reduce((best, c) => (c.n > best.n ? c : best)).a;
}

/** Decides a reviewer's answer given what it read upstream; `shift` adds phenomena's logit shifts. */
function reviewDecision(
  ctx: Ctx,
  upstreamCorrect: boolean,
  shift: { keepCorrect: number; catchError: number } = { keepCorrect: 0, catchError: 0 },
): { outcome: 'kept' | 'overturned' | 'caught' | 'missed' } {
  const rv = ctx.state.world.agent.reviewer;
  if (upstreamCorrect) {
    const keep = ctx.u('keep') < sigmoid(rv.keepCorrect + ctx.a.effect.keepCorrect + shift.keepCorrect);
    return { outcome: keep ? 'kept' : 'overturned' };
  }
  const caught = ctx.u('catch') < sigmoid(rv.catchError + ctx.a.effect.catchError + shift.catchError);
  return { outcome: caught ? 'caught' : 'missed' };
}

function answerReply(ctx: Ctx, item: Item): string {
  const { a } = ctx;
  const p = solveChance(ctx);
  const ownCorrect = ctx.u('solve') < p;
  let answer: string;
  let intro: string;
  let sawMarked = false;
  if (a.kind === 'solver') {
    answer = ownCorrect ? simGold(item) : wrongAnswer(item, ctx.prng('wrong'));
    intro = '';
  } else {
    const world = ctx.state.world;
    let note = '';
    const reads = a.upstream
      .map((e, i) => {
        // Phenomena: a named alternative, stated plainly, may be adopted whether or not the final answer
        // can be read; a stray check value after a readable answer is taken as the result.
        const alt = namedAlternative(e.text);
        if (alt !== null && ctx.u(`misled:${i}`) < misleadChance(world)) {
          note = `The previous work also points to $${alt}$ among its candidates, and I go with it.`;
          return { answer: alt, marked: false };
        }
        const r = readUpstream(ctx, e.text, i);
        if (!r) return null;
        const check = strayCheckValue(e.text);
        if (check !== null) {
          note = `Reading the previous result as $${check}$, I continue from there.`;
          return { ...r, answer: check };
        }
        return r;
      })
      .filter((r) => r !== null);
    sawMarked = reads.some((r) => r.marked);
    const handoff =
      world.phenomena.peerCoupling.strength > 0 && a.upstream.some((e) => hasDetailedHandoff(e.text))
        ? handoffShift(world, a.effect.verifiesHandoff)
        : undefined;
    if (reads.length === 0) {
      answer = ownCorrect ? simGold(item) : wrongAnswer(item, ctx.prng('wrong'));
      intro = 'I could not find a clear final answer in the previous work, so I solve the problem myself.';
    } else {
      const up = majority(
        item.task,
        reads.map((r) => r.answer),
      );
      const upCorrect = answerCorrect(item, up);
      const { outcome } = reviewDecision(ctx, upCorrect, handoff);
      if (outcome === 'kept' || outcome === 'missed') {
        answer = up;
        intro = 'I checked the previous solution and agree with its result.';
      } else if (outcome === 'overturned') {
        answer = wrongAnswer(item, ctx.prng('wrong'), up);
        intro = 'I think the previous solution has a mistake, so I correct it.';
      } else {
        answer = ownCorrect ? simGold(item) : wrongAnswer(item, ctx.prng('wrong'), up);
        intro = 'The previous solution contains an error; redoing the computation gives a different result.';
      }
      if (note) intro = `${note} ${intro}`;
    }
  }
  const marked =
    a.effect.marksAnswer ||
    (a.kind === 'reviewer' && sawMarked && ctx.u('mirror') < ctx.state.world.agent.reviewer.mirrorMarking);
  const style: AnswerStyle = marked ? 'marked' : looseStyle(ctx);
  const prng = ctx.prng('text');
  const n = sentenceCount(ctx, ctx.state.world.agent.baseSentences * (a.kind === 'reviewer' ? 0.7 : 1));
  const body = filler(a.kind === 'solver' ? 'solve' : 'review', n, a.effect.length >= 1.5, prng);
  const letters = item.task === 'choice' ? choiceLetters(item) : undefined;
  const final = stateAnswer(item.task, answer, style, markKind(a.instructions), prng, letters);
  const ph = ctx.state.world.phenomena;
  const solver = a.kind === 'solver';
  const handoff = solver && ph.peerCoupling.strength > 0 && a.effect.detailedHandoff ? handoffPassage() : '';
  const alternatives =
    solver && ph.misleadingStyle.strength > 0 && a.effect.discussAlternatives
      ? alternativesPassage(item, answer, ctx.prng('alternatives'))
      : '';
  // The stray check value is a habit of the exact prompt (not shared by prompts that differ only in
  // directives), so a candidate and its parent differ on some items: misalignment cases can show it.
  const stray =
    solver &&
    item.task === 'math' &&
    !a.effect.noTrailingCheck &&
    Prng.from('sim-stray-check', item.id, hash32(a.instructions), nonceOf(ctx.call)).next() <
      strayCheckChance(ctx.state.world)
      ? checkPassage(item, answer, ctx.prng('check'))
      : '';
  return [intro, body, handoff, alternatives, final, stray].filter((s) => s !== '').join('\n\n');
}

function unknownReply(ctx: Ctx): string {
  const { a } = ctx;
  const prng = ctx.prng('text');
  if (a.task === 'code') {
    const code = 'def solution(*args):\n    return None';
    return a.effect.codeOnly
      ? fence(code)
      : `I am not sure what is needed here; a placeholder:\n\n${fence(code)}`;
  }
  let answer = String(1 + prng.int(99));
  if (a.kind === 'reviewer') {
    const reads = a.upstream.map((e, i) => readUpstream(ctx, e.text, i)).filter((r) => r !== null);
    if (reads.length) answer = reads[0]!.answer;
  }
  const style: AnswerStyle = a.effect.marksAnswer ? 'marked' : looseStyle(ctx);
  const final = stateAnswer('math', answer, style, markKind(a.instructions), prng);
  return `I do not recognise this problem and can only give a rough attempt.\n\n${final}`;
}

// ---------- code ----------

function fence(code: string): string {
  return `\`\`\`python\n${code}\n\`\`\``;
}

/** Whether a piece of code is the item's canonical solution (ignoring whitespace and demo calls). */
export function isCanonicalCode(item: Item, code: string): boolean {
  const canon = item.meta.canonicalSolution;
  if (!canon) return false;
  return normalizeCode(withoutDemoCall(code)) === normalizeCode(canon);
}

function codeReply(ctx: Ctx, item: Item): string {
  const { a } = ctx;
  const canon = item.meta.canonicalSolution;
  if (!canon) return unknownReply(ctx);
  const p = solveChance(ctx);
  const ownCorrect = ctx.u('solve') < p;
  const buggy = () => injectBug(canon.replace(/\r\n/g, '\n'), ctx.prng('bug')).code;
  let code: string;
  let intro = '';
  if (a.kind === 'solver') {
    code = ownCorrect ? canon : buggy();
  } else {
    const blocks = a.upstream
      .map((e, i) => {
        const c = codeOf(e.text);
        const read = c.fenced || /^\s*(def|import|from|class)\b/m.test(c.code);
        const p = c.fenced ? ctx.state.world.agent.read.marked : ctx.state.world.agent.read.plain;
        return read && ctx.u(`read:${i}`) < p ? withoutDemoCall(c.code) : null;
      })
      .filter((c) => c !== null);
    if (blocks.length === 0) {
      code = ownCorrect ? canon : buggy();
      intro = 'I could not find code in the previous work, so I write the solution myself.';
    } else {
      const up = blocks[0]!;
      const { outcome } = reviewDecision(ctx, isCanonicalCode(item, up));
      if (outcome === 'kept' || outcome === 'missed') {
        code = up;
        intro = 'The previous code looks right to me; I keep it.';
      } else if (outcome === 'overturned') {
        code = buggy();
        intro = 'I think the previous code mishandles a case, so I rewrite that part.';
      } else {
        code = ownCorrect ? canon : buggy();
        intro = 'The previous code has a bug; here is a corrected version.';
      }
    }
  }
  code = code.replace(/\r\n/g, '\n').replace(/\s+$/, '');
  const entry = item.meta.entryPoint ?? item.gold;
  if (
    !a.effect.noExtras &&
    entry &&
    !hasDemoCall(code) &&
    ctx.u('extras') < ctx.state.world.agent.code.extrasRate
  )
    code = `${code}\n\n${demoCall(entry)}`;
  if (a.effect.noExtras) code = withoutDemoCall(code);
  if (a.effect.codeOnly) return fence(code);
  const prng = ctx.prng('text');
  const n = sentenceCount(ctx, Math.max(2, Math.round(ctx.state.world.agent.baseSentences / 2)));
  const before = filler(a.kind === 'solver' ? 'solve' : 'review', n, a.effect.length >= 1.5, prng);
  return [
    intro,
    before,
    fence(code),
    'This implementation follows the specification and returns the required value.',
  ]
    .filter((s) => s !== '')
    .join('\n\n');
}
