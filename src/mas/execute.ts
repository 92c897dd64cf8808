import { type ContextEntry, formatContext } from '../contracts/context.js';
import type { Item } from '../datasets/types.js';
import { isAbort, isFatalLlmError } from '../llm/errors.js';
import type { ChatMessage, ChatResponse, LlmClient, Usage } from '../llm/types.js';
import type { Scorer } from '../tasks/types.js';
import { descendants, levels, predecessors } from './graph.js';
import { renderPrompt } from './template.js';
import type { Agent, AgentRecord, PromptMap, System, Trace } from './types.js';

export interface ExecuteOptions {
  client: LlmClient;
  /** Default agent model reference (an agent's own `model` wins). */
  model: string;
  /** Prompt overrides per agent id. */
  prompts?: PromptMap;
  /** Fills AgentRecord.extracted, and votes self-consistency samples. */
  scorer?: Scorer;
  signal?: AbortSignal;
  /** A previous trace of the same item whose records are reused for agents not re-run. */
  reuse?: Trace;
  /** Agents to re-run (with all their descendants); every other agent is copied from `reuse`. */
  rerunFrom?: string[];
  /** Distinguishes repeated runs of the whole system on one item (part of every call's cache key). */
  sampleIndex?: number;
  /** Provider seed passed on every call (the simulated model derives its randomness from it). */
  seed?: number;
  /**
   * Errors for which the whole run should stop rather than the item being recorded as an error
   * (aborts always propagate). E.g. `(e) => e instanceof BudgetExhaustedError`.
   */
  isFatal?: (err: unknown) => boolean;
}

/** The prompt that produces the `contextMode: summary` hand-off (the reference's compression step). */
export function summaryPrompt(task: System['task'], output: string): string {
  const ask =
    task === 'code'
      ? 'Describe the logic of the code in the following text in at most 50 words.'
      : 'Summarize the following text in at most 30 words, keeping its final answer.';
  return `${ask}\n\n${output}`;
}

const addUsage = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
});

const errorText = (err: unknown): string =>
  err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    if (isAbort(signal.reason)) throw signal.reason;
    const e = new Error('the run was cancelled');
    e.name = 'AbortError';
    throw e;
  }
}

/** Picks the majority answer by `same`; ties go to the answer seen first. Returns the winning sample's index. */
export function majorityIndex(
  answers: Array<string | null>,
  same: (a: string, b: string) => boolean,
): number {
  const classes: Array<{ first: number; answer: string; count: number }> = [];
  answers.forEach((a, i) => {
    if (a === null) return;
    const c = classes.find((k) => same(k.answer, a));
    if (c) c.count++;
    else classes.push({ first: i, answer: a, count: 1 });
  });
  if (classes.length === 0) return 0;
  let best = classes[0]!;
  for (const c of classes) if (c.count > best.count) best = c;
  return best.first;
}

/** Which agents run (the rest are reused) for a partial re-run. */
function rerunSet(system: System, opts: ExecuteOptions): Set<string> | null {
  if (!opts.reuse || !opts.rerunFrom) return null;
  const out = new Set<string>();
  for (const id of opts.rerunFrom) {
    if (!system.agents.some((a) => a.id === id)) {
      throw new Error(`rerunFrom names "${id}", which is not an agent of system "${system.name}"`);
    }
    out.add(id);
    for (const d of descendants(system, id)) out.add(d);
  }
  return out;
}

/** Runs one item through the system, level by level, and returns its trace. */
export async function executeItem(system: System, item: Item, opts: ExecuteOptions): Promise<Trace> {
  const started = performance.now();
  const byId = new Map(system.agents.map((a) => [a.id, a]));
  if (opts.reuse && opts.reuse.itemId !== item.id) {
    throw new Error(`reuse: the trace is of item "${opts.reuse.itemId}", not "${item.id}"`);
  }
  const rerun = rerunSet(system, opts);
  const reused = new Map((opts.reuse?.records ?? []).map((r) => [r.agentId, r]));
  const records = new Map<string, AgentRecord>();
  const order: AgentRecord[] = [];
  let simulated = false;
  let traceError: string | undefined;

  const handoff = (r: AgentRecord) =>
    system.contextMode === 'summary' && r.summary ? r.summary.text : r.output;

  const call = async (agent: Agent, messages: ChatMessage[], sample: number, temperature?: number) => {
    const res: ChatResponse = await opts.client.complete(
      {
        model: agent.model ?? opts.model,
        messages,
        role: 'agent',
        ...(temperature !== undefined ? { temperature } : {}),
        ...(agent.maxTokens !== undefined ? { maxTokens: agent.maxTokens } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        sampleIndex: (opts.sampleIndex ?? 0) * 1000 + sample,
      },
      opts.signal ? { signal: opts.signal } : {},
    );
    simulated ||= res.simulated;
    return res;
  };

  const extract = (text: string): string | null => {
    if (!opts.scorer) return null;
    try {
      return opts.scorer.extract(item, text);
    } catch {
      return null;
    }
  };

  const runAgent = async (agent: Agent): Promise<AgentRecord> => {
    const preds = predecessors(system, agent.id);
    const entries: ContextEntry[] = preds.map((p) => {
      const r = records.get(p)!;
      return { agentId: p, role: r.role, text: handoff(r) };
    });
    const context = entries.length > 0 ? formatContext(entries) : '';
    const template = opts.prompts?.[agent.id] ?? agent.prompt;
    const messages: ChatMessage[] = [
      { role: 'user', content: renderPrompt(template, { question: item.question, context }) },
    ];
    const model = agent.model ?? opts.model;
    const base: AgentRecord = {
      agentId: agent.id,
      role: agent.role,
      model,
      messages,
      context,
      output: '',
      usage: { inputTokens: 0, outputTokens: 0 },
      latencyMs: 0,
      cached: false,
      extracted: null,
    };
    const t0 = performance.now();
    try {
      const k = Math.max(1, agent.samples ?? 1);
      if (k === 1) {
        const res = await call(agent, messages, 0, agent.temperature);
        Object.assign(base, {
          output: res.text,
          usage: res.usage,
          cached: res.cached,
          extracted: extract(res.text),
        });
      } else {
        const results = await Promise.all(
          Array.from({ length: k }, (_, i) => call(agent, messages, i, agent.temperature)),
        );
        const samples = results.map((r) => ({
          output: r.text,
          extracted: extract(r.text),
          usage: r.usage,
          latencyMs: r.latencyMs,
          cached: r.cached,
        }));
        const same = opts.scorer
          ? (a: string, b: string) => opts.scorer!.same(item, a, b)
          : (a: string, b: string) => a.trim() === b.trim();
        // Without a scorer there is no answer to extract: vote over whole outputs.
        const win = majorityIndex(
          samples.map((s) => (opts.scorer ? s.extracted : s.output)),
          same,
        );
        Object.assign(base, {
          output: samples[win]!.output,
          extracted: samples[win]!.extracted,
          usage: samples.reduce((u, s) => addUsage(u, s.usage), { inputTokens: 0, outputTokens: 0 }),
          cached: samples.every((s) => s.cached),
          samples,
        });
      }
      base.latencyMs = Math.round(performance.now() - t0);
      const needsSummary =
        system.contextMode === 'summary' && system.edges.some(([from]) => from === agent.id);
      if (needsSummary) {
        const s0 = performance.now();
        const res = await call(
          agent,
          [{ role: 'user', content: summaryPrompt(system.task, base.output) }],
          0,
          0,
        );
        base.summary = {
          text: res.text,
          usage: res.usage,
          latencyMs: Math.round(performance.now() - s0),
          cached: res.cached,
        };
      }
    } catch (err) {
      if (isAbort(err) || isFatalLlmError(err) || opts.isFatal?.(err)) throw err;
      throwIfAborted(opts.signal);
      base.error = errorText(err);
      base.latencyMs = Math.round(performance.now() - t0);
    }
    return base;
  };

  for (const level of levels(system)) {
    throwIfAborted(opts.signal);
    const todo: Agent[] = [];
    for (const id of level) {
      const prev = reused.get(id);
      if (rerun && !rerun.has(id) && prev && !prev.error) {
        const copy: AgentRecord = { ...prev, reused: true };
        records.set(id, copy);
        order.push(copy);
      } else {
        todo.push(byId.get(id)!);
      }
    }
    const done = await Promise.all(todo.map(runAgent));
    for (const r of done) {
      records.set(r.agentId, r);
      order.push(r);
    }
    const failed = done.filter((r) => r.error);
    if (failed.length > 0) {
      traceError = failed.map((r) => `agent "${r.agentId}": ${r.error}`).join('; ');
      break;
    }
  }
  if (opts.reuse?.simulated && order.some((r) => r.reused)) simulated = true;
  const final = records.get(system.output);
  return {
    itemId: item.id,
    records: order,
    finalOutput: traceError ? '' : (final?.output ?? ''),
    ...(traceError ? { error: traceError } : {}),
    simulated,
    latencyMs: Math.round(performance.now() - started),
  };
}

/**
 * Runs many items, at most `concurrency` at a time (the LLM client's scheduler limits calls further).
 * Returns traces in item order whatever order they finish in.
 */
export async function executeItems(
  system: System,
  items: readonly Item[],
  opts: ExecuteOptions & { concurrency?: number; onItem?: (t: Trace, index: number) => void },
): Promise<Trace[]> {
  const out: Trace[] = new Array(items.length);
  const limit = Math.max(1, opts.concurrency ?? 16);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      throwIfAborted(opts.signal);
      const t = await executeItem(system, items[i]!, opts);
      out[i] = t;
      opts.onItem?.(t, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
