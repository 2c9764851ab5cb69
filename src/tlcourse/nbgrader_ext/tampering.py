"""Tampering: student code that rebinds what the tests rely on scores 0, with the reason."""

from __future__ import annotations

import ast

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from traitlets import Bool

from tlcourse.nbgrader_ext.grading_execute import error_output

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
