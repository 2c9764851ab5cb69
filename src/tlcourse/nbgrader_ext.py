"""nbgrader preprocessors the course adds to nbgrader's own pipelines.

nbgrader gives a test cell zero points as soon as it wrote anything to stderr,
even when every assertion passed: a deprecation warning from torch or
torchvision would cost a student full marks. ``StderrIsNotFailure`` runs right
after execution and turns stderr text into ordinary output, so only a raised
exception (an ``error`` output) fails a cell. The text stays visible in the
feedback.

``ColabSetup`` writes the Colab setup cell of each student notebook from the
repository address in the package metadata (pyproject.toml), so that address
lives in one place.
"""

from __future__ import annotations

import ast
import os
import sys

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, OverwriteCells
from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from traitlets import Bool, Dict, Integer, List, Unicode

SETUP_TAG = "colab-setup"
STDERR_PREFIX = "[stderr] "


class StderrIsNotFailure(Preprocessor):
    """Turn ``stderr`` stream outputs of code cells into ``stdout`` outputs."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["name"] = "stdout"
                output["text"] = _prefix_lines(output.get("text", ""))
        return cell, resources


def _prefix_lines(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(STDERR_PREFIX + line for line in lines)


def repository_url() -> str:
    """The course repository's address, from the installed package's metadata."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("tlcourse")
    except PackageNotFoundError as err:
        raise RuntimeError(
            "The tlcourse package is not installed in this environment; run `make install` "
            "(or `pip install -e .`) from the course repository."
        ) from err
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip()
    raise RuntimeError("pyproject.toml has no [project.urls] Repository entry.")


def setup_cell_source(url: str) -> str:
    """The code of a student notebook's first cell: installs the course on Colab only."""
    return (
        "# Course setup. On Google Colab this installs the course package and d2l;\n"
        "# anywhere else it does nothing (install the course with `make install` instead).\n"
        "import sys\n"
        "\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install --quiet \"tlcourse @ git+{url}\"\n"
        "    %pip install --quiet --no-deps d2l==1.0.3\n"
    )


class ColabSetup(Preprocessor):
    """Fill the cell tagged ``colab-setup`` with the generated setup code."""

    url = Unicode("", help="Repository address; empty means: read it from the package metadata").tag(config=True)

    def preprocess(self, nb, resources):
        url = self.url or repository_url()
        for cell in nb.cells:
            if cell.cell_type == "code" and SETUP_TAG in cell.get("metadata", {}).get("tags", []):
                cell.source = setup_cell_source(url)
        return nb, resources


# --- Grading kernels: resource limits, dead kernels, runaway output -----------------------

#: Runs in a tiny Python process before the kernel: sets the limits, drops secrets, then
#: replaces itself with the real kernel command (argv[4:]). Kept free of imports beyond
#: the standard library so a kernel starts as fast as before.
LIMITS_LAUNCHER = """\
import os, resource, sys
memory, cpu, fsize, drop = sys.argv[1:5]
for limit, value in ((resource.RLIMIT_DATA, memory), (resource.RLIMIT_CPU, cpu),
                     (resource.RLIMIT_FSIZE, fsize)):
    if int(value) > 0:
        resource.setrlimit(limit, (int(value), int(value)))
for name in filter(None, drop.split(",")):
    os.environ.pop(name, None)
os.execv(sys.argv[5], sys.argv[5:])
"""

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """``"4G"`` -> 4294967296; ``"0"`` means no limit. Accepts K, M, G, T (powers of 1024)."""
    value = str(text).strip().upper().removesuffix("IB").removesuffix("B")
    unit = value[-1:] if value[-1:] in _UNITS and value[-1:] else ""
    number = value[: len(value) - len(unit)]
    try:
        size = float(number) * _UNITS[unit]
    except ValueError:
        raise ValueError(f"not a size: {text!r}; write e.g. 4G, 512M or 0 for no limit") from None
    if size < 0:
        raise ValueError(f"a size cannot be negative: {text!r}")
    return int(size)


def limited_command(cmd: list[str], memory: int, cpu_seconds: int, file_size: int,
                    drop_env: list[str]) -> list[str]:
    """``cmd`` wrapped so that it starts with the given rlimits and without ``drop_env``."""
    return [sys.executable, "-c", LIMITS_LAUNCHER, str(memory), str(cpu_seconds),
            str(file_size), ",".join(drop_env), *cmd]


class LimitedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run under resource limits.

    ``memory``: RLIMIT_DATA of the kernel process (heap and anonymous mappings): an
    allocation beyond it raises MemoryError inside that kernel instead of pushing the
    machine into swap or the OOM killer. ``cpu_seconds``: total CPU time of the
    kernel; past it the kernel is killed (an interrupt-proof loop cannot run
    forever). ``file_size``: largest file the kernel may write. Environment variables
    in ``drop_env`` (the gradebook's address and credentials) never reach student code.
    """

    memory = Unicode(os.environ.get("TLCOURSE_KERNEL_MEMORY", "4G"),
                     help="memory limit per kernel, e.g. 4G; 0 = none").tag(config=True)
    cpu_seconds = Integer(int(os.environ.get("TLCOURSE_KERNEL_CPU_SECONDS", "900")),
                          help="CPU seconds per kernel; 0 = none").tag(config=True)
    file_size = Unicode("1G", help="largest file a kernel may write; 0 = none").tag(config=True)
    drop_env = List(Unicode(), ["TLCOURSE_GRADEBOOK_URL", "PGPASSWORD", "PGPASSFILE",
                                "PGSERVICEFILE", "DATABASE_URL"],
                    help="environment variables removed before a kernel starts").tag(config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        return limited_command(cmd, parse_size(self.memory), self.cpu_seconds,
                               parse_size(self.file_size), list(self.drop_env))


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An ``error`` output: nbgrader scores a graded cell that has one 0."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class GradingExecute(Execute):
    """nbgrader's Execute with limited kernels, a cap on output and a report of a dead kernel.

    - Kernels come from ``LimitedKernelManager``.
    - A cell's outputs stop being recorded after ``max_output_bytes`` (a note says so);
      error outputs are always kept, so a failing cell still fails.
    - When the kernel dies (``os._exit``, a crash, the CPU limit), the cell it died in
      and every later cell get an error output that says so, and grading goes on: the
      cells that ran before keep their points.
    """

    max_output_bytes = Integer(1_000_000, help="recorded output per cell, in bytes").tag(config=True)
    # An interrupted cell may stay silent a while (torch code in C): wait, don't abort the notebook.
    raise_on_iopub_timeout = Bool(False).tag(config=True)
    error_on_timeout = Dict(default_value={
        "ename": "CellTimeoutError",
        "evalue": "the cell ran past the per-cell time limit and was interrupted",
        "traceback": ["CellTimeoutError: the cell ran past the per-cell time limit "
                      "(Execute.timeout) and was interrupted"],
    }).tag(config=True)

    def __init__(self, **kw):
        kw.setdefault("kernel_manager_class", LimitedKernelManager)
        super().__init__(**kw)

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        self._output_bytes: dict[int, int] = {}
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._died_in is not None:
            cell.outputs = [error_output(
                "KernelDied", f"not run: the kernel stopped in cell {self._died_in} "
                "(os._exit, a crash or the kernel's CPU limit)")]
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            cell.outputs.append(error_output(
                "CellTimeoutError", "the cell ran past the per-cell time limit and did not stop "
                "when interrupted"))
            self.log.error("Cell %s timed out; grading goes on with the next cell", index)
            return cell, self.resources
        except DeadKernelError:
            self._died_in = index
            cell.outputs.append(error_output(
                "KernelDied", "the kernel stopped while running this cell (os._exit, a crash, "
                "or the kernel's CPU limit); later cells were not run"))
            self.log.error("Kernel died in cell %s; later cells are marked as not run", index)
            return cell, self.resources

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] != "error":
            size = _message_size(msg["content"])
            used = self._output_bytes.get(cell_index, 0)
            self._output_bytes[cell_index] = used + size
            if used + size > self.max_output_bytes:
                if used <= self.max_output_bytes:
                    outs.append(NotebookNode(
                        output_type="stream", name="stdout",
                        text=f"\n... output truncated: this cell printed more than "
                             f"{self.max_output_bytes:,} bytes ...\n"))
                return None
        return super().output(outs, msg, display_id, cell_index)


def _message_size(content: dict) -> int:
    """Rough size of an output message's payload in characters."""
    if "text" in content:
        return len(content["text"])
    return sum(len(str(value)) for value in (content.get("data") or {}).values())


# --- Tampering: student code that rebinds what the tests rely on ----------------------------

#: Calls that run code the scanner cannot read, or reach into the interpreter.
DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__", "setattr", "delattr", "globals", "vars",
                 "locals"}
#: Names whose mere use in student code reaches below the notebook.
LOW_LEVEL_NAMES = {"__builtins__", "builtins", "ctypes", "gc", "sys.settrace",
                   "sys.setprofile", "importlib.import_module", "importlib.reload", "inspect.currentframe",
                   "sys._getframe"}
#: get_ipython() methods that IPython's own magics expand to; any other use is flagged.
MAGIC_METHODS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}
#: Magics that run code from files or extensions the scanner cannot see.
HIDDEN_CODE_MAGICS = {"run", "load", "load_ext", "writefile", "file", "script", "python", "python3",
                      "debug", "macro", "rerun", "recall", "config", "autoawait"}
#: Magics whose argument is code that runs in the kernel: scanned like a cell.
TIMING_MAGICS = {"time", "timeit", "prun", "capture"}
#: Module attributes a student may legitimately set (settings, not functions).
ALLOWED_MODULE_SETTINGS = ("torch.backends.",)


def _dotted(node) -> str:
    """``a.b.c`` for Name/Attribute chains; '' for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call) and _dotted(node.func) == "get_ipython":
        parts.append("get_ipython()")
        return ".".join(reversed(parts))
    return ""


def _root_call(node) -> str:
    """For ``f(...).x.y`` the dotted name of ``f``; '' otherwise."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return _dotted(node.func) if isinstance(node, ast.Call) else ""


class _Scanner(ast.NodeVisitor):
    """Finds, in one cell, the constructs ``tampering_findings`` reports."""

    def __init__(self, imported: set[str]):
        self.imported = imported
        self.findings: list[tuple[int, str]] = []

    def flag(self, node, what: str) -> None:
        self.findings.append((getattr(node, "lineno", 0), what))

    def visit_Import(self, node):
        for alias in node.names:
            self.imported.add((alias.asname or alias.name).split(".")[0])
            if alias.name.split(".")[0] in {"ctypes", "builtins", "gc"}:
                self.flag(node, f"imports {alias.name}")

    def visit_ImportFrom(self, node):
        for alias in node.names:
            self.imported.add(alias.asname or alias.name)
        if (node.module or "").split(".")[0] in {"ctypes", "builtins", "gc"}:
            self.flag(node, f"imports from {node.module}")

    def _check_target(self, target, verb: str) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(element, verb)
            return
        if isinstance(target, ast.Attribute):
            name = _dotted(target)
            root = name.split(".")[0]
            if target.attr in {"__class__", "__code__", "__dict__", "__globals__", "__defaults__"}:
                self.flag(target, f"{verb} {name or target.attr}")
            elif root in self.imported and not name.startswith(ALLOWED_MODULE_SETTINGS):
                self.flag(target, f"{verb} {name}, part of a library the tests use")
            elif name.startswith("get_ipython()") or _root_call(target) in {"type", "get_ipython"}:
                self.flag(target, f"{verb} {name or 'an attribute of a type'}")
        elif isinstance(target, ast.Subscript):
            base = target.value
            if _dotted(base) == "sys.modules":
                self.flag(target, f"{verb} an entry of sys.modules")
            elif (isinstance(base, ast.Attribute) and base.attr == "__dict__") or \
                    (isinstance(base, ast.Call) and _dotted(base.func) in {"vars", "globals", "locals"}):
                self.flag(target, f"{verb} an entry of a namespace ({ast.unparse(base)})")

    def visit_Assign(self, node):
        for target in node.targets:
            self._check_target(target, "rebinds")
        if isinstance(node.value, ast.Name) and node.value.id in self.imported:
            for target in node.targets:           # t = torch: t is torch from now on
                if isinstance(target, ast.Name):
                    self.imported.add(target.id)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_target(node.target, "rebinds")
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._check_target(target, "deletes")
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _dotted(node.func)
        if name.startswith("get_ipython().") and name.split(".")[1] in MAGIC_METHODS:
            self._check_magic(node)
            for arg in node.args[1:] + [k.value for k in node.keywords]:
                self.visit(arg)
            return
        if name in {"setattr", "delattr"}:
            if node.args and (_dotted(node.args[0]).split(".")[0] in self.imported
                              or isinstance(node.args[0], ast.Call)):
                self.flag(node, f"calls {name}() on {ast.unparse(node.args[0])}")
        elif name == "__import__" and node.args and isinstance(node.args[0], ast.Constant):
            pass                                   # a plain import, spelled as a call
        elif name in DYNAMIC_CALLS:
            self.flag(node, f"calls {name}()")
        elif name.startswith("sys.modules.") and name != "sys.modules.get":
            self.flag(node, f"changes sys.modules ({name})")
        self.generic_visit(node)

    def _check_magic(self, node) -> None:
        if not (node.args and isinstance(node.args[0], ast.Constant)):
            self.flag(node, "runs a magic chosen at run time")
            return
        magic = str(node.args[0].value).strip()
        if magic in HIDDEN_CODE_MAGICS:
            self.flag(node, f"runs the %{magic} magic")
        elif magic in TIMING_MAGICS:                # their argument is code: scan it too
            for arg in node.args[1:]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    try:
                        self.visit(ast.parse(cell_python(arg.value)))
                    except SyntaxError:
                        pass

    def visit_Attribute(self, node):
        name = _dotted(node)
        if name in LOW_LEVEL_NAMES or any(name.startswith(n + ".") for n in LOW_LEVEL_NAMES):
            self.flag(node, f"uses {name}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in {"__builtins__", "builtins"}:
            self.flag(node, f"uses {node.id}")
        elif node.id == "get_ipython":
            self.flag(node, "uses the kernel's shell (get_ipython)")


def cell_python(source: str) -> str:
    """A cell's source as plain Python, with IPython magics expanded the way IPython does."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def tampering_findings(sources: list[str], imported: set[str] | None = None) -> list[tuple[int, int, str]]:
    """(cell position, line, what) for every construct that could fool the tests.

    ``sources``: the code of the cells a student could edit, in notebook order. The
    scan is deliberately narrow: rebinding attributes of imported libraries (torch,
    the course's checks, ...), namespace and interpreter internals (builtins,
    sys.modules, ctypes, gc), the kernel's shell (get_ipython()), code the scan
    cannot read (exec, eval, compile, __import__, setattr) and magics that run
    hidden code. Ordinary answers - ``net.fc = new_layer``, ``torch.manual_seed(0)``,
    ``torch.backends.cudnn.benchmark = True`` - are never flagged.
    """
    imported = set() if imported is None else imported
    trees = []
    for source in sources:
        try:
            trees.append(ast.parse(cell_python(source)))
        except SyntaxError:
            trees.append(None)                     # the cell fails on its own
    for tree in filter(None, trees):               # imports anywhere count everywhere
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.update(a.asname or a.name for a in node.names)
    findings = []
    for position, tree in enumerate(trees):
        if tree is None:
            continue
        scanner = _Scanner(imported)
        scanner.visit(tree)
        for line, what in scanner.findings:
            if (position, line, what) not in findings:
                findings.append((position, line, what))
    return findings


class FlagTampering(Preprocessor):
    """After execution: a graded cell that ran after tampering code scores 0, with the reason.

    Student code runs in the same Python process as the tests, so it could rebind
    what the tests use (a check function, ``torch.equal``, the shell's error
    handling). This preprocessor reads every cell the student could edit; from
    the first suspicious construct on, each graded test cell gets an error output
    naming the construct and the cell, so it scores 0 and the feedback says why.
    An instructor who finds the code harmless regrades by hand.
    """

    enabled = Bool(True, help="flag graded cells that ran after tampering code").tag(config=True)

    def preprocess(self, nb, resources):
        if not self.enabled:
            return nb, resources
        editable = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"
                    and not c.metadata.get("nbgrader", {}).get("locked", False)]
        imported: set[str] = set()
        for i, cell in enumerate(nb.cells):        # names the course's own cells import
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("locked", False):
                tampering_findings([cell.source], imported)
        findings = tampering_findings([c.source for _, c in editable], imported)
        if not findings:
            return nb, resources
        position, line, what = findings[0]
        first, cell = editable[position]
        label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {first}"
        reason = (f"code in {label} (line {line}) {what}. Tests that run after it cannot be "
                  f"trusted, so they score 0; ask your instructor for a manual review.")
        self.log.warning("Tampering suspected in %s: %s", label, reason)
        for index, graded in enumerate(nb.cells):
            meta = graded.metadata.get("nbgrader", {})
            if index > first and graded.cell_type == "code" and meta.get("grade"):
                graded.outputs.append(error_output("TamperingSuspected", reason))
        return nb, resources


# --- Missing cells: put every test back, even when its neighbours are gone too -------------

class RestoreAllTestCells(OverwriteCells):
    """nbgrader's OverwriteCells whose re-adding of deleted test cells never crashes.

    nbgrader puts a deleted test cell back right after the cell that precedes it in
    the source, and fails with a KeyError when that cell is gone too (every cell's
    metadata stripped, or another notebook submitted under this name). Here such a
    test cell goes after the last cell put back before it, or at the end: the
    notebook is graded, and tests whose answers are missing fail with a NameError.
    Cells whose grade_id the gradebook does not know (from another notebook) lose
    their nbgrader metadata and run as ordinary code.
    """

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell, resources = super().preprocess_cell(cell, resources, index)
        if grade_id is not None and "grade_id" not in cell.metadata.get("nbgrader", {}):
            del cell.metadata["nbgrader"]          # a cell of another notebook: ordinary code here
        return cell, resources

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_ids = [cell.name for cell in source_nb.source_cells]
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        present = {cell.metadata.nbgrader["grade_id"]: cell for cell in nb.cells
                   if utils.is_grade(cell) or utils.is_solution(cell)}
        for grade_cell in source_nb.grade_cells:
            if grade_cell.name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", grade_cell.name)
            source_cell = source_nb.source_cells[source_ids.index(grade_cell.name)]
            new = self.missing_cell_transform(source_cell, grade_cell.max_score,
                                              is_solution=grade_cell.name in solution_ids)
            earlier = [present[i] for i in source_ids[:source_ids.index(grade_cell.name)] if i in present]
            at = next((k + 1 for k, cell in enumerate(nb.cells) if earlier and cell is earlier[-1]),
                      len(nb.cells))
            nb.cells.insert(at, new)
            present[grade_cell.name] = new
        return nb, resources


def database_url(url: str) -> str:
    """A gradebook URL SQLAlchemy can open with the installed PostgreSQL driver.

    SQLAlchemy 2.1 reads a plain ``postgresql://`` URL as "use psycopg 3"; where only
    psycopg2 is installed the URL names it explicitly. Other URLs pass unchanged.
    """
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            try:
                import psycopg  # noqa: F401 - psycopg 3 is SQLAlchemy's default driver
            except ImportError:
                return "postgresql+psycopg2://" + url[len(scheme):]
            return url
    return url
