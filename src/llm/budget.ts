import type { BudgetLimit, Price } from './config.js';
import { LlmError } from './errors.js';
import { DEFAULT_PRICES } from './prices.js';
import type { CallRole, Usage } from './types.js';

export interface UsageTotals {
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  usd: number;
  /** Calls answered from the cache: their tokens and cost are saved, not spent. */
  cacheHits: number;
  savedInputTokens: number;
  savedOutputTokens: number;
  savedUsd: number;
}

export interface UsageReport {
  total: UsageTotals;
  byRole: Record<CallRole, UsageTotals>;
  byModel: Record<string, UsageTotals>;
  /** Models with no price in the table (their cost is counted as 0). */
  unpriced: string[];
}

export type BudgetScope = 'total' | CallRole;

/** Thrown before dispatch when a call would exceed a budget. Callers catch it to finish gracefully. */
export class BudgetExhaustedError extends LlmError {
  override name = 'BudgetExhaustedError';
  constructor(
    readonly scope: BudgetScope,
    readonly limit: keyof BudgetLimit,
    readonly max: number,
    readonly spent: number,
  ) {
    super(
      `${scope} budget exhausted: ${limit} ${round(spent)} of ${max} spent (llm.budget.${scope}.${limit})`,
      {
        retryable: false,
      },
    );
  }
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

const emptyTotals = (): UsageTotals => ({
  calls: 0,
  errors: 0,
  inputTokens: 0,
  outputTokens: 0,
  usd: 0,
  cacheHits: 0,
  savedInputTokens: 0,
  savedOutputTokens: 0,
  savedUsd: 0,
});

/** What a budget scope has used: calls, tokens (input + output) and USD. */
export interface BudgetUse {
  calls: number;
  tokens: number;
  usd: number;
}

/**
 * Throws BudgetExhaustedError when one more call of `role` would take the total or the role's scope over
 * its limit. `used` says what a scope has used so far: the process's meter, or a run's ledger across
 * processes.
 */
export function checkBudgets(
  limits: Partial<Record<BudgetScope, BudgetLimit>>,
  role: CallRole,
  used: (scope: BudgetScope) => BudgetUse,
): void {
  for (const scope of ['total', role] as const) {
    const limit = limits[scope];
    if (!limit) continue;
    const u = used(scope);
    if (limit.calls !== undefined && u.calls + 1 > limit.calls) {
      throw new BudgetExhaustedError(scope, 'calls', limit.calls, u.calls);
    }
    if (limit.tokens !== undefined && u.tokens >= limit.tokens) {
      throw new BudgetExhaustedError(scope, 'tokens', limit.tokens, u.tokens);
    }
    if (limit.usd !== undefined && u.usd >= limit.usd) {
      throw new BudgetExhaustedError(scope, 'usd', limit.usd, u.usd);
    }
  }
}

/** Usage and cost accounting per role and per model, with budgets checked before each dispatch. */
export class Meter {
  private readonly total = emptyTotals();
  private readonly byRole: Record<CallRole, UsageTotals> = {
    agent: emptyTotals(),
    optimizer: emptyTotals(),
    judge: emptyTotals(),
  };
  private readonly byModel = new Map<string, UsageTotals>();
  private readonly unpriced = new Set<string>();
  private readonly prices: Record<string, Price>;

  constructor(
    private readonly budgets: Partial<Record<BudgetScope, BudgetLimit>> = {},
    prices: Record<string, Price> = {},
  ) {
    this.prices = { ...DEFAULT_PRICES, ...prices };
  }

  /** Calls dispatched and not yet recorded, per budget scope: a call budget counts them as spent. */
  private readonly reserved: Record<BudgetScope, number> = { total: 0, agent: 0, optimizer: 0, judge: 0 };

  /**
   * Reserves one call of this role, or throws BudgetExhaustedError when it would go over a budget. Calls in
   * flight count against call budgets (concurrent dispatches cannot overshoot them); token and cost budgets
   * are checked against completed calls, as a call's tokens are unknown until it returns. Call the returned
   * release once the call was recorded (or never happened).
   */
  reserve(role: CallRole): () => void {
    this.check(role);
    this.reserved.total++;
    this.reserved[role]++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved.total--;
      this.reserved[role]--;
    };
  }

  /** Throws BudgetExhaustedError when one more call of this role would go over a budget. */
  check(role: CallRole): void {
    checkBudgets(this.budgets, role, (scope) => {
      const spent = scope === 'total' ? this.total : this.byRole[scope];
      return {
        calls: spent.calls + this.reserved[scope],
        tokens: spent.inputTokens + spent.outputTokens,
        usd: spent.usd,
      };
    });
  }

  costOf(model: string, usage: Usage): number {
    const price = this.prices[model];
    if (!price) {
      this.unpriced.add(model);
      return 0;
    }
    return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6;
  }

  record(role: CallRole, model: string, usage: Usage, cached: boolean): void {
    const usd = this.costOf(model, usage);
    for (const t of this.targets(role, model)) {
      if (cached) {
        t.cacheHits++;
        t.savedInputTokens += usage.inputTokens;
        t.savedOutputTokens += usage.outputTokens;
        t.savedUsd += usd;
      } else {
        t.calls++;
        t.inputTokens += usage.inputTokens;
        t.outputTokens += usage.outputTokens;
        t.usd += usd;
      }
    }
  }

  recordError(role: CallRole, model: string): void {
    for (const t of this.targets(role, model)) {
      t.calls++;
      t.errors++;
    }
  }

  private targets(role: CallRole, model: string): UsageTotals[] {
    let m = this.byModel.get(model);
    if (!m) {
      m = emptyTotals();
      this.byModel.set(model, m);
    }
    return [this.total, this.byRole[role], m];
  }

  report(): UsageReport {
    const copy = (t: UsageTotals) => ({ ...t, usd: round(t.usd), savedUsd: round(t.savedUsd) });
    return {
      total: copy(this.total),
      byRole: {
        agent: copy(this.byRole.agent),
        optimizer: copy(this.byRole.optimizer),
        judge: copy(this.byRole.judge),
      },
      byModel: Object.fromEntries(
        [...this.byModel].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, copy(v)]),
      ),
      unpriced: [...this.unpriced].sort(),
    };
  }
}
