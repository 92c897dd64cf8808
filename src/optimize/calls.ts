import { recognizeRequest } from '../contracts/index.js';
import { formatProposal } from '../contracts/proposal.js';
import { BudgetExhaustedError, type BudgetScope, checkBudgets } from '../llm/budget.js';
import type { BudgetLimit } from '../llm/config.js';
import type { CallRole, ChatRequest, ChatResponse, CompleteOptions, LlmClient, Usage } from '../llm/types.js';
import { hashValue, sha256 } from '../util/hash.js';

import { SpendLedger } from './ledger.js';
import { type RoleCounts, type Spend, totalCount, zeroCounts } from './spend.js';

export { addSpend, type RoleCounts, type Spend, zeroCounts, zeroSpend } from './spend.js';

/**
 * The run's budget (`llm.budget`) applied across every process of a resumed run: the ledger holds what
 * every process reserved (earlier ones included), and a send that would take it over a limit fails with
 * BudgetExhaustedError before it leaves.
 */
export interface RunBudget {
  limits: Partial<Record<BudgetScope, BudgetLimit>>;
  costOf(model: string, usage: Usage): number;
}

/**
 * Wraps the LLM client for one search: identical requests are sent once (memoised in memory for the
 * run, so upstream outputs, shared baselines and a winning candidate's runs are reused), distinct
 * requests are counted per role, and a BudgetExhaustedError is remembered even when a caller swallows it.
 *
 * Paid calls are reserved in the run's ledger before they are sent: through the inner client's onSend
 * hook when it has one (`reportsSends`: every HTTP attempt, retries included, cache hits never), else
 * once per distinct request before it is handed over, refunded when the reply says it was cached.
 */
export class CountingClient implements LlmClient {
  private readonly memo = new Map<string, Promise<ChatResponse>>();
  /** Distinct requests sent to the inner client, per role. */
  readonly requests = zeroCounts();
  /** Requests answered by the inner client's cache (saved, not spent). */
  readonly cached = zeroCounts();
  /** Requests answered from this run's memo. */
  readonly memoHits = zeroCounts();
  inputTokens = 0;
  outputTokens = 0;
  budgetError: BudgetExhaustedError | null = null;
  simulated = false;
  readonly ledger: SpendLedger;

  constructor(
    readonly inner: LlmClient,
    private readonly budget: RunBudget | null = null,
    ledger?: SpendLedger,
  ) {
    this.ledger = ledger ?? SpendLedger.inMemory();
  }

  /** What this process paid for, per role. */
  spend(): Spend {
    return this.ledger.sessionSpend();
  }

  /** Throws when one more call of this role would take the whole run (all processes) over a budget. */
  private checkBudget(role: CallRole): void {
    if (!this.budget) return;
    const total = this.ledger.total();
    checkBudgets(this.budget.limits, role, (scope) => {
      const pick = (c: RoleCounts) => (scope === 'total' ? totalCount(c) : c[scope]);
      return { calls: pick(total.calls), tokens: pick(total.tokens), usd: pick(total.usd) };
    });
  }

  /** Checks the budget and reserves one call in the ledger (remembering a refusal). */
  private reserve(role: CallRole, durable: boolean): void {
    try {
      this.checkBudget(role);
    } catch (err) {
      if (err instanceof BudgetExhaustedError && !this.budgetError) this.budgetError = err;
      throw err;
    }
    this.ledger.reserve(role, durable);
  }

  complete(request: ChatRequest, options: CompleteOptions = {}): Promise<ChatResponse> {
    const key = hashValue(request);
    const hit = this.memo.get(key);
    if (hit) {
      this.memoHits[request.role]++;
      return hit;
    }
    const viaHook = this.inner.reportsSends === true;
    try {
      // Through the hook the reservation happens at send time; checking now avoids queueing doomed work.
      if (viaHook) this.checkBudget(request.role);
      else this.reserve(request.role, true);
    } catch (err) {
      if (err instanceof BudgetExhaustedError && !this.budgetError) this.budgetError = err;
      return Promise.reject(err);
    }
    this.requests[request.role]++;
    const inner: CompleteOptions = viaHook
      ? {
          ...options,
          onSend: (info) => {
            options.onSend?.(info);
            this.reserve(request.role, !info.local);
          },
        }
      : options;
    const p = this.inner.complete(request, inner).then(
      (r) => {
        if (r.cached) {
          this.cached[request.role]++;
          if (!viaHook) this.ledger.refund(request.role);
        } else {
          this.inputTokens += r.usage.inputTokens;
          this.outputTokens += r.usage.outputTokens;
          this.ledger.settle(
            request.role,
            r.usage.inputTokens + r.usage.outputTokens,
            this.budget ? this.budget.costOf(request.model, r.usage) : 0,
          );
        }
        this.simulated ||= r.simulated;
        return r;
      },
      (err: unknown) => {
        this.memo.delete(key);
        if (err instanceof BudgetExhaustedError && !this.budgetError) this.budgetError = err;
        throw err;
      },
    );
    this.memo.set(key, p);
    return p;
  }

  /** Paid calls of this process: calls reserved in the ledger (sent), less cache refunds. */
  paid(): RoleCounts {
    return { ...this.ledger.sessionSpend().calls };
  }

  /** Forgets a remembered budget error (the next phase may still be within its budgets). */
  clearBudgetError(): void {
    this.budgetError = null;
  }

  /** Throws the remembered budget error, if any. */
  throwIfBudgetExhausted(): void {
    if (this.budgetError) throw this.budgetError;
  }
}

const VARIANT = '[dry-run variant ';
const LEVEL = /\(level (\d+)\)/g;

/**
 * The dry-run's stand-in for the models: answers every request instantly and for free, so the real
 * schedule can be walked. Its scenario is the costly one: every proposal is new and valid, and every
 * candidate wins its judgements (so beams stay full). Agent outputs carry a "level" that grows with each
 * accepted variant so judges can tell candidates from parents.
 */
export class DryRunClient implements LlmClient {
  constructor(
    private readonly tokens: { agent: number; optimizer: number; judge: number } = {
      agent: 400,
      optimizer: 600,
      judge: 200,
    },
  ) {}

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const text = this.reply(request);
    const inputTokens = Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4);
    return {
      text,
      usage: { inputTokens, outputTokens: this.tokens[request.role] },
      finishReason: 'stop',
      model: request.model,
      latencyMs: 0,
      cached: false,
      simulated: false,
    };
  }

  private reply(request: ChatRequest): string {
    const kind = recognizeRequest(request.messages);
    const id = sha256(JSON.stringify([request.messages, request.seed ?? 0, request.sampleIndex ?? 0])).slice(
      0,
      10,
    );
    if (kind.kind === 'optimizer') {
      return formatProposal({ rationale: 'dry run', prompt: `${kind.data.currentPrompt}\n${VARIANT}${id}]` });
    }
    if (kind.kind === 'judge') {
      const a = levelOf(kind.data.outputA);
      const b = levelOf(kind.data.outputB);
      return `dry run\nVERDICT: ${a > b ? 'A' : b > a ? 'B' : 'TIE'}`;
    }
    const all = request.messages.map((m) => m.content).join('\n');
    const level =
      all.split(VARIANT).length - 1 + Math.max(0, ...[...all.matchAll(LEVEL)].map((m) => Number(m[1])));
    return `dry-run output ${id} (level ${level})\nThe answer is \\boxed{0}.`;
  }
}

function levelOf(text: string): number {
  return Math.max(0, ...[...text.matchAll(LEVEL)].map((m) => Number(m[1])));
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function pMap<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
