import { parseContext } from '../../contracts/context.js';
import { formatProposal, type ProposalRequestData, type ProposalTrace } from '../../contracts/proposal.js';
import type { Item, TaskType } from '../../datasets/types.js';
import { hash32, Prng } from '../../util/prng.js';
import type { ProviderCall } from '../types.js';
import { isCanonicalCode, nonceOf, type SimState } from './agent.js';
import { codeOf, hasDemoCall } from './code.js';
import { type AgentKind, addDirective, presentDirectives, removeDirective } from './directives.js';
import { MISLED_BY_ALTERNATIVES, MISREAD_HANDOFF } from './phenomena.js';
import { isMarked, readAnswer, sameAnswer } from './text.js';
import type { CompiledDirective, Symptom } from './world.js';

/** Symptoms visible in one trace (what a careful reader would notice). */
export function symptomsOf(
  item: Item | undefined,
  task: TaskType,
  kind: AgentKind,
  t: ProposalTrace & { successorOutput?: string },
): Symptom[] {
  const out: Symptom[] = [];
  if (task === 'code') {
    const c = codeOf(t.output);
    if (hasDemoCall(c.code)) out.push('code-extras');
    if (c.fenced && t.output.replace(/```[\s\S]*?```/g, '').trim().length > 0) out.push('code-prose');
    if (item && !isCanonicalCode(item, c.code)) out.push('failing-code');
    return out;
  }
  if (!isMarked(t.output)) out.push('unmarked-answers');
  const own = readAnswer(t.output);
  const ownRight = item && own ? sameAnswer(task, own.answer, item.gold) : null;
  if (kind === 'reviewer') {
    const ups = parseContext(t.context)
      .map((e) => readAnswer(e.text))
      .filter((r) => r !== null);
    const up = ups[0];
    if (item && up && own) {
      const upRight = sameAnswer(task, up.answer, item.gold);
      if (upRight && !ownRight) out.push('overturned-correct');
      if (!upRight && sameAnswer(task, up.answer, own.answer)) out.push('missed-errors');
    }
  }
  if (ownRight === false) out.push('wrong-answers');
  // What the successor did is only in labelled failure cases: hand-off failures show nowhere else.
  if (t.successorOutput !== undefined) out.push(...handoffSymptoms(t.successorOutput));
  return out;
}

/** Symptoms of a successor's output that betray a problem in the hand-off it received. */
export function handoffSymptoms(successorOutput: string): Symptom[] {
  const out: Symptom[] = [];
  if (MISLED_BY_ALTERNATIVES.test(successorOutput)) out.push('misled-by-alternatives');
  if (MISREAD_HANDOFF.test(successorOutput)) out.push('misread-handoff');
  return out;
}

/** The optimizer role's reply: the parent prompt edited by adding or removing one or two directives. */
export function optimizerReply(state: SimState, data: ProposalRequestData, call: ProviderCall): string {
  const w = state.world.optimizer;
  const prng = Prng.from(
    'sim-optimizer',
    hash32(call.messages.map((m) => `${m.role}\u0001${m.content}`).join('\u0002')),
    nonceOf(call),
  );
  const all = [...data.traces, ...data.failureCases, ...data.successCases];
  const items = all.map((t) => state.index.byQuestion(t.question) ?? state.index.find(t.question)?.item);
  const task: TaskType = items.find((i) => i)?.task ?? 'math';
  const reviewerByContext = all.some((t) => parseContext(t.context).length > 0);
  const kind: AgentKind =
    reviewerByContext || /review|reflect|critic|verif|aggregat|judge|refine/i.test(data.agentRole)
      ? 'reviewer'
      : 'solver';

  const current = data.currentPrompt;
  const present = new Set(presentDirectives(current, state.directives).map((d) => d.id));
  const applicable = state.directives.filter((d) => d.tasks.includes(task) && d[kind] !== undefined);
  const addable = applicable.filter((d) => !present.has(d.id));
  const removable = state.directives.filter((d) => present.has(d.id));

  // Symptoms: failure cases count double; their labels make the reading reliable.
  const counts = new Map<Symptom, number>();
  const note = (ts: ProposalTrace[], weight: number, offset: number) =>
    ts.forEach((t, i) => {
      for (const s of symptomsOf(items[offset + i], task, kind, t)) {
        // A wrong answer is the least specific symptom: it weighs half.
        const wgt = s === 'wrong-answers' || s === 'failing-code' ? weight / 2 : weight;
        counts.set(s, (counts.get(s) ?? 0) + wgt);
      }
    });
  note(data.traces, 1, 0);
  note(data.failureCases, 2, data.traces.length);
  const notice = data.failureCases.length > 0 ? w.noticeWithFailureCases : w.noticeFromTraces;

  const edits: Array<{ op: 'add' | 'remove'; d: CompiledDirective }> = [];
  let why = '';
  const symptoms = [...counts].filter(([s]) => candidatesFor(s).length > 0);
  if (symptoms.length > 0 && prng.next() < notice) {
    const total = symptoms.reduce((n, [, c]) => n + c, 0);
    let r = prng.next() * total;
    let chosen = symptoms[0]![0];
    for (const [s, c] of symptoms) {
      r -= c;
      if (r < 0) {
        chosen = s;
        break;
      }
    }
    const cands = candidatesFor(chosen);
    // A harmful directive present that worsens the symptom is removed; else a helpful one is added
    // (a harmful one that claims to address it is picked less often).
    const harmfulPresent = removable.filter((d) => d.harmful && worsens(d, chosen));
    if (harmfulPresent.length > 0) edits.push({ op: 'remove', d: prng.pick(harmfulPresent) });
    else {
      const weighted = cands.flatMap((d) => (d.harmful ? [d] : [d, d, d, d]));
      edits.push({ op: 'add', d: prng.pick(weighted) });
    }
    why = `The traces show ${describe(chosen)}.`;
  } else if (removable.length > 0 && (addable.length === 0 || prng.next() < w.removeRate)) {
    edits.push({ op: 'remove', d: prng.pick(removable) });
    why = 'Trying a simpler prompt.';
  } else if (addable.length > 0) {
    edits.push({ op: 'add', d: prng.pick(addable) });
    why = 'Trying an additional instruction.';
  }
  if (prng.next() < w.secondEditRate) {
    const more = addable.filter((d) => !edits.some((e) => e.d.id === d.id));
    if (more.length > 0) edits.push({ op: 'add', d: prng.pick(more) });
  }

  let prompt = current;
  for (const e of edits)
    prompt = e.op === 'add' ? addDirective(prompt, e.d, prng) : removeDirective(prompt, e.d);
  const summary = edits.map((e) => `${e.op === 'add' ? 'added' : 'removed'} an instruction (${e.d.id})`);
  const rationale =
    `${why} ${summary.length ? `I ${summary.join(' and ')}.` : 'No change seems needed.'}`.trim();
  return formatProposal({ prompt, rationale });

  function candidatesFor(s: Symptom): CompiledDirective[] {
    return [
      ...addable.filter((d) => d.addresses.includes(s)),
      ...removable.filter((d) => d.harmful && worsens(d, s)),
    ];
  }
}

/** Whether a (harmful) directive makes a symptom worse, judged by its effects. */
function worsens(d: CompiledDirective, s: Symptom): boolean {
  const e = { ...d.solver, ...d.reviewer };
  switch (s) {
    case 'overturned-correct':
      return (d.reviewer?.keepCorrect ?? 0) < 0;
    case 'missed-errors':
      return (d.reviewer?.catchError ?? 0) < 0;
    case 'wrong-answers':
    case 'failing-code':
      return (d.solver?.accuracy ?? 0) < 0 || (e.catchError ?? 0) < 0;
    case 'misled-by-alternatives':
      return d.solver?.discussAlternatives === true;
    default:
      return false;
  }
}

function describe(s: Symptom): string {
  switch (s) {
    case 'unmarked-answers':
      return 'final answers stated loosely, which the next agent and the scorer cannot always find';
    case 'overturned-correct':
      return 'correct upstream answers being overturned';
    case 'missed-errors':
      return 'wrong upstream answers passing unchallenged';
    case 'wrong-answers':
      return 'wrong final answers';
    case 'code-prose':
      return 'code wrapped in prose';
    case 'code-extras':
      return 'demo calls at module level that break the tests';
    case 'failing-code':
      return 'code that fails its tests';
    case 'misled-by-alternatives':
      return 'the next agent adopting one of the alternative answers this agent mentioned';
    case 'misread-handoff':
      return 'the next agent taking a stray check value as the result';
  }
}
