"""maspo code-sandbox server: the trusted judge.

Started once per pool slot (inside bubblewrap unless the user chose MASPO_SANDBOX=unsafe) with
`python -I -S runner.py [options]`. Reads one JSON job per line on stdin and writes one JSON verdict per
line on stdout. Per job it forks one **candidate** process that runs the generated program and nothing
else; this server stays the judge:

  * the asserts are compiled and executed here, in a namespace built from the task's own prelude;
  * every name the asserts need from the candidate (the entry point, in practice) is a proxy: a call
    sends the arguments to the candidate as JSON and receives the return value as JSON, decoded here
    into plain Python values only (None, bool, int, float, complex, str, bytes, list, tuple, dict, set,
    frozenset). Any other value comes back as an opaque handle that fails every comparison, so the
    `==` of the assert is always the real one of a plain type;
  * the candidate holds only its request/reply pipes and an output pipe; this server's stdout (the
    verdict channel to Node) is never inherited; as root it runs under a private uid that cannot signal
    or trace the server.

See docs/sandbox.md for the threat model.

Options:
  --uid N      as root: run every candidate process under uid/gid N (one uid per slot, so
               RLIMIT_NPROC counts per slot and the candidate cannot signal this server).
  --sweep      after each job, kill(-1) from this server (safe only in a private PID namespace).
  --tmpbase D  directory for the per-job temp dirs (default /tmp).
"""

import ast
import collections
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
        if free_names(t) - defined - BUILTIN_NAMES:
            bad.append(i)
    return bad



def describe(exc):
    name = type(exc).__name__
    msg = str(exc)
    if len(msg) > 300:
        msg = msg[:300] + "..."
    return name + (": " + msg if msg else "")


# ---------------------------------------------------------------------------------------------------
# Plain-value wire format (both directions). JSON, with one-key objects as tags:
#   null/true/false/str/float/small int as themselves, list as an array,
#   {"i": hex} big int, {"t": [...]} tuple, {"d": [[k, v], ...]} dict, {"s": [...]} set,
#   {"z": [...]} frozenset, {"b": hex} bytes, {"c": [re, im]} complex, {"o": [id, type]} opaque handle.
# Types are checked with `type(v) is X`: a subclass (an int whose __eq__ lies) is not a plain value.

SMALL = 1 << 53


def encode(v, refs=None):
    t = type(v)
    if v is None or t is bool or t is str or t is float:
        return v
    if t is int:
        return v if -SMALL < v < SMALL else {"i": format(v, "x")}
    if t is list:
        return [encode(x, refs) for x in v]
    if t is tuple:
        return {"t": [encode(x, refs) for x in v]}
    if t is dict or t is collections.defaultdict:
        return {"d": [[encode(k, refs), encode(x, refs)] for k, x in v.items()]}
    if t is collections.Counter or t is collections.OrderedDict:
        return {"C" if t is collections.Counter else "O": [[encode(k, refs), encode(x, refs)] for k, x in v.items()]}
    if t is set:
        return {"s": [encode(x, refs) for x in v]}
    if t is frozenset:
        return {"z": [encode(x, refs) for x in v]}
    if t is bytes:
        return {"b": v.hex()}
    if t is complex:
        return {"c": [v.real, v.imag]}
    if t is Handle:
        return {"o": [v._maspo_id, v._maspo_type]}
    if refs is not None:  # candidate side: keep the object, send a handle
        key = len(refs) + 1
        refs[key] = v
        try:  # its truth value travels as a plain bool (`assert re.match(...)`-style tests)
            truth = bool(v)
        except BaseException:
            truth = None
        return {"o": [key, t.__name__, truth]}
    raise TypeError("cannot pass a %s to the candidate (only plain values)" % t.__name__)


class Malformed(Exception):
    pass


def decode(x, refs=None, depth=0):
    """Rebuilds plain values from the wire. On the judge side (`refs` None) handles become `Handle`s."""
    if depth > 200:
        raise Malformed("nested too deeply")
    t = type(x)
    if x is None or t is bool or t is int or t is float or t is str:
        return x
    if t is list:
        return [decode(i, refs, depth + 1) for i in x]
    if t is dict and len(x) == 1:
        (tag, v), = x.items()
        if tag == "i" and type(v) is str:
            return int(v, 16)
        if tag == "b" and type(v) is str:
            return bytes.fromhex(v)
        if tag == "c" and type(v) is list and len(v) == 2:
            return complex(float(v[0]), float(v[1]))
        if tag == "o" and type(v) is list and len(v) in (2, 3) and type(v[0]) is int:
            if refs is not None:
                if v[0] not in refs:
                    raise Malformed("unknown handle")
                return refs[v[0]]
            truth = v[2] if len(v) == 3 and type(v[2]) is bool else None
            return Handle(v[0], str(v[1])[:100], truth)
        if type(v) is list:
            items = [decode(i, refs, depth + 1) for i in v]
            if tag == "t":
                return tuple(items)
            if tag == "s":
                return set(items)
            if tag == "z":
                return frozenset(items)
            if tag in ("d", "C", "O") and all(type(p) is list and len(p) == 2 for p in items):
                d = {k: val for k, val in items}
                if tag == "C":
                    return collections.Counter(d)
                return collections.OrderedDict(d) if tag == "O" else d
    raise Malformed("not a plain value")


class NotPlain(Exception):
    """A test used a value of a type that is not plain (it cannot be compared in the judge)."""


class Handle:
    """An opaque reference to a non-plain object living in the candidate process. It may be passed back
    to the candidate (or called); any other use, comparisons first, fails the test."""

    __slots__ = ("_maspo_id", "_maspo_type", "_maspo_truth")

    def __init__(self, ident, type_name, truth=None):
        object.__setattr__(self, "_maspo_id", ident)
        object.__setattr__(self, "_maspo_type", type_name)
        object.__setattr__(self, "_maspo_truth", truth)

    def _maspo_refuse(self, *_a, **_k):
        raise NotPlain(
            "the candidate returned a value of type %r; only plain values (None, bool, int, float, "
            "complex, str, bytes, list, tuple, dict, set, frozenset) are compared" % self._maspo_type
        )

    def __call__(self, *args, **kwargs):
        chan = CHANNEL[0]
        if chan is None:
            self._maspo_refuse()
        return chan.call(self._maspo_id, args, kwargs)

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _maspo_refuse
    def __bool__(self):
        # Only the truth value the candidate reported, as a plain bool: the same as returning bool(v).
        if self._maspo_truth is None:
            self._maspo_refuse()
        return self._maspo_truth

    __len__ = __iter__ = __contains__ = __getitem__ = __hash__ = _maspo_refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __abs__ = __neg__ = _maspo_refuse
    __float__ = __int__ = __index__ = __str__ = __repr__ = __format__ = _maspo_refuse
    __truediv__ = __floordiv__ = __mod__ = __pow__ = __round__ = _maspo_refuse

    def __getattr__(self, name):
        if name.startswith("_maspo_"):
            raise AttributeError(name)
        self._maspo_refuse()

    def __setattr__(self, name, value):
        self._maspo_refuse()


# ---------------------------------------------------------------------------------------------------
# Candidate process


def write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def candidate_main(job, names, rfd, wfd):
    """Runs in the forked candidate process (own session, uid and limits already set). Loads the
    program, reports which of `names` it defines, then serves calls until its pipe closes. Never
    returns. Everything here is the candidate's to tamper with: the judge trusts none of it."""
    dumps = json.dumps
    stdin = os.fdopen(rfd, "rb", buffering=1 << 16)

    def send(obj):
        write_all(wfd, (dumps(obj, separators=(",", ":")) + "\n").encode())

    g = {"__name__": "__main__", "__builtins__": builtins}
    src = (job.get("prelude") or "") + "\n" + job["code"]
    try:
        code = compile(src, "solution.py", "exec")
    except BaseException as e:  # SyntaxError, ValueError (null bytes), RecursionError, MemoryError
        send({"k": "compile", "why": describe(e)})
        os._exit(0)
    try:
        exec(code, g)
    except BaseException as e:
        send({"k": "load", "why": describe(e)})
        os._exit(0)
    refs = {}
    kinds = {}
    for name in names:
        if name not in g:
            continue
        v = g[name]
        if type(v) is type(os):
            kinds[name] = ["m", v.__name__]
        elif callable(v):
            kinds[name] = ["f"]
        else:
            try:
                kinds[name] = ["v", encode(v, refs)]
            except BaseException as e:
                kinds[name] = ["x", describe(e)]
    send({"k": "ready", "names": kinds})
    for line in stdin:
        try:
            req = json.loads(line)
            f = req["f"]
            target = g[f] if type(f) is str else refs[f]
            args = [decode(a, refs) for a in req["a"]]
            kwargs = {k: decode(v, refs) for k, v in req["kw"].items()}
            out = {"r": encode(target(*args, **kwargs), refs)}
        except BaseException as e:  # the candidate's exception (SystemExit too) is a test failure
            try:
                text = str(e)
                out = {"e": [type(e).__name__, text[:300] + ("..." if len(text) > 300 else "")]}
            except BaseException:
                out = {"e": ["BaseException", "unprintable exception"]}
        send(out)
    os._exit(0)


# ---------------------------------------------------------------------------------------------------
# Judge side


class Abort(BaseException):
    """Ends the job from inside a remote call (not catchable by an assert's own code)."""

    def __init__(self, kind, reason=""):
        BaseException.__init__(self, kind, reason)
        self.kind = kind
        self.reason = reason


class CandidateRaised(Exception):
    def __init__(self, name, text):
        Exception.__init__(self, text)
        self.name = name
        self.text = text


CHANNEL = [None]


def proc_cpu_seconds(pid):
    """CPU time (user + system) of a live process, from /proc (None when unreadable)."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Channel:
    """The judge's end of the candidate's pipes: writes requests, reads replies and the candidate's
    output (counted, capped), enforces the wall-clock backstop."""

    def __init__(self, pid, req_w, resp_r, out_r, job, t0):
        self.pid = pid
        self.req_w = req_w
        self.resp_r = resp_r
        self.out_r = out_r
        self.cap = int(job.get("outputBytes") or 1 << 20)
        self.reply_cap = int(job.get("replyBytes") or 64 << 20)
        self.out_total = 0
        self.out_keep = bytearray()
        self.buf = bytearray()
        self.wall = float(job.get("timeoutMs") or 10000) / 1000.0
        self.hard = t0 + float(job.get("hardWallMs") or job.get("timeoutMs") or 10000) / 1000.0
        self.deadline = t0 + self.wall
        self.last_cpu = 0.0
        self.closed = False
        self.calls = 0

    def take_output(self, data):
        self.out_total += len(data)
        if len(self.out_keep) < 2048:
            self.out_keep += data[: 2048 - len(self.out_keep)]
        if self.out_total > self.cap:
            raise Abort("output", "output exceeded %d bytes" % self.cap)

    def past_deadline(self, now):
        """At the backstop, a candidate that is still computing (it used CPU since the last check) gets
        more wall time up to the hard limit: under load, CPU time — not the clock — decides."""
        if now < self.deadline:
            return False
        cpu = proc_cpu_seconds(self.pid)
        if cpu is not None and cpu - self.last_cpu >= 0.1 * self.wall and now < self.hard:
            self.last_cpu = cpu
            self.deadline = min(self.hard, now + self.wall)
            return False
        return True

    def pump(self, send=b""):
        """Writes `send` and returns the next reply line (bytes) from the candidate."""
        pending = memoryview(send)
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0 and not pending:
                line = bytes(self.buf[:nl])
                del self.buf[: nl + 1]
                return line
            if self.closed:
                raise Abort("gone")
            now = time.monotonic()
            if self.past_deadline(now):
                raise Abort("wall")
            rl = [self.resp_r, self.out_r] if self.out_r is not None else [self.resp_r]
            wl = [self.req_w] if pending else []
            ready_r, ready_w, _ = select.select(rl, wl, [], max(0.0, min(self.deadline, self.hard) - now) + 0.001)
            if ready_w:
                try:
                    n = os.write(self.req_w, pending[:65536])
                    pending = pending[n:]
                except BlockingIOError:
                    pass
                except OSError:  # the candidate closed its end (EPIPE): it is gone
                    self.closed = True
            for fd in ready_r:
                try:
                    data = os.read(fd, 1 << 16)
                except OSError:
                    data = b""
                if fd == self.out_r:
                    if data:
                        self.take_output(data)
                    else:
                        self.out_r = None
                elif data:
                    self.buf += data
                    if len(self.buf) > self.reply_cap:
                        raise Abort("protocol", "the candidate's reply exceeded %d bytes" % self.reply_cap)
                else:
                    self.closed = True

    def drain_output(self):
        if self.out_r is None:
            return
        try:
            os.set_blocking(self.out_r, False)
            while True:
                data = os.read(self.out_r, 1 << 16)
                if not data:
                    break
                self.out_total += len(data)
                if len(self.out_keep) < 2048:
                    self.out_keep += data[: 2048 - len(self.out_keep)]
        except (BlockingIOError, OSError):
            pass

    def message(self, send=b""):
        line = self.pump(send)
        try:
            msg = json.loads(line)
        except (ValueError, RecursionError):
            raise Abort("protocol", "malformed reply from the candidate process")
        if type(msg) is not dict:
            raise Abort("protocol", "malformed reply from the candidate process")
        return msg

    def call(self, target, args, kwargs):
        self.calls += 1
        req = {"f": target, "a": [encode(a) for a in args], "kw": {str(k): encode(v) for k, v in kwargs.items()}}
        msg = self.message((json.dumps(req, separators=(",", ":")) + "\n").encode())
        if set(msg) == {"r"}:
            try:
                return decode(msg["r"])
            except (Malformed, ValueError, TypeError, RecursionError, MemoryError) as e:
                raise Abort("protocol", "malformed value from the candidate process (%s)" % describe(e))
        if set(msg) == {"e"} and type(msg["e"]) is list and len(msg["e"]) == 2:
            raise CandidateRaised(str(msg["e"][0])[:100], str(msg["e"][1])[:400])
        raise Abort("protocol", "malformed reply from the candidate process")


class Remote:
    """A candidate function as seen by the asserts: calls go over the channel."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, *args, **kwargs):
        return CHANNEL[0].call(self.name, args, kwargs)

    def __repr__(self):
        return "<candidate function %s>" % self.name


def free_names(test):
    """Names one assert reads and does not bind itself (empty when it does not parse)."""
    try:
        tree = ast.parse(textwrap.dedent(test).strip())
    except SyntaxError:
        return set()
    local = local_names(tree)
    return {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local
    }


def test_names(tests):
    """Names the asserts read that they do not bind themselves."""
    names = set()
    for t in tests:
        names |= free_names(t)
    return names


ANALYSED = {}


def analyse(job, tests, entry):
    """(skipped tests, names the asserts read and do not bind), cached per task: the same tests come
    back for every candidate of a task."""
    reference = job.get("reference") if job.get("skipInvalid", True) else None
    key = (job.get("prelude") or "", reference, entry, tuple(tests))
    hit = ANALYSED.get(key)
    if hit is None:
        skip = invalid_tests(reference, key[0], tests) if reference is not None else []
        names = test_names([t for i, t in enumerate(tests) if i not in skip])
        if entry:
            names.add(entry)
        hit = (skip, sorted(names))
        if len(ANALYSED) > 2000:
            ANALYSED.clear()
        ANALYSED[key] = hit
    return hit


def judge_namespace(prelude):
    """The asserts' namespace: the task's own prelude (imports, the prompt's helper functions) run here
    in the judge. Names it does not define (the entry point first) come from the candidate."""
    ns = {"__name__": "__judge__", "__builtins__": builtins}
    if prelude.strip():
        try:
            exec(compile(prelude, "prelude.py", "exec"), ns)
        except BaseException:
            ns = {"__name__": "__judge__", "__builtins__": builtins}
    return ns


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


def sweep(opts):
    """Kills whatever the job left running (daemons in new sessions included)."""
    if opts["sweep"]:  # private PID namespace: everything but bwrap's init and this server
        try:
            os.kill(-1, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    elif opts["uid"] is not None and os.getuid() == 0:  # unsafe mode as root: only the slot uid
        pid = os.fork()
        if pid == 0:
            try:
                os.setgroups([])
                os.setgid(opts["uid"])
                os.setuid(opts["uid"])
                os.kill(-1, signal.SIGKILL)
            except BaseException:
                pass
            os._exit(0)
        os.waitpid(pid, 0)


def become_candidate(opts):
    if opts["uid"] is not None and os.getuid() == 0:
        uid = opts["uid"]
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def place_fds(fds):
    """Moves `fds` to 0..n-1 and closes every other descriptor (the verdict channel included)."""
    import fcntl

    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in fds]
    for i, fd in enumerate(high):
        os.dup2(fd, i)
    keep = len(fds)
    try:
        open_fds = [int(x) for x in os.listdir("/proc/self/fd")]
    except OSError:
        open_fds = range(keep, 1024)
    for fd in open_fds:
        if fd >= keep:
            try:
                os.close(fd)
            except OSError:
                pass


SIGNAL_REASONS = {
    signal.SIGXCPU: "killed by SIGXCPU",
    signal.SIGKILL: "killed by SIGKILL",
    signal.SIGXFSZ: "file size limit exceeded (SIGXFSZ)",
    signal.SIGSEGV: "crashed (SIGSEGV)",
    signal.SIGABRT: "aborted (SIGABRT)",
}


def classify_exit(status, cpu, budget):
    """(kind, reason) for a candidate process that ended while the judge waited on it."""
    if status is not None and os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu is not None and cpu >= budget - 0.05):
            return "cpu-timeout", "CPU time limit exceeded (%g s)" % budget
        return "crash", "the candidate process was " + SIGNAL_REASONS.get(sig, "killed by signal %d" % sig)
    if status is not None and os.WIFEXITED(status):
        return "exit", "the candidate process exited with status %d" % os.WEXITSTATUS(status)
    return "crash", "the candidate process ended"


def run_job(job, opts, n):
    t0 = time.monotonic()
    budget = int(job.get("cpuSeconds") or 10)
    tests = job.get("tests") or []
    entry = job.get("entryPoint") or None
    skip, wanted = analyse(job, tests, entry)
    ns = judge_namespace(job.get("prelude") or "")
    wanted = [w for w in wanted if w == entry or (w not in ns and not hasattr(builtins, w))]

    tmp = os.path.join(opts["tmpbase"], "job%d" % n)
    rmtree(tmp)
    os.mkdir(tmp, 0o700)
    if opts["uid"] is not None and os.getuid() == 0:
        os.chown(tmp, opts["uid"], opts["uid"])
    out_r, out_w = os.pipe()
    req_r, req_w = os.pipe()
    resp_r, resp_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            os.setsid()
            devnull = os.open("/dev/null", os.O_RDONLY)
            place_fds([devnull, out_w, out_w, req_r, resp_w])
            os.chdir(tmp)
            os.environ.clear()
            os.environ.update({"HOME": tmp, "TMPDIR": tmp, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
            become_candidate(opts)
            set_limits(job)
            sys.stdout = open(1, "w", buffering=1, closefd=False)
            sys.stderr = open(2, "w", buffering=1, closefd=False)
            sys.stdin = open(0, "r", closefd=False)
            sys.setrecursionlimit(3000)
            candidate_main(job, wanted, 3, 4)
        except BaseException:
            pass
        os._exit(70)
    for fd in (out_w, req_r, resp_w):
        os.close(fd)
    os.set_blocking(req_w, False)
    chan = Channel(pid, req_w, resp_r, out_r, job, t0)
    CHANNEL[0] = chan
    verdict = {"status": "failed"}
    passed = 0
    index = None
    try:
        hello = chan.message()
        k = hello.get("k")
        if k == "compile":
            verdict.update(phase="compile", kind="syntax", reason=str(hello.get("why"))[:400])
        elif k == "load":
            verdict.update(phase="load", kind="load", reason=str(hello.get("why"))[:400])
        elif k != "ready" or type(hello.get("names")) is not dict:
            raise Abort("protocol", "malformed reply from the candidate process")
        else:
            names = hello["names"]
            if entry and entry not in names:
                verdict.update(phase="load", kind="no-function", reason="the code does not define %s()" % entry)
            else:
                for name, what in names.items():
                    if name not in wanted or type(what) is not list or not what:
                        continue
                    if what[0] == "f":
                        ns[name] = Remote(name)
                    elif what[0] == "m" and len(what) == 2:
                        try:
                            import importlib

                            ns[name] = importlib.import_module(str(what[1]))
                        except BaseException:
                            pass
                    elif what[0] == "v" and len(what) == 2:
                        try:
                            ns[name] = decode(what[1])
                        except (Malformed, ValueError, TypeError, RecursionError):
                            raise Abort("protocol", "malformed value from the candidate process")
                for i, t in enumerate(tests):
                    if i in skip:
                        continue
                    index = i
                    try:
                        exec(compile(textwrap.dedent(t).strip(), "test_%d" % i, "exec"), ns)
                    except CandidateRaised as e:
                        kind = {"MemoryError": "memory", "RecursionError": "recursion"}.get(e.name, "exception")
                        verdict.update(phase="test", kind=kind, index=i, reason=e.name + (": " + e.text if e.text else ""))
                        break
                    except NotPlain as e:
                        verdict.update(phase="test", kind="not-plain", index=i, reason=str(e))
                        break
                    except Exception as e:  # AssertionError, or the assert's own code failing on the value
                        kind = "assert" if isinstance(e, AssertionError) else "test-error"
                        verdict.update(phase="test", kind=kind, index=i, reason=describe(e))
                        break
                    passed += 1
                else:
                    index = None
                    verdict = {"status": "passed"}
    except Abort as a:
        verdict.update(kind=a.kind, reason=a.reason)
    finally:
        CHANNEL[0] = None
    # The job is over: close its pipes, kill its session and anything it left behind.
    chan.drain_output()
    cpu_live = proc_cpu_seconds(pid)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    sweep(opts)
    status = None
    cpu = None
    try:
        _, status, ru = os.wait4(pid, 0)
        cpu = ru.ru_utime + ru.ru_stime
    except ChildProcessError:
        cpu = cpu_live
    while True:  # reap anything re-parented to us
        try:
            p, _ = os.waitpid(-1, os.WNOHANG)
            if p == 0:
                break
        except ChildProcessError:
            break
    for fd in (out_r, req_w, resp_r):
        try:
            os.close(fd)
        except OSError:
            pass
    rmtree(tmp)

    kind = verdict.get("kind")
    if kind == "gone":
        # The candidate ended while the judge waited for it (exit, crash, CPU limit).
        kind, reason = classify_exit(status, cpu, budget)
        verdict.update(kind=kind, reason=reason, phase="timeout" if kind == "cpu-timeout" else "crash")
    elif kind == "wall":
        if cpu is not None and cpu >= budget - 0.05:
            verdict.update(kind="cpu-timeout", phase="timeout", reason="CPU time limit exceeded (%g s)" % budget)
        else:
            verdict.update(
                kind="wall-timeout",
                phase="timeout",
                reason="wall time limit exceeded (%.1f s; the candidate used %.2f s of CPU: sleeping or blocked)"
                % (time.monotonic() - t0, cpu or 0.0),
            )
    elif kind == "output":
        verdict["phase"] = "output"
    elif kind == "protocol":
        verdict["phase"] = "crash"
    if verdict["status"] == "failed" and index is not None and "index" not in verdict:
        verdict["index"] = index
    out = {
        "id": job.get("id"),
        "total": len(tests),
        "skipped": skip,
        "passed": passed,
        "outputBytes": chan.out_total,
        "output": bytes(chan.out_keep).decode("utf-8", "replace"),
        "ms": round((time.monotonic() - t0) * 1000, 1),
        "calls": chan.calls,
    }
    if cpu is not None:
        out["cpuMs"] = round(cpu * 1000, 1)
    out.update(verdict)
    return out


def forbid_tracing():
    """PR_SET_DUMPABLE 0: a process of the same uid cannot ptrace this one or open its /proc/PID/mem."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
    except Exception:
        pass


def stdlib_unreadable(uid):
    """As root, whether the candidate uid cannot read the standard library (an interpreter under a
    private home such as pyenv in /root): then every `import` not preloaded would fail."""
    stdlib = os.path.dirname(os.__file__)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.listdir(stdlib)
            os.write(w, b"ok")
        except OSError as e:
            os.write(w, (e.strerror or "error").encode())
        except BaseException:
            pass
        os._exit(0)
    os.close(w)
    answer = os.read(r, 200).decode("utf-8", "replace")
    os.close(r)
    os.waitpid(pid, 0)
    if answer == "ok":
        return None
    return (
        "uid %d cannot read the Python standard library at %s (%s); use an interpreter outside a private "
        "home directory (MASPO_PYTHON=/usr/bin/python3)" % (uid, stdlib, answer or "unknown")
    )


def main():
    opts = parse_args(sys.argv[1:])
    preload()
    forbid_tracing()
    os.makedirs(opts["tmpbase"], exist_ok=True)
    separate = opts["uid"] is not None and os.getuid() == 0
    if separate:
        problem = stdlib_unreadable(opts["uid"])
        if problem:
            sys.stdout.write(json.dumps({"ready": False, "error": problem}) + "\n")
            sys.stdout.flush()
            raise SystemExit(3)
    # A write to a candidate that has gone must be an error code, not a signal that kills the judge.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    stdout = sys.stdout.buffer
    hello = {"ready": True, "uid": os.getuid(), "python": sys.version.split()[0], "separateUid": separate}
    stdout.write(json.dumps(hello).encode() + b"\n")
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
        try:
            stdout.write(json.dumps(res).encode() + b"\n")
            stdout.flush()
        except BrokenPipeError:  # the supervisor has gone
            return


if __name__ == "__main__":
    main()
