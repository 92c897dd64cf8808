import type { Item } from '../datasets/types.js';
import type { PromptMap, System, Trace } from '../mas/types.js';
import type { CountingClient } from './calls.js';
import type { OptimizeSettings } from './config.js';
import type { JudgeStats } from './judge.js';
import type { Recorder } from './rundir.js';

/** What every strategy (MASPO and the baselines) receives and returns. */

export interface Models {
  agent: string;
  optimizer: string;
  judge: string;
}

export interface ProgressInfo {
  step: number;
  steps: number;
  agent: string;
  round: number;
  generation: number;
  bestJ: number;
  calls: number;
}

export interface SearchContext {
  system: System;
  /** The optimization pool D (train split only), in a fixed order. */
  pool: Item[];
  settings: OptimizeSettings;
  seed: number;
  models: Models;
  client: CountingClient;
  /** Runs one item through the system with a full prompt map. */
  execute(item: Item, prompts: PromptMap): Promise<Trace>;
  /** Grades a final output (baselines that score on gold answers use it). */
  grade?(item: Item, output: string): Promise<boolean | null>;
  recorder: Recorder;
  /** State from a previous run of this search (resume), or null. */
  resumeState: unknown | null;
  signal?: AbortSignal;
  onProgress?(p: ProgressInfo): void;
}

export interface CandidateReport {
  parent: string;
  hash: string | null;
  R: number | null;
  local: number | null;
  lookahead: number | null;
  global: number | null;
  accepted: boolean;
  misalignmentRate: number | null;
}

export interface StepReport {
  step: number;
  kind: 'generation' | 'refresh' | 'trial' | 'propose';
  agent: string;
  round: number;
  generation: number;
  candidates: CandidateReport[];
  misalignmentRate: number | null;
  bestJ: number;
}

export interface AgentResult {
  prompt: string;
  seedPrompt: string;
  /** From the seed to the final prompt; `rationale` is the proposer's stated reason for an accepted step. */
  lineage: Array<{
    hash: string;
    round: number;
    generation: number;
    R: number | null;
    J: number;
    rationale?: string;
  }>;
  J: number;
}

export interface SearchResult {
  prompts: PromptMap;
  agents: Record<string, AgentResult>;
  steps: StepReport[];
  judge: JudgeStats;
  /** Set when a budget stopped the search early. */
  stoppedBy: string | null;
}

export interface Strategy {
  name: string;
  /** The number of steps the schedule has (for progress). */
  run(ctx: SearchContext): Promise<SearchResult>;
}
