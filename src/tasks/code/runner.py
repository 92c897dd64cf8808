"""maspo code-sandbox fork server.

Started once per pool slot (inside bubblewrap when available) with `python -I -S runner.py [options]`.
Reads one JSON job per line on stdin, forks one child per job and writes one JSON verdict per line on
stdout. The child runs the candidate program and its assert statements; the verdict travels on a
private pipe, never on the child's stdout. The child's stdout/stderr are read here through a byte cap.

Options:
  --uid N      drop to uid/gid N before serving (the harness runs as root; RLIMIT_NPROC only bites for a
               non-root uid, and one uid per slot keeps the counts apart).
  --sweep      after each job, kill every other process this server may signal (safe only inside a
               private PID namespace or under a private per-slot uid).
  --tmpbase D  directory for per-job temp dirs (default /tmp).
"""

import ast
import builtins
import json
import os
import resource
import select
import signal
import sys
import textwrap
import time

# Imported eagerly so the children inherit them (fork) and no import runs after privileges drop.
import traceback  # noqa: F401

# Modules HumanEval/MBPP preludes, solutions and tests commonly import, loaded once here so that each
# forked job finds them in sys.modules (~4 ms per job saved; `from typing import *` alone costs ~3 ms).
# Imported before any privilege drop. `random` reseeds itself in every forked child (os.register_at_fork).
PRELOAD = (
    "typing", "math", "cmath", "re", "collections", "heapq", "itertools", "functools", "operator",
    "bisect", "array", "copy", "string", "hashlib", "fractions", "decimal", "statistics", "datetime",
)


def preload():
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a minimal Python without one of them: the job imports (and fails) itself
            pass

BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__", "__builtins__"}


def parse_args(argv):
    opts = {"uid": None, "sweep": False, "tmpbase": "/tmp"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--uid":
            opts["uid"] = int(argv[i + 1])
            i += 2
        elif a == "--sweep":
            opts["sweep"] = True
            i += 1
        elif a == "--tmpbase":
            opts["tmpbase"] = argv[i + 1]
            i += 2
        else:
            raise SystemExit("runner: unknown option " + a)
    return opts


def bound_names(tree):
    """Names a module binds at module level (def, class, import, assignment targets, loop variables of
    top-level statements), without descending into function or class bodies. None for a star import."""
    names = set()
    stack = list(getattr(tree, "body", [tree]))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    star = star_names(getattr(node, "module", None))
                    if star is None:
                        return None
                    names |= star
                    continue
                names.add((alias.asname or alias.name).split(".")[0])
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


def star_names(module):
    """Names `from module import *` binds. Only ever called on the dataset's own prelude/reference."""
    if not module:
        return None
    try:
        import importlib

        mod = importlib.import_module(module)
    except Exception:
        return None
    exported = getattr(mod, "__all__", None)
    if exported is None:
        exported = [n for n in dir(mod) if not n.startswith("_")]
    return set(exported)


def local_names(tree):
    """Every name bound anywhere inside a test statement (comprehension and lambda variables)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def invalid_tests(reference, prelude, tests):
    """Indices of tests that reference names the reference solution never defines (upstream breakage,
    e.g. HumanEval-ET asserts flattened out of a `for` loop). Decided from the reference alone, so the
    candidate cannot influence it."""
    try:
        defined = bound_names(ast.parse(prelude + "\n" + reference))
    except SyntaxError:
        return []
    if defined is None:
        return []
    bad = []
    for i, t in enumerate(tests):
        try:
            tree = ast.parse(textwrap.dedent(t).strip())
        except SyntaxError:
            continue
        local = local_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id not in defined and node.id not in local and node.id not in BUILTIN_NAMES:
                    bad.append(i)
                    break
    return bad


def describe(exc):
    name = type(exc).__name__
    msg = str(exc)
    if len(msg) > 300:
        msg = msg[:300] + "..."
    return name + (": " + msg if msg else "")


def child_main(job, res_w):
    """Runs in the forked child (own session, limits already set). Never returns."""
    skip = set(job.get("skip") or [])

    def emit(obj):
        data = (json.dumps(obj) + "\n").encode()
        os.write(res_w, data)

    g = {"__name__": "__solution__", "__builtins__": builtins}
    src = (job.get("prelude") or "") + "\n" + job["code"]
    try:
        code = compile(src, "solution.py", "exec")
    except BaseException as e:  # SyntaxError, ValueError (null bytes), RecursionError
        emit({"status": "failed", "phase": "compile", "reason": describe(e)})
        os._exit(0)
    try:
        exec(code, g)
    except BaseException as e:
        emit({"status": "failed", "phase": "load", "reason": describe(e)})
        os._exit(0)
    tests = job.get("tests") or []
    passed = 0
    for i, t in enumerate(tests):
        if i in skip:
            continue
        os.write(res_w, b"P %d\n" % i)
        try:
            exec(compile(textwrap.dedent(t).strip(), "test_%d" % i, "exec"), g)
        except AssertionError as e:
            emit({"status": "failed", "phase": "test", "index": i, "reason": describe(e), "passed": passed})
            os._exit(0)
        except BaseException as e:
            emit({"status": "failed", "phase": "test", "index": i, "reason": describe(e), "passed": passed})
            os._exit(0)
        passed += 1
    emit({"status": "passed", "passed": passed})
    os._exit(0)


def set_limits(job):
    def lim(which, soft, hard=None):
        try:
            resource.setrlimit(which, (soft, soft if hard is None else hard))
        except (ValueError, OSError):
            pass

    cpu = int(job.get("cpuSeconds") or 10)
    lim(resource.RLIMIT_CPU, cpu, cpu + 1)  # SIGXCPU at the budget, SIGKILL a second later
    if job.get("memoryBytes"):
        lim(resource.RLIMIT_AS, int(job["memoryBytes"]))
    lim(resource.RLIMIT_FSIZE, int(job.get("fileBytes") or 16 << 20))
    if job.get("nproc"):
        lim(resource.RLIMIT_NPROC, int(job["nproc"]))
    lim(resource.RLIMIT_CORE, 0)
    lim(resource.RLIMIT_NOFILE, 256)


def sweep():
    try:
        os.kill(-1, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def rmtree(path):
    for root, dirs, files in os.walk(path, topdown=False):
        for f in files:
            try:
                os.unlink(os.path.join(root, f))
            except OSError:
                pass
        for d in dirs:
            p = os.path.join(root, d)
            try:
                if os.path.islink(p):
                    os.unlink(p)
                else:
                    os.rmdir(p)
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


SIGNAL_REASONS = {
    signal.SIGXCPU: "CPU time limit exceeded (SIGXCPU)",
    signal.SIGKILL: "killed (SIGKILL; CPU time hard limit or memory)",
    signal.SIGXFSZ: "file size limit exceeded (SIGXFSZ)",
    signal.SIGSEGV: "crashed (SIGSEGV)",
    signal.SIGABRT: "aborted (SIGABRT)",
}


def run_job(job, opts, n):
    t0 = time.monotonic()
    timeout = float(job.get("timeoutMs") or 10000) / 1000.0
    cap = int(job.get("outputBytes") or 1 << 20)
    keep = 2048
    tests = job.get("tests") or []
    skip = []
    if job.get("reference") is not None and job.get("skipInvalid", True):
        skip = invalid_tests(job["reference"], job.get("prelude") or "", tests)
    job["skip"] = skip

    tmp = os.path.join(opts["tmpbase"], "job%d" % n)
    rmtree(tmp)
    os.mkdir(tmp, 0o700)
    out_r, out_w = os.pipe()
    res_r, res_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.close(out_r)
            os.close(res_r)
            devnull = os.open("/dev/null", os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            os.close(out_w)
            os.close(devnull)
            os.chdir(tmp)
            os.environ.clear()
            os.environ.update({"HOME": tmp, "TMPDIR": tmp, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
            sys.stdout = open(1, "w", buffering=1, closefd=False)
            sys.stderr = open(2, "w", buffering=1, closefd=False)
            sys.stdin = open(0, "r", closefd=False)
            set_limits(job)
            sys.setrecursionlimit(3000)
            child_main(job, res_w)
        except BaseException:
            pass
        os._exit(70)
    os.close(out_w)
    os.close(res_w)
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    deadline = t0 + timeout
    out_total = 0
    out_keep = bytearray()
    res_buf = bytearray()
    reason = None
    exited = False
    reaped_status = None
    reaped_cpu = None
    fds = [out_r, res_r]
    while True:
        now = time.monotonic()
        if now >= deadline:
            reason = "timeout"
            break
        watch = fds + ([pidfd] if pidfd is not None and not exited else [])
        wait = deadline - now if pidfd is not None else min(deadline - now, 0.02)
        if not watch:
            break
        ready, _, _ = select.select(watch, [], [], wait)
        if pidfd is None and not exited:
            p, st, ru = os.wait4(pid, os.WNOHANG)
            if p == pid:
                exited = "reaped"
                reaped_status = st
                reaped_cpu = round((ru.ru_utime + ru.ru_stime) * 1000, 1)
        for fd in ready:
            if fd == pidfd:
                exited = True
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                fds.remove(fd)
                continue
            if fd == out_r:
                out_total += len(data)
                if len(out_keep) < keep:
                    out_keep += data[: keep - len(out_keep)]
                if out_total > cap:
                    reason = "output"
            else:
                res_buf += data
        if reason:
            break
        if exited:
            # Child is gone: collect what is already buffered, without waiting for grandchildren.
            for fd in list(fds):
                os.set_blocking(fd, False)
                try:
                    while True:
                        data = os.read(fd, 65536)
                        if not data:
                            break
                        if fd == out_r:
                            out_total += len(data)
                            if len(out_keep) < keep:
                                out_keep += data[: keep - len(out_keep)]
                        else:
                            res_buf += data
                except (BlockingIOError, OSError):
                    pass
            break
    # Kill the job's whole session/process group, then anything else it left behind.
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if opts["sweep"]:
        sweep()
    status = None
    cpu_ms = None
    if exited != "reaped":
        try:
            _, status, ru = os.wait4(pid, 0)
            cpu_ms = round((ru.ru_utime + ru.ru_stime) * 1000, 1)
        except ChildProcessError:
            status = None
    else:
        status, cpu_ms = reaped_status, reaped_cpu
    while True:  # reap grandchildren re-parented to us (subreaper or pid-1 cases)
        try:
            p, _ = os.waitpid(-1, os.WNOHANG)
            if p == 0:
                break
        except ChildProcessError:
            break
    for fd in [out_r, res_r] + ([pidfd] if pidfd is not None else []):
        try:
            os.close(fd)
        except OSError:
            pass
    rmtree(tmp)

    last_index = None
    verdict = None
    for line in bytes(res_buf).decode("utf-8", "replace").splitlines():
        if line.startswith("P "):
            try:
                last_index = int(line[2:])
            except ValueError:
                pass
        elif line.startswith("{"):
            try:
                verdict = json.loads(line)
            except ValueError:
                verdict = None
    out = {
        "id": job.get("id"),
        "total": len(tests),
        "skipped": skip,
        "outputBytes": out_total,
        "output": bytes(out_keep).decode("utf-8", "replace"),
        "ms": round((time.monotonic() - t0) * 1000, 1),
    }
    if cpu_ms is not None:
        out["cpuMs"] = cpu_ms
    if reason == "timeout":
        out.update(status="failed", phase="timeout", reason="wall time limit exceeded (%.1f s)" % timeout)
        if last_index is not None:
            out["index"] = last_index
    elif reason == "output":
        out.update(status="failed", phase="output", reason="output exceeded %d bytes" % cap)
        if last_index is not None:
            out["index"] = last_index
    elif verdict is not None:
        out.update(verdict)
    else:
        why = "exited before the tests finished"
        if status is not None:
            if os.WIFSIGNALED(status):
                sig = os.WTERMSIG(status)
                why = SIGNAL_REASONS.get(sig, "killed by signal %d" % sig)
            elif os.WIFEXITED(status):
                why = "exited with status %d before the tests finished" % os.WEXITSTATUS(status)
        out.update(status="failed", phase="crash", reason=why)
        if last_index is not None:
            out["index"] = last_index
    return out


def main():
    opts = parse_args(sys.argv[1:])
    preload()
    os.makedirs(opts["tmpbase"], exist_ok=True)
    if opts["uid"] is not None and os.getuid() == 0:
        uid = opts["uid"]
        if opts["tmpbase"] != "/tmp":
            os.chown(opts["tmpbase"], uid, uid)
            os.chmod(opts["tmpbase"], 0o700)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        # Jobs import from the standard library as this uid: an interpreter under a private home
        # (e.g. pyenv in /root, mode 0700) would fail every `import` not preloaded. Refuse to serve
        # rather than grade every such job as failed.
        stdlib = os.path.dirname(os.__file__)
        try:
            os.listdir(stdlib)
        except OSError as e:
            sys.stdout.write(
                json.dumps(
                    {
                        "ready": False,
                        "error": "uid %d cannot read the Python standard library at %s (%s); use an "
                        "interpreter outside a private home directory (MASPO_PYTHON=/usr/bin/python3) "
                        "or install bubblewrap" % (uid, stdlib, e.strerror),
                    }
                )
                + "\n"
            )
            sys.stdout.flush()
            raise SystemExit(3)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    stdout = sys.stdout.buffer
    stdout.write(b'{"ready":true,"uid":%d,"python":"%s"}\n' % (os.getuid(), sys.version.split()[0].encode()))
    stdout.flush()
    n = 0
    for line in sys.stdin.buffer:
        line = line.strip()
        if not line:
            continue
        n += 1
        try:
            job = json.loads(line)
            res = run_job(job, opts, n)
        except Exception as e:  # an infrastructure fault, not the candidate's
            res = {"id": None, "status": "error", "reason": "runner: " + describe(e)}
            try:
                res["id"] = json.loads(line).get("id")
            except Exception:
                pass
        stdout.write(json.dumps(res).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":
    main()
