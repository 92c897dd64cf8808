import type { TaskType } from '../datasets/types.js';
import type { ChatMessage, Usage } from '../llm/types.js';

export interface Agent {
  id: string;
  /** Human-readable role, e.g. "solver", "reflector", "expert", "aggregator". */
  role: string;
  /** Prompt template with `{{question}}` and `{{context}}`; other braces are literal. */
  prompt: string;
  /** Model reference; defaults to the config's agent model. */
  model?: string;
  temperature?: number;
  maxTokens?: number;
  /**
   * Self-consistency: make this many calls (sample indices 0..k-1) and keep the output whose answer is the
   * majority by the task scorer's `same` (ties → earliest sample). Default 1 (one call).
   */
  samples?: number;
}

export type Edge = [from: string, to: string];

export interface System {
  name: string;
  task: TaskType;
  agents: Agent[];
  edges: Edge[];
  /** Id of the agent whose output is the system's final answer. */
  output: string;
  /** `full` (default): upstream outputs are passed verbatim; `summary`: the reference's short hand-off. */
  contextMode?: 'full' | 'summary';
}

/** agent id → prompt template. */
export type PromptMap = Record<string, string>;

export interface AgentRecord {
  agentId: string;
  role: string;
  model: string;
  messages: ChatMessage[];
  context: string;
  output: string;
  usage: Usage;
  latencyMs: number;
  cached: boolean;
  /** The answer this agent's own output states, when it states one. */
  extracted: string | null;
  error?: string;
  /** True when the record was copied from a previous trace (partial re-run) rather than executed. */
  reused?: boolean;
  /** Self-consistency agents: every sample (the record's output is the majority's first sample). */
  samples?: Array<{
    output: string;
    extracted: string | null;
    usage: Usage;
    latencyMs: number;
    cached: boolean;
  }>;
  /**
   * `contextMode: summary`: the short hand-off successors received instead of `output`, made by an extra
   * call whose usage is kept here (not in `usage`).
   */
  summary?: { text: string; usage: Usage; latencyMs: number; cached: boolean };
}

export interface Trace {
  itemId: string;
  /** Records in execution order. */
  records: AgentRecord[];
  finalOutput: string;
  error?: string;
  simulated: boolean;
  /** Wall time of the whole item. */
  latencyMs?: number;
  /** The scored verdict, set after scoring (code: `detail` names the failing assert, cpu-timeout, …). */
  verdict?: { correct: boolean; detail?: string; error?: string; unsandboxed?: true };
}
