/**
 * The code sandbox: a pool of long-lived Python servers (one per core), each inside bubblewrap, that
 * grade generated code against assert statements. Threat model: docs/sandbox.md.
 *
 * Layers, outermost first:
 *  1. this supervisor: a job queue over `workers` slots, a per-job watchdog (hard wall limit + grace)
 *     that kills a stuck slot and starts a fresh one; infrastructure faults come back as `status: 'error'`;
 *  2. bubblewrap per slot: new network/PID/IPC/UTS namespaces, read-only `/usr` and interpreter, private
 *     tmpfs `/tmp`, `--clearenv`, `--die-with-parent`;
 *  3. `runner.py` inside, the trusted judge: per job it forks one candidate process (own session, own
 *     uid when root, rlimits) that only loads the program and answers calls; the asserts run in the
 *     judge on plain values decoded from the candidate's replies.
 * Without bubblewrap nothing runs unless the user opts in with `MASPO_SANDBOX=unsafe`.
 */
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { type PythonInfo, resolvePython } from './python.js';

/** `bwrap` (default): bubblewrap or nothing. `unsafe`: run without bubblewrap (opt-in, reported). */
export type IsolationMode = 'bwrap' | 'unsafe';
export type Isolation = 'bwrap' | 'unsafe';

/** Bubblewrap is missing or does not work, and the user did not opt in to `MASPO_SANDBOX=unsafe`. */
export class SandboxUnavailableError extends Error {
  override readonly name = 'SandboxUnavailableError';
}

/** The isolation mode from `MASPO_SANDBOX` (unset or `bwrap` → bwrap; `unsafe` → unsafe). */
export function isolationFromEnv(env: NodeJS.ProcessEnv = process.env): IsolationMode {
  const v = env.MASPO_SANDBOX?.trim();
  if (!v || v === 'bwrap') return 'bwrap';
  if (v === 'unsafe') return 'unsafe';
  throw new SandboxUnavailableError(
    `MASPO_SANDBOX=${JSON.stringify(v)} is not a sandbox mode: use "bwrap" (the default) or "unsafe" (run generated code without bubblewrap, reported as unsandboxed)`,
  );
}

export interface SandboxOptions {
  /** Concurrent slots (default `os.availableParallelism()`). */
  workers?: number;
  /** `bwrap` (default; env `MASPO_SANDBOX`): bubblewrap or an error. `unsafe`: no bubblewrap, reported as "unsandboxed". */
  isolation?: IsolationMode;
  /** Python command or path (default env `MASPO_PYTHON`, else `python3`), resolved to the real executable. */
  python?: string;
  /** Address-space limit per job (RLIMIT_AS), default 1 GiB. */
  memoryBytes?: number;
  /** Bytes of stdout+stderr a job may print before it is killed, default 1 MiB. */
  outputBytes?: number;
  /** Largest file a job may write (RLIMIT_FSIZE), default 16 MiB. */
  fileBytes?: number;
  /** Processes per slot uid (RLIMIT_NPROC), default 64. */
  nproc?: number;
  /** Size of each slot's private `/tmp` (bubblewrap tmpfs), default 256 MiB. */
  tmpfsBytes?: number;
  /** First uid of the per-slot uids used when running as root, default derived from the pid in 61000–68999. */
  baseUid?: number;
}

export interface SandboxJob {
  id: string;
  /** The candidate program. */
  code: string;
  /** Lines run before the candidate in the same module (imports, the task's prompt). */
  prelude?: string;
  /** Assert statements, run one after another in the candidate's module; the first failure stops. */
  tests: readonly string[];
  /** The function the asserts call; it is taken from the candidate even when the prelude defines it. */
  entryPoint?: string;
  /** Reference solution, parsed (never run) to find tests that use names it never defines. */
  reference?: string;
  /** Skip tests found broken from the reference (default true). */
  skipInvalid?: boolean;
  /**
   * CPU-time budget for the whole job (RLIMIT_CPU, whole seconds, rounded up), default 10 s. CPU time is
   * what decides, so a busy machine does not turn slow-but-correct code into a timeout.
   */
  timeoutMs?: number;
  /**
   * Wall-clock backstop (catches sleeping/blocked code), default 3 × timeoutMs + 5 s. A candidate still
   * using CPU at the backstop gets more time, up to 4 × this: CPU time decides, not a busy machine.
   */
  wallMs?: number;
}

export type JobPhase = 'compile' | 'load' | 'test' | 'timeout' | 'output' | 'crash';

/** Why a job failed. Every one of them is the candidate's doing (a wrong answer), never an error. */
export type FailureKind =
  | 'assert'
  | 'test-error'
  | 'exception'
  | 'memory'
  | 'recursion'
  | 'not-plain'
  | 'syntax'
  | 'load'
  | 'no-function'
  | 'cpu-timeout'
  | 'wall-timeout'
  | 'output'
  | 'crash'
  | 'exit'
  | 'protocol';

export interface SandboxResult {
  id: string;
  /** `error` = the sandbox itself failed (never the candidate's fault). */
  status: 'passed' | 'failed' | 'error';
  phase?: JobPhase;
  /** The reason of a failure (see FailureKind). */
  kind?: FailureKind;
  /** Index of the failing (or running, on timeout) test. */
  index?: number;
  reason?: string;
  passed?: number;
  total: number;
  /** Tests skipped as broken upstream (see `SandboxJob.reference`). */
  skipped: number[];
  /** Start of what the job printed (at most 2 KiB). */
  output: string;
  outputBytes: number;
  ms: number;
  /** CPU time (user + system) the job's process used, when the runner could measure it. */
  cpuMs?: number;
}

const RUNNER = fileURLToPath(new URL('./runner.py', import.meta.url));
const RUNNER_IN_BOX = '/opt/maspo/runner.py';
const GRACE_MS = 5000;

export function findExecutable(name: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

let warned = false;
/** Prints the unsandboxed-mode warning once per process; returns whether it printed now. */
export function warnUnsandboxed(): boolean {
  if (warned) return false;
  warned = true;
  const bar = '!'.repeat(78);
  process.stderr.write(
    `\n${bar}\nmaspo: WARNING: MASPO_SANDBOX=unsafe: generated code runs UNSANDBOXED (no bubblewrap).\n` +
      'It runs as a plain subprocess with a clean environment, rlimits and a process-group kill (as root,\n' +
      'under a private uid), but it CAN reach the network and read/write the host filesystem. Every report\n' +
      'of this run says "unsandboxed". Install bubblewrap (apt-get install bubblewrap) instead; see\n' +
      'docs/sandbox.md.\n' +
      `${bar}\n\n`,
  );
  return true;
}

/** How to get bubblewrap working, for the error raised when it is not. */
export const BWRAP_HELP =
  'Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`); ' +
  'on Ubuntu 24.04 also run `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`. ' +
  'To run generated code without a sandbox anyway, set MASPO_SANDBOX=unsafe (reports then say "unsandboxed"). See docs/sandbox.md.';

/** Number of processes the given uid owns now (for RLIMIT_NPROC when the harness is not root). */
function processesOf(uid: number): number {
  let n = 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${e}/status`, 'utf8'));
      if (m && Number(m[1]) === uid) n++;
    } catch {}
  }
  return n;
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  let d = dirname(path);
  while (d !== '/' && d !== '.') {
    out.unshift(d);
    d = dirname(d);
  }
  return out;
}

/** bubblewrap arguments for one slot (everything before the `--`). */
export function bwrapArgs(py: PythonInfo, opts: { tmpfsBytes: number; root: boolean }): string[] {
  const a = [
    '--unshare-net',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/bin:/bin',
    '--setenv',
    'HOME',
    '/tmp',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    if (!existsSync(top)) continue;
    const st = lstatSync(top);
    if (st.isSymbolicLink()) a.push('--symlink', `usr${top}`, top);
    else a.push('--ro-bind', top, top);
  }
  const made = new Set<string>(['/usr']);
  const roots = [...new Set(py.roots.map((r) => resolve(r)))]
    .filter((r) => r !== '/usr' && !r.startsWith(`/usr${sep}`))
    .sort();
  const bound: string[] = [];
  for (const r of roots) {
    if (bound.some((b) => r === b || r.startsWith(b + sep))) continue;
    bound.push(r);
    for (const d of ancestors(r)) {
      if (made.has(d)) continue;
      made.add(d);
      a.push('--perms', '0755', '--dir', d);
    }
    a.push('--ro-bind', r, r);
  }
  a.push('--perms', '0755', '--dir', '/opt', '--perms', '0755', '--dir', '/opt/maspo');
  a.push('--ro-bind', RUNNER, RUNNER_IN_BOX);
  a.push('--proc', '/proc', '--dev', '/dev');
  // /tmp is the judge's: only it creates directories there (one private directory per job).
  a.push('--size', String(opts.tmpfsBytes), '--perms', '0755', '--tmpfs', '/tmp', '--chdir', '/tmp');
  if (opts.root) {
    // Root without a user namespace: keep only what the judge needs to run each candidate under the
    // slot's private uid, give it its job directory, kill what it leaves behind and delete its files.
    a.push('--cap-drop', 'ALL');
    for (const cap of ['SETUID', 'SETGID', 'KILL', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER'])
      a.push('--cap-add', `CAP_${cap}`);
  } else a.push('--unshare-user', '--disable-userns', '--cap-drop', 'ALL');
  return a;
}

/**
 * Whether a user other than the owner can use the interpreter: every directory above each of its roots
 * is searchable by others and the roots themselves readable. A pyenv under `/root` (mode 0700) is not,
 * so the fallback's per-slot uid could not import the standard library.
 */
export function readableByOthers(py: PythonInfo): boolean {
  try {
    for (const r of py.roots) {
      for (const d of [...ancestors(r), r]) {
        const mode = lstatSync(d).isSymbolicLink() ? 0o755 : lstatSync(d).mode;
        if ((mode & 0o001) === 0) return false;
      }
      if ((lstatSync(r).mode & 0o004) === 0) return false;
    }
    return true;
  } catch {
    return false;
  }
}

const SYSTEM_PYTHON = '/usr/bin/python3';

export interface Probe {
  isolation: Isolation;
  python: PythonInfo;
  bwrap: string | null;
}

const probes = new Map<string, Promise<Probe>>();

/**
 * Decides the isolation once per (mode, python). `bwrap` runs `bwrap ... python -c` to see it really
 * works and throws a SandboxUnavailableError saying how to install it otherwise; there is no silent
 * fallback. `unsafe` runs without bubblewrap.
 */
export function probeSandbox(mode: IsolationMode = 'bwrap', python?: string): Promise<Probe> {
  const key = `${mode}\0${python ?? ''}`;
  let p = probes.get(key);
  if (!p) {
    p = (async (): Promise<Probe> => {
      const py = await resolvePython(python);
      if (mode === 'unsafe')
        return { isolation: 'unsafe', python: await fallbackPython(py, python), bwrap: null };
      const bwrap = findExecutable('bwrap');
      if (!bwrap)
        throw new SandboxUnavailableError(
          `the code sandbox needs bubblewrap (bwrap), which is not installed. ${BWRAP_HELP}`,
        );
      const args = [
        ...bwrapArgs(py, { tmpfsBytes: 1 << 20, root: isRoot() }),
        '--',
        py.executable,
        '-I',
        '-S',
        '-c',
        'print("ok")',
      ];
      const r = await execa(bwrap, args, { reject: false, timeout: 20_000, env: {}, extendEnv: false });
      if (r.exitCode === 0 && r.stdout.trim() === 'ok') return { isolation: 'bwrap', python: py, bwrap };
      const why = (r.stderr || r.shortMessage || '').trim().slice(0, 300);
      throw new SandboxUnavailableError(
        `the code sandbox cannot start bubblewrap (${bwrap}): ${why}. ${BWRAP_HELP}`,
      );
    })();
    probes.set(key, p);
    p.catch(() => probes.delete(key));
  }
  return p;
}

/**
 * The interpreter for the unsafe mode. As root it runs candidates under a private uid, which cannot
 * import from an interpreter under a private home (pyenv in `/root`): then, unless the user chose the
 * interpreter (`python` option or `MASPO_PYTHON`), `/usr/bin/python3` is used when others can read it.
 * Otherwise the runner refuses to start and every job reports a sandbox error naming the fix. (Inside
 * bubblewrap the interpreter's prefix is bound with open parent directories, so this does not arise.)
 */
async function fallbackPython(py: PythonInfo, explicit?: string): Promise<PythonInfo> {
  if (!isRoot() || readableByOthers(py)) return py;
  if (explicit !== undefined || process.env.MASPO_PYTHON) return py;
  if (!existsSync(SYSTEM_PYTHON)) return py;
  try {
    const sys = await resolvePython(SYSTEM_PYTHON);
    if (!readableByOthers(sys)) return py;
    process.stderr.write(
      `maspo: unsandboxed mode uses ${sys.executable} (Python ${sys.version}): the sandbox uid cannot read ${py.executable}\n`,
    );
    return sys;
  } catch {
    return py;
  }
}

interface Pending {
  job: SandboxJob;
  resolve: (r: SandboxResult) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

class Slot {
  proc: ResultPromise | null = null;
  busy: Pending | null = null;
  private buf = '';
  private stderrTail = '';
  private ready: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private tmpbase: string | null = null;
  /** Whether candidates run under a uid of their own (the harness is root): they cannot reach the judge. */
  private separateUid = false;

  constructor(
    private readonly sandbox: Sandbox,
    readonly index: number,
  ) {}

  private start(): Promise<void> {
    const sb = this.sandbox;
    const probe = sb.probe;
    const root = isRoot();
    const uid = sb.baseUid + this.index;
    const runnerArgs: string[] = [];
    if (root) runnerArgs.push('--uid', String(uid));
    let file: string;
    let args: string[];
    if (probe.isolation === 'bwrap' && probe.bwrap) {
      file = probe.bwrap;
      args = [
        ...bwrapArgs(probe.python, { tmpfsBytes: sb.limits.tmpfsBytes, root }),
        '--',
        probe.python.executable,
        '-I',
        '-S',
        RUNNER_IN_BOX,
        ...runnerArgs,
        '--sweep',
      ];
    } else {
      this.tmpbase = mkdtempSync(join(tmpdir(), 'maspo-sandbox-'));
      chmodSync(this.tmpbase, 0o711); // the runner's per-slot uid must reach its own `jobs` dir inside
      file = probe.python.executable;
      args = ['-I', '-S', RUNNER, ...runnerArgs, '--tmpbase', join(this.tmpbase, 'jobs')];
    }
    const proc = execa(file, args, {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      env: {},
      extendEnv: false,
      cleanup: true,
      encoding: 'utf8',
    });
    this.proc = proc;
    this.buf = '';
    this.stderrTail = '';
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    let isReady = false;
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl = this.buf.indexOf('\n');
      while (nl >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        nl = this.buf.indexOf('\n');
        if (!line.trim()) continue;
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (!isReady && msg.ready) {
          isReady = true;
          this.separateUid = msg.separateUid === true;
          readyResolve();
        } else if (!isReady && msg.ready === false) {
          readyReject(new Error(String(msg.error ?? 'the sandbox runner refused to start')));
        } else this.onResult(msg as unknown as SandboxResult);
      }
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    proc.stdin?.on('error', () => {});
    // An idle pool must not keep the process alive (a forgotten close() would hang a CLI); a running job
    // keeps it alive through its watchdog timer.
    proc.unref();
    for (const s of [proc.stdin, proc.stdout, proc.stderr])
      (s as unknown as { unref?: () => void } | null)?.unref?.();
    void proc.then((r) => {
      if (this.proc !== proc) return;
      this.proc = null;
      this.ready = null;
      const why = `sandbox process exited (${r.signal ?? `code ${r.exitCode}`})${this.stderrTail ? `: ${this.stderrTail.trim().slice(-500)}` : ''}`;
      if (!isReady) readyReject(new Error(why));
      // Not root, the candidate shares the judge's uid and could kill it: then its death during a job is
      // the candidate's doing (a wrong answer). As root the candidate cannot reach it: an infrastructure fault.
      if (isReady && !this.separateUid && this.busy)
        this.failCandidate(`the judge process died while the candidate ran (${why})`);
      else this.fail(why);
    });
    return ready;
  }

  private cleanupTmp() {
    if (this.tmpbase) {
      try {
        rmSync(this.tmpbase, { recursive: true, force: true });
      } catch {}
      this.tmpbase = null;
    }
  }

  /** Kills the slot's process (and with it the whole sandbox); a fresh one starts on the next job. */
  kill() {
    const p = this.proc;
    this.proc = null;
    this.ready = null;
    if (p) p.kill('SIGKILL');
    this.cleanupTmp();
  }

  private finish(r: SandboxResult) {
    const pending = this.busy;
    if (!pending) return;
    this.busy = null;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (pending.signal && pending.onAbort) pending.signal.removeEventListener('abort', pending.onAbort);
    pending.resolve(r);
    this.sandbox.dispatch();
  }

  private fail(reason: string) {
    const p = this.busy;
    if (!p) return;
    this.finish(errorResult(p.job, reason));
  }

  private failCandidate(reason: string) {
    const p = this.busy;
    if (!p) return;
    this.finish({ ...errorResult(p.job, reason), status: 'failed', phase: 'crash', kind: 'crash' });
  }

  private onResult(msg: SandboxResult) {
    const p = this.busy;
    if (!p) return;
    this.finish({ ...msg, id: p.job.id });
  }

  async run(pending: Pending) {
    this.busy = pending;
    this.keepAlive ??= setInterval(() => {}, 1 << 30);
    const job = pending.job;
    try {
      if (!this.proc || !this.ready) this.ready = this.start();
      await this.ready;
    } catch (e) {
      this.kill();
      this.fail(`sandbox failed to start: ${(e as Error).message}`);
      return;
    }
    if (this.busy !== pending) return;
    const sb = this.sandbox;
    const timeoutMs = job.timeoutMs ?? sb.defaultTimeoutMs;
    const wallMs = job.wallMs ?? timeoutMs * 3 + 5000;
    const hardWallMs = wallMs * 4;
    const wire = {
      id: job.id,
      code: job.code,
      prelude: job.prelude ?? '',
      tests: job.tests,
      entryPoint: job.entryPoint ?? null,
      reference: job.reference ?? null,
      skipInvalid: job.skipInvalid ?? true,
      timeoutMs: wallMs,
      hardWallMs,
      cpuSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
      memoryBytes: sb.limits.memoryBytes,
      outputBytes: sb.limits.outputBytes,
      fileBytes: sb.limits.fileBytes,
      nproc: sb.nprocLimit,
    };
    this.timer = setTimeout(() => {
      this.kill();
      this.fail(`sandbox unresponsive: no verdict ${GRACE_MS} ms after the ${hardWallMs} ms hard deadline`);
    }, hardWallMs + GRACE_MS);
    if (pending.signal) {
      pending.onAbort = () => {
        if (this.busy !== pending) return;
        this.kill();
        this.fail('aborted');
      };
      pending.signal.addEventListener('abort', pending.onAbort, { once: true });
    }
    this.proc?.stdin?.write(`${JSON.stringify(wire)}\n`);
  }

  close() {
    const p = this.proc;
    this.proc = null;
    this.ready = null;
    if (p) {
      p.stdin?.end();
      p.kill('SIGKILL');
    }
    this.fail('sandbox closed');
    this.cleanupTmp();
  }
}

function errorResult(job: SandboxJob, reason: string): SandboxResult {
  return {
    id: job.id,
    status: 'error',
    reason,
    total: job.tests.length,
    skipped: [],
    output: '',
    outputBytes: 0,
    ms: 0,
  };
}

/** A pool of sandbox slots. Create with `Sandbox.create()`; always `close()` it. */
export class Sandbox {
  readonly slots: Slot[];
  private queue: Pending[] = [];
  private closed = false;
  readonly limits: Required<
    Pick<SandboxOptions, 'memoryBytes' | 'outputBytes' | 'fileBytes' | 'nproc' | 'tmpfsBytes'>
  >;
  readonly baseUid: number;
  readonly nprocLimit: number | null;
  defaultTimeoutMs = 10_000;

  private constructor(
    readonly probe: Probe,
    opts: SandboxOptions,
  ) {
    const workers = Math.max(1, Math.floor(opts.workers ?? availableParallelism()));
    this.limits = {
      memoryBytes: opts.memoryBytes ?? 1 << 30,
      outputBytes: opts.outputBytes ?? 1 << 20,
      fileBytes: opts.fileBytes ?? 16 << 20,
      nproc: opts.nproc ?? 64,
      tmpfsBytes: opts.tmpfsBytes ?? 256 << 20,
    };
    this.baseUid = opts.baseUid ?? 61000 + (process.pid % 500) * 16;
    if (isRoot()) this.nprocLimit = this.limits.nproc;
    else if (typeof process.getuid === 'function' && existsSync('/proc/self/status')) {
      // RLIMIT_NPROC counts every process of the (shared) uid: allow what already runs plus the budget.
      this.nprocLimit = processesOf(process.getuid()) + workers * 4 + this.limits.nproc;
    } else this.nprocLimit = null;
    this.slots = Array.from({ length: workers }, (_, i) => new Slot(this, i));
  }

  /** Throws SandboxUnavailableError when bubblewrap is missing/broken and `unsafe` was not chosen. */
  static async create(opts: SandboxOptions = {}): Promise<Sandbox> {
    const mode = opts.isolation ?? isolationFromEnv();
    const probe = await probeSandbox(mode, opts.python);
    if (probe.isolation === 'unsafe') warnUnsandboxed();
    return new Sandbox(probe, opts);
  }

  get isolation(): Isolation {
    return this.probe.isolation;
  }

  run(job: SandboxJob, opts: { signal?: AbortSignal } = {}): Promise<SandboxResult> {
    if (this.closed) return Promise.resolve(errorResult(job, 'sandbox closed'));
    if (opts.signal?.aborted) return Promise.resolve(errorResult(job, 'aborted'));
    return new Promise((resolve) => {
      const pending: Pending = { job, resolve, signal: opts.signal };
      if (opts.signal) {
        const onQueuedAbort = () => {
          const i = this.queue.indexOf(pending);
          if (i >= 0) {
            this.queue.splice(i, 1);
            resolve(errorResult(job, 'aborted'));
          }
        };
        opts.signal.addEventListener('abort', onQueuedAbort, { once: true });
      }
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /** @internal */
  dispatch() {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.busy) continue;
      const next = this.queue.shift();
      if (next) void slot.run(next);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.resolve(errorResult(p.job, 'sandbox closed'));
    for (const s of this.slots) s.close();
  }
}
