import type { ItemSignals } from './reward.js';

/** A labelled misalignment case: the agent's output won locally but hurt its successor or the final output. */
export interface CaseRecord {
  itemId: string;
  question: string;
  /** What the agent received from upstream. */
  context: string;
  /** The agent's output under the candidate (the one that won locally). */
  output: string;
  successorOutput?: string;
  finalOutput?: string;
  /** e.g. `local=win lookahead=loss global=tie` */
  verdicts: string;
  /** The admitted candidate whose run produced the case (absent in older state files). */
  candidate?: string;
  /** Where the case was found. */
  round: number;
  generation: number;
}

/** Misalignment condition: local_i = 1 and (lookahead_i = 0 or global_i = 0). Missing signals never trigger it. */
export function isMisaligned(s: ItemSignals): boolean {
  return s.local === 1 && (s.lookahead === 0 || s.global === 0);
}

/** A success case: every existing signal is a win. */
export function isSuccess(s: ItemSignals): boolean {
  const vals = [s.local, s.lookahead, s.global].filter((v): v is number => v !== null);
  return vals.length > 0 && vals.every((v) => v === 1);
}

const word = (v: number | null) => (v === null ? 'n/a' : v === 1 ? 'win' : v === 0 ? 'loss' : 'tie');

export function describeVerdicts(s: ItemSignals): string {
  return `local=${word(s.local)} lookahead=${word(s.lookahead)} global=${word(s.global)}`;
}

/** Per-agent buffer of the most recent K cases (newest last); the same question is kept once (its newest case). */
export class CaseBuffer {
  private cases: CaseRecord[];
  constructor(
    readonly capacity: number,
    initial: readonly CaseRecord[] = [],
  ) {
    this.cases = [...initial].slice(-capacity);
  }
  add(c: CaseRecord): void {
    this.cases = this.cases.filter((x) => x.itemId !== c.itemId);
    this.cases.push(c);
    if (this.cases.length > this.capacity) this.cases = this.cases.slice(-this.capacity);
  }
  addAll(cs: readonly CaseRecord[]): void {
    for (const c of cs) this.add(c);
  }
  list(): CaseRecord[] {
    return [...this.cases];
  }
  itemIds(): string[] {
    return this.cases.map((c) => c.itemId);
  }
  get size(): number {
    return this.cases.length;
  }
}

/** Misalignment rate = misalignment cases / judged items with a local verdict (0 when nothing was judged). */
export function misalignmentRate(signals: readonly ItemSignals[]): number {
  const judged = signals.filter((s) => s.local !== null);
  if (judged.length === 0) return 0;
  return judged.filter(isMisaligned).length / judged.length;
}
