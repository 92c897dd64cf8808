/**
 * The algebra behind math grading: LaTeX is parsed by @cortex-js/compute-engine 0.27 (canonical MathJSON),
 * and evaluated by our own small complex-double evaluator. CE's own `N()` / `isEqual()` are never called:
 * `N()` on `10^{10^{10}}` exhausts the heap, and `isEqual` says two different equations are equal. Our
 * evaluator is bounded (step budget, factorial ≤ 170, sums ≤ 100 000 terms, a wall-clock deadline), so a
 * comparison cannot hang or blow up memory.
 */
import { ComputeEngine } from '@cortex-js/compute-engine';
import { Prng } from '../util/prng.js';

type Json = unknown;

let engine: ComputeEngine | undefined;
function ce(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

/** Raised when a comparison runs past its deadline. */
export class MathDeadlineError extends Error {
  override name = 'MathDeadlineError';
}

const parseCache = new Map<string, Json | null>();

/** Empties the parse memo (benchmarks measure cold comparisons with it). */
export function clearParseCache(): void {
  parseCache.clear();
}

/** Canonical MathJSON of a normalised LaTeX string, or null when CE reports an error. */
export function parseLatex(latex: string): Json | null {
  const hit = parseCache.get(latex);
  if (hit !== undefined) return hit;
  let out: Json | null = null;
  // compute-engine reports some parse problems with console.error ("Invalid type …"); grading must stay quiet
  const saved = { error: console.error, warn: console.warn, log: console.log };
  console.error = console.warn = console.log = () => {};
  try {
    const expr = ce().parse(latex);
    const json = expr.json;
    out = expr.isValid && !JSON.stringify(json).includes('"Error"') ? json : null;
  } catch {
    out = null;
  } finally {
    console.error = saved.error;
    console.warn = saved.warn;
    console.log = saved.log;
  }
  if (parseCache.size > 5000) parseCache.clear();
  parseCache.set(latex, out);
  return out;
}

export interface Complex {
  re: number;
  im: number;
}

const C = (re: number, im = 0): Complex => ({ re, im });
const add = (a: Complex, b: Complex): Complex => C(a.re + b.re, a.im + b.im);
const sub = (a: Complex, b: Complex): Complex => C(a.re - b.re, a.im - b.im);
const mul = (a: Complex, b: Complex): Complex => C(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
function div(a: Complex, b: Complex): Complex {
  if (b.im === 0) return C(a.re / b.re, a.im / b.re);
  const d = b.re * b.re + b.im * b.im;
  return C((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
}
const abs = (a: Complex): number => Math.hypot(a.re, a.im);
function exp(a: Complex): Complex {
  const m = Math.exp(a.re);
  return a.im === 0 ? C(m) : C(m * Math.cos(a.im), m * Math.sin(a.im));
}
function log(a: Complex): Complex {
  if (a.im === 0 && a.re >= 0) return C(Math.log(a.re));
  return C(Math.log(abs(a)), Math.atan2(a.im, a.re));
}
function pow(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0) {
    if (a.re >= 0 || Number.isInteger(b.re)) return C(a.re ** b.re);
  }
  if (a.re === 0 && a.im === 0) return C(0);
  if (b.im === 0 && Number.isInteger(b.re) && Math.abs(b.re) <= 64) {
    let r = C(1);
    for (let i = 0; i < Math.abs(b.re); i++) r = mul(r, a);
    return b.re < 0 ? div(C(1), r) : r;
  }
  return exp(mul(b, log(a)));
}
function sqrt(a: Complex): Complex {
  if (a.im === 0) return a.re >= 0 ? C(Math.sqrt(a.re)) : C(0, Math.sqrt(-a.re));
  return pow(a, C(0.5));
}
function real(fn: (x: number) => number): (a: Complex) => Complex | null {
  return (a) => (a.im === 0 ? C(fn(a.re)) : null);
}

const UNARY: Record<string, (a: Complex) => Complex | null> = {
  Sqrt: sqrt,
  Exp: exp,
  Ln: log,
  Lb: (a) => div(log(a), C(Math.LN2)),
  Lg: (a) => div(log(a), C(Math.LN10)),
  Abs: (a) => C(abs(a)),
  Negate: (a) => C(-a.re, -a.im),
  Square: (a) => mul(a, a),
  Sin: real(Math.sin),
  Cos: real(Math.cos),
  Tan: real(Math.tan),
  Cot: real((x) => 1 / Math.tan(x)),
  Sec: real((x) => 1 / Math.cos(x)),
  Csc: real((x) => 1 / Math.sin(x)),
  Arcsin: real(Math.asin),
  Arccos: real(Math.acos),
  Arctan: real(Math.atan),
  Arccot: real((x) => Math.atan(1 / x)),
  Sinh: real(Math.sinh),
  Cosh: real(Math.cosh),
  Tanh: real(Math.tanh),
  Floor: real(Math.floor),
  Ceil: real(Math.ceil),
  Round: real(Math.round),
  Sign: real(Math.sign),
  Real: (a) => C(a.re),
  Imaginary: (a) => C(a.im),
  Conjugate: (a) => C(a.re, -a.im),
  Factorial: (a) => {
    if (a.im !== 0 || !Number.isInteger(a.re) || a.re < 0 || a.re > 170) return null;
    let r = 1;
    for (let i = 2; i <= a.re; i++) r *= i;
    return C(r);
  },
};

const CONSTANTS: Record<string, Complex> = {
  Pi: C(Math.PI),
  ExponentialE: C(Math.E),
  ImaginaryUnit: C(0, 1),
  PositiveInfinity: C(Number.POSITIVE_INFINITY),
  NegativeInfinity: C(Number.NEGATIVE_INFINITY),
  Half: C(0.5),
  GoldenRatio: C((1 + Math.sqrt(5)) / 2),
};

/** Key for a free variable: a symbol name, or the JSON of a subscripted symbol (`a_1`). */
function varKey(node: Json): string | null {
  if (typeof node === 'string') {
    if (node.startsWith("'")) return null;
    if (node in CONSTANTS) return null;
    return node;
  }
  if (Array.isArray(node) && (node[0] === 'At' || node[0] === 'Subscript')) return JSON.stringify(node);
  return null;
}

/** Free variables of a MathJSON expression (bound variables of sums are excluded). */
export function freeVariables(node: Json, out = new Set<string>(), bound = new Set<string>()): Set<string> {
  const k = varKey(node);
  if (k !== null) {
    if (!bound.has(k)) out.add(k);
    return out;
  }
  if (Array.isArray(node)) {
    const head = node[0];
    if ((head === 'Sum' || head === 'Product') && Array.isArray(node[2]) && typeof node[2][1] === 'string') {
      const b = new Set(bound).add(node[2][1] as string);
      freeVariables(node[1], out, b);
      for (const x of (node[2] as Json[]).slice(2)) freeVariables(x, out, bound);
      return out;
    }
    for (const x of node.slice(1)) freeVariables(x, out, bound);
  }
  return out;
}

interface EvalCtx {
  env: Map<string, Complex>;
  steps: number;
  deadline: number;
}

const MAX_STEPS = 200_000;

function numberOf(node: Json): Complex | null {
  if (typeof node === 'number') return C(node);
  if (node && typeof node === 'object' && !Array.isArray(node) && 'num' in node) {
    let s = String((node as { num: unknown }).num);
    const rep = /^(-?\d*\.?\d*)\((\d+)\)$/.exec(s); // repeating decimal 0.(3)
    if (rep) s = rep[1]! + rep[2]!.repeat(Math.ceil(20 / rep[2]!.length));
    const v = Number(s.replace(/n$/, ''));
    return Number.isNaN(v) && !/nan/i.test(s) ? null : C(v);
  }
  return null;
}

/** Evaluates MathJSON to a complex double; null when not evaluable (unknown head, string, domain). */
export function evaluate(node: Json, ctx: EvalCtx): Complex | null {
  if (++ctx.steps > MAX_STEPS) return null;
  if ((ctx.steps & 1023) === 0 && performance.now() > ctx.deadline) throw new MathDeadlineError('deadline');
  const n = numberOf(node);
  if (n) return n;
  if (typeof node === 'string') {
    const c = CONSTANTS[node];
    if (c) return c;
    return ctx.env.get(node) ?? null;
  }
  if (!Array.isArray(node) || typeof node[0] !== 'string') return null;
  const head = node[0];
  const args = node.slice(1) as Json[];
  if (head === 'At' || head === 'Subscript') return ctx.env.get(JSON.stringify(node)) ?? null;
  if (head === 'Sum' || head === 'Product') return evalBigOp(head, args, ctx);
  if (head === 'Complex') {
    const re = evaluate(args[0], ctx);
    const im = evaluate(args[1], ctx);
    return re && im ? C(re.re, im.re) : null;
  }
  const vals: Complex[] = [];
  for (const a of args) {
    const v = evaluate(a, ctx);
    if (!v) return null;
    vals.push(v);
  }
  const [a, b] = vals;
  switch (head) {
    case 'Add':
      return vals.reduce(add, C(0));
    case 'Multiply':
      return vals.reduce(mul, C(1));
    case 'Subtract':
      return a && b ? sub(a, b) : null;
    case 'Divide':
    case 'Rational':
      return a && b ? div(a, b) : null;
    case 'Power':
      return a && b ? pow(a, b) : null;
    case 'Root':
      return a && b ? pow(a, div(C(1), b)) : null;
    case 'Log':
      if (!a) return null;
      return div(log(a), b ? log(b) : C(Math.LN10));
    case 'Max':
    case 'Min':
      if (vals.some((v) => v.im !== 0) || vals.length === 0) return null;
      return C(head === 'Max' ? Math.max(...vals.map((v) => v.re)) : Math.min(...vals.map((v) => v.re)));
    case 'Mod':
      return a && b && a.im === 0 && b.im === 0 ? C(((a.re % b.re) + b.re) % b.re) : null;
    case 'Delimiter':
      return vals.length === 1 ? a! : null;
    default: {
      const f = UNARY[head];
      return f && a && vals.length === 1 ? f(a) : null;
    }
  }
}

function evalBigOp(head: string, args: Json[], ctx: EvalCtx): Complex | null {
  const lim = args[1];
  if (!Array.isArray(lim) || typeof lim[1] !== 'string') return null;
  const lo = evaluate(lim[2], ctx);
  const hi = evaluate(lim[3], ctx);
  if (!lo || !hi || lo.im !== 0 || hi.im !== 0 || !Number.isInteger(lo.re) || !Number.isInteger(hi.re))
    return null;
  if (hi.re - lo.re > 100_000) return null;
  let acc = C(head === 'Sum' ? 0 : 1);
  const saved = ctx.env.get(lim[1]);
  for (let k = lo.re; k <= hi.re; k++) {
    ctx.env.set(lim[1], C(k));
    const v = evaluate(args[0], ctx);
    if (!v) return null;
    acc = head === 'Sum' ? add(acc, v) : mul(acc, v);
  }
  if (saved) ctx.env.set(lim[1], saved);
  else ctx.env.delete(lim[1]);
  return acc;
}

/** Digits an exact integer may reach before we stop (keeps BigInt work bounded). */
const MAX_EXACT_DIGITS = 5000;

/**
 * The exact integer value of a closed MathJSON expression built from integers with + − × ÷ (when it divides),
 * powers with small non-negative exponents and factorials ≤ 1000; null otherwise.
 */
export function exactInteger(node: Json, budget = { steps: 0 }): bigint | null {
  if (++budget.steps > 10_000) return null;
  if (typeof node === 'number') return Number.isSafeInteger(node) ? BigInt(node) : null;
  if (node && typeof node === 'object' && !Array.isArray(node) && 'num' in node) {
    const s = String((node as { num: unknown }).num).replace(/n$/, '');
    return /^-?\d+$/.test(s) && s.length <= MAX_EXACT_DIGITS ? BigInt(s) : null;
  }
  if (!Array.isArray(node) || typeof node[0] !== 'string') return null;
  const vals: bigint[] = [];
  for (const a of node.slice(1) as Json[]) {
    const v = exactInteger(a, budget);
    if (v === null) return null;
    vals.push(v);
  }
  const digits = (v: bigint) => (v < 0n ? -v : v).toString().length;
  const [a, b] = vals;
  let out: bigint | null = null;
  switch (node[0]) {
    case 'Add':
      out = vals.reduce((x, y) => x + y, 0n);
      break;
    case 'Subtract':
      out = a !== undefined && b !== undefined ? a - b : null;
      break;
    case 'Negate':
      out = a !== undefined && vals.length === 1 ? -a : null;
      break;
    case 'Multiply':
      out = vals.reduce((x, y) => x * y, 1n);
      break;
    case 'Divide':
    case 'Rational':
      out = a !== undefined && b !== undefined && b !== 0n && a % b === 0n ? a / b : null;
      break;
    case 'Power': {
      if (a === undefined || b === undefined || b < 0n) return null;
      const est = Number(b) * Math.log10(Math.max(2, Number(a < 0n ? -a : a)));
      out = est <= MAX_EXACT_DIGITS ? a ** b : null;
      break;
    }
    case 'Factorial':
      if (a === undefined || a < 0n || a > 1000n) return null;
      out = 1n;
      for (let i = 2n; i <= a; i++) out *= i;
      break;
    case 'Delimiter':
      out = vals.length === 1 ? a! : null;
      break;
    default:
      return null;
  }
  return out !== null && digits(out) <= MAX_EXACT_DIGITS ? out : null;
}

export function evaluateWith(node: Json, env: Map<string, Complex>, deadline: number): Complex | null {
  const v = evaluate(node, { env, steps: 0, deadline });
  if (!v || Number.isNaN(v.re) || Number.isNaN(v.im)) return null;
  return v;
}

/** Tolerance policy: exact answers compare at relative 1e-9; a decimal literal on one side relaxes to 1e-6. */
export interface Tolerance {
  rel: number;
}

export function close(a: Complex, b: Complex, tol: Tolerance): boolean {
  if (!Number.isFinite(a.re) || !Number.isFinite(b.re) || !Number.isFinite(a.im) || !Number.isFinite(b.im)) {
    return false;
  }
  const d = Math.hypot(a.re - b.re, a.im - b.im);
  const scale = Math.max(1, abs(a), abs(b));
  return d <= tol.rel * scale;
}

const RELATIONS = new Set(['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'Element']);

export function isRelation(node: Json): boolean {
  return Array.isArray(node) && RELATIONS.has(node[0] as string);
}

/** Random sample points for the given variables (deterministic). */
function* samplePoints(vars: string[], count: number): Generator<Map<string, Complex>> {
  const rng = new Prng(0x5eed + vars.length);
  for (let i = 0; i < count; i++) {
    const env = new Map<string, Complex>();
    for (const v of vars) {
      const mag = 0.3 + rng.next() * 2.7;
      env.set(v, C(rng.next() < 0.5 ? -mag : mag));
    }
    yield env;
  }
}

const MIN_POINTS = 3;
const MAX_TRIES = 24;

/**
 * Whether two scalar expressions agree: numerically when closed, by random-point evaluation when they
 * have free variables. `null` means undecidable (nothing evaluable), which callers treat as "not equal".
 */
export function expressionsAgree(a: Json, b: Json, tol: Tolerance, deadline: number): boolean | null {
  const vars = [...freeVariables(a, freeVariables(b))].sort();
  if (vars.length === 0) {
    const va = evaluateWith(a, new Map(), deadline);
    const vb = evaluateWith(b, new Map(), deadline);
    if (!va || !vb) return null;
    if (!Number.isFinite(va.re) || !Number.isFinite(vb.re)) {
      return JSON.stringify(a) === JSON.stringify(b) ? true : null;
    }
    return close(va, vb, tol);
  }
  if (vars.length > 8) return null;
  let valid = 0;
  for (const env of samplePoints(vars, MAX_TRIES)) {
    if (performance.now() > deadline) throw new MathDeadlineError('deadline');
    const va = evaluateWith(a, env, deadline);
    const vb = evaluateWith(b, env, deadline);
    if (!va || !vb || !Number.isFinite(abs(va)) || !Number.isFinite(abs(vb))) continue;
    if (!close(va, vb, { rel: Math.max(tol.rel, 1e-8) })) return false;
    if (++valid >= MIN_POINTS + 2) return true;
  }
  return valid >= MIN_POINTS ? true : null;
}

/**
 * Two relations (`lhs = rhs`, `<`, …): equal when lhs−rhs of one is a non-zero constant multiple of the
 * other's (positive for inequalities, after turning > into <), checked at random points.
 */
export function relationsAgree(a: Json, b: Json, deadline: number): boolean {
  const norm = (r: Json[]): { kind: string; f: Json } | null => {
    let head = r[0] as string;
    if (r.length !== 3) return null;
    let [l, rr] = [r[1], r[2]];
    if (head === 'Greater' || head === 'GreaterEqual') {
      head = head === 'Greater' ? 'Less' : 'LessEqual';
      [l, rr] = [rr, l];
    }
    return { kind: head, f: ['Subtract', l, rr] };
  };
  if (!Array.isArray(a) || !Array.isArray(b)) return false;
  const na = norm(a);
  const nb = norm(b);
  if (!na || !nb || na.kind !== nb.kind || na.kind === 'Element') return false;
  const vars = [...freeVariables(na.f, freeVariables(nb.f))].sort();
  let ratio: number | null = null;
  let valid = 0;
  for (const env of samplePoints(vars, MAX_TRIES)) {
    if (performance.now() > deadline) throw new MathDeadlineError('deadline');
    const fa = evaluateWith(na.f, env, deadline);
    const fb = evaluateWith(nb.f, env, deadline);
    if (!fa || !fb || fa.im !== 0 || fb.im !== 0 || !Number.isFinite(fa.re) || !Number.isFinite(fb.re))
      continue;
    if (Math.abs(fb.re) < 1e-12 || Math.abs(fa.re) < 1e-12) {
      if (Math.abs(fb.re) < 1e-12 && Math.abs(fa.re) < 1e-12) {
        valid++;
        continue;
      }
      return false;
    }
    const r = fa.re / fb.re;
    if (ratio === null) ratio = r;
    else if (Math.abs(r - ratio) > 1e-8 * Math.max(1, Math.abs(ratio))) return false;
    if (++valid >= MIN_POINTS + 2) break;
    if (vars.length === 0) break;
  }
  if (valid === 0) return false;
  if (ratio !== null && na.kind !== 'Equal' && na.kind !== 'NotEqual' && ratio < 0) return false;
  return vars.length === 0 ? true : valid >= MIN_POINTS;
}
