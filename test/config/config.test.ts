import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSystem, InvalidConfigError, loadConfig, parseConfig } from '../../src/config/index.js';
import { UsageError } from '../../src/errors.js';
import { levels } from '../../src/mas/graph.js';

const F = 'test/config/fixtures';

async function errorOf(file: string): Promise<string> {
  try {
    await loadConfig(file);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect(err).toBeInstanceOf(UsageError); // the CLI exits 2 with the message
    return (err as Error).message;
  }
  throw new Error(`${file} loaded without error`);
}

describe('config errors name the file, the field and the fix', () => {
  it('cycle → the ids in the cycle', async () => {
    expect(await errorOf(`${F}/cycle.yaml`)).toMatchSnapshot();
  });
  it('unknown agent id in an edge', async () => {
    expect(await errorOf(`${F}/unknown-id.yaml`)).toMatchSnapshot();
  });
  it('output agent unreachable', async () => {
    expect(await errorOf(`${F}/unreachable.yaml`)).toMatchSnapshot();
  });
  it('placeholder missing or misspelled', async () => {
    expect(await errorOf(`${F}/placeholder.yaml`)).toMatchSnapshot();
  });
  it('bad values and unknown fields', async () => {
    expect(await errorOf(`${F}/fields.yaml`)).toMatchSnapshot();
  });
  it('built-in topology misuse: custom-only fields, bad overrides, bad model ref', async () => {
    expect(await errorOf(`${F}/builtin-misuse.yaml`)).toMatchSnapshot();
  });
  it('YAML syntax error with its line', async () => {
    expect(await errorOf(`${F}/syntax-error.yaml.txt`)).toMatchSnapshot();
  });
  it('duplicate agent id', async () => {
    expect(await errorOf(`${F}/duplicate-id.yaml`)).toMatchSnapshot();
  });
  it('unknown output agent and bad model references fail at load, before any call', async () => {
    const msg = await errorOf(`${F}/bad-output.yaml`);
    expect(msg).toContain('models.judge (line 5): invalid model reference "gpt-4o"');
    expect(msg).toContain('system.agents[0].model (line 12): invalid model reference "sim-small"');
    // Reported together with the structural problem, so one edit fixes all three.
    expect(msg).toContain(
      'system.output (line 13): output agent "answerer" is not an agent. Fix: set it to one of: solver',
    );
    expect(msg).toMatchSnapshot();
  });
  it('unknown benchmark and topology: the value, the closest name and the list', async () => {
    const msg = await errorOf(`${F}/typos.yaml`);
    expect(msg).toContain(
      'benchmark (line 2): "math-500" is not a known benchmark. Fix: did you mean "math500"?',
    );
    expect(msg).toContain(
      'system.topology (line 6): "sequentail" is not a known topology. Fix: did you mean "sequential"?',
    );
    expect(msg).toMatchSnapshot();
  });
  it('missing file', async () => {
    expect(await errorOf(`${F}/nope.yaml`)).toMatchSnapshot();
  });
  it('an API key written into the config', async () => {
    const msg = await errorOf(`${F}/secret.yaml`);
    expect(msg).not.toContain('sk-abc');
    expect(msg).toMatchSnapshot();
  });
});

describe('loading configs', () => {
  it('loads a TS config (defineConfig) and builds one system per benchmark task type', async () => {
    const c = await loadConfig(`${F}/good.ts`);
    expect(c.name).toBe('ts-config');
    expect(c.benchmarks).toEqual(['math500', 'mbpp']);
    expect(c.models).toEqual({ agent: 'sim:sim-small', optimizer: 'sim:sim-large', judge: 'sim:sim-large' });
    expect(c.seed).toBe(1);
    const math = buildSystem(c, 'math500');
    const code = buildSystem(c, 'mbpp');
    expect(math.task).toBe('math');
    expect(code.task).toBe('code');
    expect(math.name).toBe('ts-config/math500');
    expect(math.agents.find((a) => a.id === 'reflector')!.prompt).toBe(
      'Check {{question}} against \\boxed{} style work: {{context}}',
    );
    expect(math.agents.find((a) => a.id === 'solver')!.prompt).not.toBe(
      code.agents.find((a) => a.id === 'solver')!.prompt,
    );
    expect(() => buildSystem(c, 'aqua')).toThrow(/"aqua" is not one of this config's benchmarks/);
  });

  it('accepts literal braces (LaTeX, code) in prompts and both edge spellings', () => {
    const c = parseConfig({
      benchmark: 'math500',
      models: { agent: 'sim:sim-small' },
      system: {
        topology: 'custom',
        agents: [
          { id: 'a', role: 'solver', prompt: 'x = \\frac{1}{2}; d = {}; {{question}}' },
          { id: 'b', role: 'reviewer', prompt: 'def f(): return {"k": 1}\n{{question}}\n{{context}}' },
        ],
        edges: ['a -> b'],
        output: 'b',
      },
    });
    const s = buildSystem(c, 'math500');
    expect(s.edges).toEqual([['a', 'b']]);
    expect(levels(s)).toEqual([['a'], ['b']]);
    expect(c.name).toBe('maspo');
  });

  it('every shipped example loads and builds a valid system', async () => {
    const files = readdirSync('examples').filter((f) => f.endsWith('.yaml'));
    expect(files).toContain('math500-sequential.yaml');
    expect(files.length).toBeGreaterThanOrEqual(10);
    const topologies = new Set<string>();
    const benchmarks = new Set<string>();
    for (const f of files) {
      const c = await loadConfig(`examples/${f}`);
      expect(c.name).toBe(f.replace(/\.yaml$/, ''));
      topologies.add(c.system.topology);
      for (const b of c.benchmarks) {
        benchmarks.add(b);
        expect(buildSystem(c, b).agents.length).toBeGreaterThan(0);
      }
    }
    expect([...topologies].sort()).toEqual(
      ['cot', 'custom', 'hierarchical', 'self-consistency', 'self-refine', 'sequential', 'vanilla'].sort(),
    );
    expect(benchmarks.size).toBe(6);
  });

  it('the main example is the sequential solver → reflector on MATH-500 with the simulated model', async () => {
    const c = await loadConfig('examples/math500-sequential.yaml');
    const s = buildSystem(c, 'math500');
    expect(s.agents.map((a) => a.id)).toEqual(['solver', 'reflector']);
    expect(s.output).toBe('reflector');
    expect(c.models).toEqual({ agent: 'sim:sim-small', optimizer: 'sim:sim-small', judge: 'sim:sim-small' });
  });
});
