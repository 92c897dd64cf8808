/**
 * How upstream outputs are handed to an agent as `{{context}}`. The executor formats it; the
 * simulated model parses it to find upstream answers. One module so the two cannot drift apart.
 */

export interface ContextEntry {
  agentId: string;
  role: string;
  text: string;
}

const OPEN = (e: { agentId: string; role: string }) => `[Output of agent "${e.agentId}" (${e.role})]`;
const CLOSE = (agentId: string) => `[End of output of agent "${agentId}"]`;

export function formatContext(entries: readonly ContextEntry[]): string {
  if (entries.length === 0) return '(no upstream outputs)';
  return entries.map((e) => `${OPEN(e)}\n${e.text}\n${CLOSE(e.agentId)}`).join('\n\n');
}

const BLOCK = /\[Output of agent "([^"]+)" \(([^)]*)\)\]\n([\s\S]*?)\n\[End of output of agent "\1"\]/g;

export function parseContext(text: string): ContextEntry[] {
  const out: ContextEntry[] = [];
  for (const m of text.matchAll(BLOCK)) {
    out.push({ agentId: m[1]!, role: m[2]!, text: m[3]! });
  }
  return out;
}

/** The text with every context block removed (what remains is the agent's instructions and the question). */
export function stripContext(text: string): string {
  return text.replace(BLOCK, '');
}
