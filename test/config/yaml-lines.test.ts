import { describe, expect, it } from 'vitest';
import { lineOfPath, splitPath } from '../../src/config/yaml-lines.js';

const YAML = `name: demo
# a comment
benchmark: math500
models:
  agnet: sim:sim-small
system:
  topology: custom
  agents:
    - { id: solver, role: solver, prompt: "x" }
    - id: reflector
      role: reviewer
      prompt: |
        Review: {{question}}
        output: not a key of system
  edges: [[solver, reflector]]
  output: reflector
  prompts:
    judge: "x"
llm:
  endpoints:
  - name: x
    apiKey: y
`;

describe('lineOfPath (line numbers for config field errors)', () => {
  it('splits dotted paths with indices', () => {
    expect(splitPath('system.agents[1].prompt')).toEqual(['system', 'agents', 1, 'prompt']);
    expect(splitPath('benchmark')).toEqual(['benchmark']);
  });

  it('finds keys at the right indentation, list items, and unindented lists', () => {
    const at = (p: string) => lineOfPath(YAML, p);
    expect(at('benchmark')).toBe(3);
    expect(at('models.agnet')).toBe(5);
    expect(at('system.topology')).toBe(7);
    expect(at('system.agents[1]')).toBe(10);
    expect(at('system.agents[1].id')).toBe(10);
    expect(at('system.agents[1].prompt')).toBe(12);
    // A key-like line inside a block scalar is not the field.
    expect(at('system.output')).toBe(16);
    expect(at('system.prompts.judge')).toBe(18);
    expect(at('llm.endpoints[0].apiKey')).toBe(22);
  });

  it('falls back to the deepest part found (flow style, missing fields), else undefined', () => {
    const at = (p: string) => lineOfPath(YAML, p);
    expect(at('system.agents[0].prompt')).toBe(9); // flow mapping on the item line
    expect(at('system.edges[0]')).toBe(15); // flow list
    expect(at('models.agent')).toBe(4); // missing: where to add it
    expect(at('system.rounds')).toBe(6);
    expect(at('nope')).toBeUndefined();
  });
});
