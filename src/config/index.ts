import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import yaml from 'js-yaml';
import type { z } from 'zod';
import { customSource, familyOf, resolveInlineBenchmark } from '../datasets/custom.js';
import type { BenchmarkId, TaskType } from '../datasets/types.js';
import { findLiteralSecrets } from '../llm/config.js';
import { modelRefProblem, simModelNames } from '../llm/preflight.js';
import { validatePrompts, validateSystem } from '../mas/schema.js';
import { buildTopology } from '../mas/topologies.js';
import type { System } from '../mas/types.js';
import { countNodes, MAX_CONFIG_BYTES, MAX_CONFIG_NODES } from '../util/bounds.js';
import { closestName } from '../util/suggest.js';
import { type ConfigIssue, InvalidConfigError } from './errors.js';
import { knownKeysAt } from './known-keys.js';
import { importConfigModule } from './load-module.js';
import { type MaspoConfig, type MaspoConfigInput, maspoConfigSchema } from './schema.js';
import { lineOfPath } from './yaml-lines.js';

export { type ConfigIssue, InvalidConfigError } from './errors.js';
export { type MaspoConfig, type MaspoConfigInput, maspoConfigSchema, systemSectionSchema } from './schema.js';

/** How each benchmark is graded (mirrors the dataset registry; kept here so config checks need no data). */
export const BENCHMARK_TASKS: Record<BenchmarkId, TaskType> = {
  math500: 'math',
  'agieval-math': 'math',
  'gpqa-diamond': 'choice',
  aqua: 'choice',
  mbpp: 'code',
  'humaneval-et': 'code',
};

/** Identity helper for `maspo.config.ts` files: `export default defineConfig({ ... })`, typed. */
export function defineConfig<C extends MaspoConfigInput>(config: C): C {
  return config;
}

const fmtPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)),
    '',
  );

/**
 * A benchmark is a built-in id or an inline `{ id, file, task }`: report the issues of the form the
 * user wrote, not zod's "invalid input" for the union.
 */
function unionBranch(i: z.core.$ZodIssueInvalidUnion): z.core.$ZodIssue[] {
  const isObject = typeof i.input === 'object' && i.input !== null;
  const atRoot = (e: z.core.$ZodIssue[]) =>
    e.some((x) => x.path.length === 0 && (x.code === 'invalid_type' || x.code === 'invalid_value'));
  const branch = isObject ? (i.errors.find((e) => !atRoot(e)) ?? i.errors.at(-1)) : i.errors[0];
  return (branch ?? []).map((x) => ({ ...x, path: [...i.path, ...x.path] }) as z.core.$ZodIssue);
}

function zodIssues(error: z.ZodError): ConfigIssue[] {
  const flat = error.issues.flatMap((i) =>
    i.code === 'invalid_union' && i.errors.length > 0 ? unionBranch(i) : [i],
  );
  return flat.map((i) => {
    const path = fmtPath(i.path);
    if (i.code === 'unrecognized_keys') {
      const known = knownKeysAt(maspoConfigSchema, i.path);
      const near = i.keys.map((k) => closestName(k, known));
      const fix =
        i.keys.length === 1
          ? near[0]
            ? `did you mean "${near[0]}"? (or remove it)`
            : 'remove it or check the spelling'
          : `${i.keys.map((k, j) => (near[j] ? `"${k}" → did you mean "${near[j]}"?` : `"${k}" → remove it or check the spelling`)).join('; ')}`;
      return {
        path,
        at: path ? `${path}.${i.keys[0]}` : String(i.keys[0]),
        message: `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}. Fix: ${fix}`,
      };
    }
    if (i.code === 'invalid_type' && i.message.includes('received undefined')) {
      return { path, message: `is required (expected ${i.expected}). Fix: add it` };
    }
    const got = 'input' in i && i.input !== undefined ? ` (got ${JSON.stringify(i.input)})` : '';
    if (i.code === 'too_small' || i.code === 'too_big') {
      const small = i.code === 'too_small';
      const bound = String(small ? i.minimum : i.maximum);
      const inclusive = i.inclusive !== false;
      const rel = small ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
      const what =
        i.origin === 'string'
          ? `a text of length ${rel} ${bound}`
          : i.origin === 'array'
            ? `a list of ${rel} ${bound} entries`
            : `a number ${rel} ${bound}`;
      return { path, message: `must be ${what}${got}. Fix: change it to ${what}` };
    }
    if (i.code === 'invalid_type') {
      return {
        path,
        message: `must be ${i.expected === 'int' ? 'an integer' : `a ${i.expected}`}${got}. Fix: write it as one`,
      };
    }
    if (i.message.includes('Fix:')) return { path, message: i.message };
    return { path, message: `${i.message}${got}. Fix: correct the value` };
  });
}

/**
 * Validates a raw config object (as read from YAML or a TS module). `where` names the source in errors;
 * inline benchmarks' files are relative to `baseDir` (the config file's folder; default the working dir).
 */
export function parseConfig(
  raw: unknown,
  where = 'config',
  nameHint?: string,
  baseDir = process.cwd(),
): MaspoConfig {
  const secrets = findLiteralSecrets((raw as { llm?: unknown } | null)?.llm ?? {}, ['llm']);
  if (secrets.length > 0) {
    throw new InvalidConfigError(
      where,
      secrets.map((p) => ({
        path: p,
        message:
          'looks like an API key written into the config. Fix: put the key in an environment variable and name it with llm.endpoints.<provider>.apiKeyEnv',
      })),
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidConfigError(where, [
      { path: '', message: 'the config must be a mapping with at least `system`, `models` and `benchmark`' },
    ]);
  }
  // Model references are checked on the raw object, so their problems are listed with the fields' ones.
  const refIssues = modelRefIssues(raw as Record<string, unknown>);
  const parsed = maspoConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new InvalidConfigError(where, [...zodIssues(parsed.error), ...refIssues]);
  const c = parsed.data;
  const issues: ConfigIssue[] = [];

  if (c.benchmark && c.benchmarks) {
    issues.push({
      path: 'benchmarks',
      message: 'both `benchmark` and `benchmarks` are set. Fix: keep one of them',
    });
  }
  const refs = c.benchmarks ?? (c.benchmark ? [c.benchmark] : []);
  const customBenchmarks: MaspoConfig['customBenchmarks'] = {};
  const benchmarks: string[] = [];
  refs.forEach((b, i) => {
    const id = typeof b === 'string' ? b : b.id;
    if (benchmarks.includes(id)) {
      issues.push({
        path: c.benchmarks ? `benchmarks[${i}]` : 'benchmark',
        message: `benchmark "${id}" is listed twice. Fix: give each benchmark its own id`,
      });
      return;
    }
    benchmarks.push(id);
    if (typeof b !== 'string') customBenchmarks[id] = resolveInlineBenchmark(b, baseDir);
  });
  const taskOf = (b: string): TaskType => {
    const custom = customBenchmarks[b];
    return custom ? familyOf(custom.task) : BENCHMARK_TASKS[b as BenchmarkId];
  };
  if (refs.length === 0) {
    issues.push({
      path: 'benchmark',
      message: 'no benchmark. Fix: add `benchmark: math500` (or `benchmarks: [...]`)',
    });
  }
  const models = {
    agent: c.models.agent,
    optimizer: c.models.optimizer ?? c.models.agent,
    judge: c.models.judge ?? c.models.optimizer ?? c.models.agent,
  };
  issues.push(...refIssues);
  const s = c.system;
  const custom = s.topology === 'custom';
  if (custom) {
    if (!s.agents || s.agents.length === 0) {
      issues.push({
        path: 'system.agents',
        message: 'topology custom needs agents. Fix: list the agents (id, role, prompt)',
      });
    }
    if (!s.output) {
      issues.push({
        path: 'system.output',
        message:
          'topology custom needs an output agent. Fix: set `output:` to the id of the agent that gives the final answer',
      });
    }
    if (s.prompts) {
      issues.push({
        path: 'system.prompts',
        message: '`prompts` overrides built-in topologies only. Fix: write each prompt in its agent',
      });
    }
  } else {
    for (const k of ['agents', 'edges', 'output'] as const) {
      if (s[k] !== undefined) {
        issues.push({
          path: `system.${k}`,
          message: `\`${k}\` is only for topology: custom. Fix: remove it, use \`prompts: { <agent id>: ... }\` to change a built-in agent's prompt, or set topology: custom`,
        });
      }
    }
  }
  const only: Array<[keyof typeof s, string]> = [
    ['rounds', 'sequential'],
    ['experts', 'hierarchical'],
    ['samples', 'self-consistency'],
    ['iterations', 'self-refine'],
  ];
  for (const [k, t] of only) {
    if (s[k] !== undefined && s.topology !== t) {
      issues.push({ path: `system.${k}`, message: `\`${k}\` applies to topology ${t} only. Fix: remove it` });
    }
  }
  if (s.topology !== 'custom' && s.prompts && benchmarks.length > 0) {
    // Built-in topologies are valid by construction; only their prompt overrides can be wrong.
    const probe = buildTopology(s.topology, taskOf(benchmarks[0]!), 'probe', {
      ...(s.rounds !== undefined ? { rounds: s.rounds } : {}),
      ...(s.experts !== undefined ? { experts: s.experts } : {}),
      ...(s.iterations !== undefined ? { iterations: s.iterations } : {}),
    });
    issues.push(...validatePrompts(probe, s.prompts, 'system.prompts'));
  }
  const name = c.name ?? nameHint ?? 'maspo';
  const { benchmark: _b, benchmarks: _bs, ...rest } = c;
  const inline = Object.values(customBenchmarks);
  // The simulated model finds the questions of inline benchmarks in their files.
  const llm = inline.length
    ? { ...rest.llm, sim: { ...rest.llm.sim, benchmarks: inline.map(customSource) } }
    : rest.llm;
  const config: MaspoConfig = { ...rest, llm, name, benchmarks, customBenchmarks, models };
  // Build every benchmark's system now, so structural errors surface when the config is loaded (and
  // together with the problems above, so one edit-and-retry fixes them all).
  const structural = issues.some((i) => /^system\.(agents|output|prompts)$/.test(i.path));
  const seen = new Set<TaskType>();
  for (const b of structural ? [] : benchmarks) {
    const task = taskOf(b);
    if (seen.has(task)) continue;
    seen.add(task);
    const sysIssues = validateSystem(systemFor(config, task, b), 'system');
    if (sysIssues.length > 0) {
      issues.push(...sysIssues);
      break;
    }
  }
  if (issues.length > 0) throw new InvalidConfigError(where, issues);
  return config;
}

/**
 * Problems of the model references a raw config writes (`models.*`, `system.agents[i].model`): the
 * grammar, and `sim:` models the simulated world does not define. Values of the wrong type are left to
 * the schema's own message.
 */
function modelRefIssues(raw: Record<string, unknown>): ConfigIssue[] {
  const obj = (v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const refs: Array<{ path: string; ref: string }> = [];
  for (const [k, v] of Object.entries(obj(raw.models) ?? {}))
    if (typeof v === 'string' && v) refs.push({ path: `models.${k}`, ref: v });
  const agents = obj(raw.system)?.agents;
  if (Array.isArray(agents)) {
    agents.forEach((a, i) => {
      const m = obj(a)?.model;
      if (typeof m === 'string' && m) refs.push({ path: `system.agents[${i}].model`, ref: m });
    });
  }
  const worldPath = obj(obj(raw.llm)?.sim)?.worldPath;
  let names: string[] | undefined;
  const simModels = () => (names ??= simModelNames(typeof worldPath === 'string' ? worldPath : undefined));
  return refs.flatMap(({ path, ref }) => {
    const problem = modelRefProblem(ref, simModels);
    return problem ? [{ path, message: problem }] : [];
  });
}

function systemFor(config: MaspoConfig, task: TaskType, benchmark: string): System {
  const s = config.system;
  const name = `${config.name}/${benchmark}`;
  if (s.topology === 'custom') {
    return {
      name,
      task,
      agents: (s.agents ?? []).map((a) => ({ ...a })),
      edges: (s.edges ?? []).map(([f, t]) => [f, t] as [string, string]),
      output: s.output ?? '',
      ...(s.contextMode ? { contextMode: s.contextMode } : {}),
    };
  }
  const system = buildTopology(s.topology, task, name, {
    ...(s.rounds !== undefined ? { rounds: s.rounds } : {}),
    ...(s.experts !== undefined ? { experts: s.experts } : {}),
    ...(s.samples !== undefined ? { samples: s.samples } : {}),
    ...(s.iterations !== undefined ? { iterations: s.iterations } : {}),
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.maxTokens !== undefined ? { maxTokens: s.maxTokens } : {}),
    ...(s.contextMode ? { contextMode: s.contextMode } : {}),
  });
  for (const a of system.agents) {
    const p = s.prompts?.[a.id];
    if (p !== undefined) a.prompt = p;
  }
  return system;
}

/**
 * The system a config declares, for one of its benchmarks (built-in topologies pick the seed prompts
 * for the benchmark's task type). Its name is `<config name>/<benchmark>`.
 */
export function buildSystem(config: MaspoConfig, benchmark: string): System {
  if (!config.benchmarks.includes(benchmark)) {
    throw new InvalidConfigError(config.file ?? config.name, [
      {
        path: 'benchmarks',
        message: `"${benchmark}" is not one of this config's benchmarks (${config.benchmarks.join(', ')}). Fix: add it to \`benchmarks\``,
      },
    ]);
  }
  return systemFor(config, benchmarkTask(config, benchmark), benchmark);
}

/** The task family (math, choice, code) of one of a config's benchmarks: what its prompts and answers look like. */
export function benchmarkTask(config: Pick<MaspoConfig, 'customBenchmarks'>, benchmark: string): TaskType {
  const custom = config.customBenchmarks?.[benchmark];
  return custom ? familyOf(custom.task) : BENCHMARK_TASKS[benchmark as BenchmarkId];
}

const TS_EXT = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

/** Reads and validates a config file: YAML (`.yaml`/`.yml`) or a TS/JS module whose default export is the config. */
export async function loadConfig(file: string): Promise<MaspoConfig> {
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  const nameHint = basename(path, extname(path))
    .replace(/\.config$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '-');
  let raw: unknown;
  let yamlText: string | undefined;
  if (TS_EXT.has(ext)) {
    let mod: { default?: unknown; config?: unknown };
    try {
      mod = await importConfigModule(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const missing = e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(path);
      throw new InvalidConfigError(file, [
        {
          path: '',
          message: missing
            ? 'file not found. Fix: check the path given to --config'
            : `could not load the module: ${e.message}`,
        },
      ]);
    }
    raw = mod.default ?? mod.config;
    if (raw === undefined) {
      throw new InvalidConfigError(file, [
        {
          path: '',
          message: 'the module has no default export. Fix: `export default defineConfig({ ... })`',
        },
      ]);
    }
  } else {
    let text: string;
    try {
      const { size } = await stat(path);
      if (size > MAX_CONFIG_BYTES) {
        throw new InvalidConfigError(file, [
          {
            path: '',
            message: `the file is ${(size / 1024 / 1024).toFixed(1)} MB, more than a config may be (${MAX_CONFIG_BYTES / 1024 / 1024} MB). Fix: check that --config names the config, not a data file`,
          },
        ]);
      }
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (err instanceof InvalidConfigError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new InvalidConfigError(file, [
        {
          path: '',
          message: e.code === 'ENOENT' ? 'file not found. Fix: check the path given to --config' : e.message,
        },
      ]);
    }
    try {
      raw = yaml.load(text, { filename: file });
      yamlText = text;
    } catch (err) {
      const e = err as yaml.YAMLException;
      const line = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
      throw new InvalidConfigError(file, [
        { path: '', message: `not valid YAML${line}: ${e.reason ?? (err as Error).message}` },
      ]);
    }
  }
  // Before anything walks the value: an alias bomb stops here, not in validation or printing.
  if (countNodes(raw) > MAX_CONFIG_NODES) {
    throw new InvalidConfigError(file, [
      {
        path: '',
        message: `the config expands to more than ${MAX_CONFIG_NODES.toLocaleString('en-US')} values (YAML anchors and aliases reused many times?). Fix: write the config without nested alias reuse`,
      },
    ]);
  }
  let config: MaspoConfig;
  try {
    config = parseConfig(raw, file, nameHint, dirname(path));
  } catch (err) {
    if (!(err instanceof InvalidConfigError) || yamlText === undefined) throw err;
    const text = yamlText;
    throw new InvalidConfigError(
      err.file,
      err.issues.map((i) => {
        const line = i.line ?? lineOfPath(text, i.at ?? i.path);
        return line ? { ...i, line } : i;
      }),
    );
  }
  config.file = path;
  // A relative data dir is relative to the config file, not to wherever the command runs.
  if (config.data.dir && !isAbsolute(config.data.dir))
    config.data.dir = resolve(dirname(path), config.data.dir);
  return config;
}
