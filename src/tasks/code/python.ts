import { existsSync, realpathSync } from 'node:fs';
import { execa } from 'execa';

/** The Python interpreter the sandbox runs, resolved once: a pyenv shim on PATH costs ~80 ms per spawn. */
export interface PythonInfo {
  /** Real executable (symlinks and shims resolved). */
  executable: string;
  version: string;
  /** Directories the interpreter needs at run time (prefixes of a pyenv / venv / setup-python install). */
  roots: string[];
}

let cached: Promise<PythonInfo> | undefined;

const PROBE =
  'import sys, os, json; print(json.dumps({"executable": os.path.realpath(sys.executable), ' +
  '"version": sys.version.split()[0], "roots": sorted({os.path.realpath(p) for p in ' +
  '(sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.path.dirname(os.path.realpath(sys.executable)))})}))';

/**
 * Finds the real interpreter: `MASPO_PYTHON` (a path or command) if set, else `python3` on PATH.
 * Asking the interpreter for `sys.executable` sees through pyenv shims and venv symlinks.
 */
export function resolvePython(command?: string): Promise<PythonInfo> {
  const cmd = command ?? process.env.MASPO_PYTHON ?? 'python3';
  if (command === undefined && cached) return cached;
  const p = (async () => {
    const r = await execa(cmd, ['-c', PROBE], { reject: false, timeout: 20_000 });
    if (r.exitCode !== 0 || r.failed) {
      throw new Error(
        `cannot run Python ('${cmd}'): ${r.stderr || r.shortMessage}. Install python3 or set MASPO_PYTHON to an interpreter path.`,
      );
    }
    const info = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as PythonInfo;
    if (!info.executable || !existsSync(info.executable)) {
      throw new Error(`Python '${cmd}' reported an executable that does not exist: ${info.executable}`);
    }
    info.executable = realpathSync(info.executable);
    return info;
  })();
  if (command === undefined) {
    cached = p;
    p.catch(() => {
      cached = undefined;
    });
  }
  return p;
}
