"""Tampering: proven rebinding of what the tests rely on scores 0; doubtful code goes to manual review."""

from __future__ import annotations

import ast
from typing import NamedTuple

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from traitlets import Bool

from tlcourse.nbgrader_ext.grading_execute import error_output
from tlcourse.nbgrader_ext.manual_review import REVIEW_RESOURCE

#: Calls that run code the scanner cannot read, or reach into the interpreter: for review.
DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__", "globals", "vars", "locals"}
#: Names whose mere use in student code reaches below the notebook: for review.
LOW_LEVEL_NAMES = {"__builtins__", "builtins", "ctypes", "gc", "sys.settrace",
                   "sys.setprofile", "importlib.import_module", "importlib.reload", "inspect.currentframe",
                   "sys._getframe"}
#: Modules the tests run on: rebinding anything in them is proven tampering.
TEST_MACHINERY = ("tlcourse", "torch", "torchvision", "numpy", "math", "builtins", "IPython", "nbgrader",
                  "unittest", "pytest", "ipykernel", "jupyter_client", "zmq", "comm", "nbclient")
#: Modules that run the kernel itself: a name bound to anything reached from them (the kernel
#: application, its shell, its sockets) is their part, and rebinding its attributes is proven tampering.
KERNEL_MACHINERY = ("IPython", "ipykernel", "jupyter_client", "zmq", "comm")
#: Functions that return the kernel's shell, by module path.
SHELL_GETTERS = {"IPython.get_ipython", "IPython.core.getipython.get_ipython"}
#: Module attributes a student may legitimately set (settings, not functions), by module path.
ALLOWED_MODULE_SETTINGS = ("torch.backends.", "pandas.options.")
#: get_ipython() methods that IPython's own magics and shell commands expand to.
MAGIC_METHODS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}
#: The kernel shell's machinery for running cells and reporting errors: calls on it are proven tampering
#: (and so is any assignment to an attribute of the shell).
SHELL_MACHINERY = {"set_custom_exc", "custom_exceptions", "set_hook", "input_transformers_cleanup",
                   "input_transformers_post", "input_transformer_manager", "ast_transformers", "events",
                   "display_pub", "displayhook", "excepthook", "register_magic_function", "magics_manager"}
#: Magics of ordinary notebook habits (display, timing, reloading, installing, shell): never flagged.
HABIT_MAGICS = {"matplotlib", "autoreload", "aimport", "pip", "conda", "mamba", "time", "timeit", "prun",
                "capture", "sx", "system", "env", "who", "whos", "precision", "pwd", "ls",
                "html", "markdown", "latex", "svg", "javascript", "bash", "sh"}
#: Extensions %load_ext may load without review, and %config targets that only change display.
HABIT_EXTENSIONS = {"autoreload", "tensorboard", "watermark"}
HABIT_CONFIG = ("InlineBackend.",)
#: Magics whose argument is code that runs in the kernel: scanned like a cell.
TIMING_MAGICS = {"time", "timeit", "prun", "capture"}


class Finding(NamedTuple):
    """A construct in the cell at ``position`` (among the editable cells), ``line`` of it.

    ``proven``: it rebinds what the tests use (the tests after it score 0); otherwise
    it may be harmless and the instructor decides (manual review).
    """

    position: int
    line: int
    what: str
    proven: bool


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


def _imports(tree, imported: dict[str, str]) -> None:
    """Record in ``imported`` every name ``tree`` imports: local name -> module path."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    imported[root] = root
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module or ''}.{alias.name}".lstrip(".")


class _Scanner(ast.NodeVisitor):
    """Finds, in one cell, the constructs ``tampering_findings`` reports."""

    def __init__(self, imported: dict[str, str], shells: set[str]):
        self.imported = imported
        self.shells = shells                       # names bound to get_ipython()
        self.findings: list[tuple[int, str, bool]] = []

    def flag(self, node, what: str, proven: bool = False) -> None:
        self.findings.append((getattr(node, "lineno", 0), what, proven))

    def module_path(self, name: str) -> str:
        """``name`` (``t.equal``) with its root replaced by the module it names (``torch.equal``)."""
        root, _, rest = name.partition(".")
        module = self.imported.get(root, "")
        return f"{module}.{rest}" if module and rest else module

    def is_shell(self, node) -> bool:
        """``get_ipython()`` (also as ``IPython.get_ipython()`` or under another name) or a name bound to it."""
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            return name == "get_ipython" or self.module_path(name) in SHELL_GETTERS
        return isinstance(node, ast.Name) and node.id in self.shells

    def kernel_part(self, node) -> str:
        """The kernel module ``node`` is reached from (``IPKernelApp.instance().kernel``: ipykernel...);
        '' when it is not reached from one."""
        while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
            node = node.func if isinstance(node, ast.Call) else node.value
        module = self.module_path(node.id) if isinstance(node, ast.Name) else ""
        return module if module.split(".")[0] in KERNEL_MACHINERY else ""

    def shell_attribute(self, node) -> str:
        """For ``shell.x.y...`` the name ``x``; '' when ``node`` is not an attribute of the shell."""
        while isinstance(node, ast.Attribute):
            if self.is_shell(node.value):
                return node.attr
            node = node.value
        return ""

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split(".")[0] in {"ctypes", "builtins", "gc"}:
                self.flag(node, f"imports {alias.name}")

    def visit_ImportFrom(self, node):
        if (node.module or "").split(".")[0] in {"ctypes", "builtins", "gc"}:
            self.flag(node, f"imports from {node.module}")

    def _check_target(self, target, verb: str) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(element, verb)
            return
        if isinstance(target, ast.Name):
            self._check_name(target, target.id, verb)
        elif isinstance(target, ast.Attribute):
            name = _dotted(target)
            module = self.module_path(name)
            if target.attr in {"__class__", "__code__", "__dict__", "__globals__", "__defaults__"}:
                self.flag(target, f"{verb} {name or target.attr}", proven=True)
            elif self.shell_attribute(target):
                self.flag(target, f"{verb} {name or 'the shell'}, part of the kernel's shell (get_ipython())",
                          proven=True)
            elif _root_call(target) == "type" or name.startswith("__builtins__."):
                self.flag(target, f"{verb} {name or 'an attribute of a type'}", proven=True)
            elif not module and self.kernel_part(target.value):
                part = self.kernel_part(target.value).split(".")[0]
                self.flag(target, f"{verb} {ast.unparse(target)}, part of {part}, which runs the kernel",
                          proven=True)
            elif module and not module.startswith(ALLOWED_MODULE_SETTINGS):
                proven = module.split(".")[0] in TEST_MACHINERY
                self.flag(target, f"{verb} {name}, part of {module.split('.')[0]}"
                          + (", a library the tests use" if proven else ""), proven=proven)
        elif isinstance(target, ast.Subscript):
            base = target.value
            base_name = _dotted(base)
            if base_name == "sys.modules":
                self.flag(target, f"{verb} an entry of sys.modules", proven=True)
            elif base_name == "__builtins__" or self.shell_attribute(base):
                self.flag(target, f"{verb} an entry of {ast.unparse(base)}", proven=True)
            elif isinstance(base, ast.Attribute) and base.attr == "__dict__":
                self.flag(target, f"{verb} an entry of a namespace ({ast.unparse(base)})", proven=True)
            elif isinstance(base, ast.Call) and _dotted(base.func) in {"vars", "globals", "locals"}:
                of_module = base.args and self.module_path(_dotted(base.args[0]))
                self.flag(target, f"{verb} an entry of a namespace ({ast.unparse(base)})",
                          proven=bool(of_module))

    def visit_Assign(self, node):
        for target in node.targets:
            self._check_target(target, "rebinds")
        for target in node.targets:
            if not isinstance(target, ast.Name):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in self.imported:
                self.imported[target.id] = self.imported[node.value.id]   # t = torch
            elif self.is_shell(node.value):
                self.shells.add(target.id)                                # ip = get_ipython()
            elif self.kernel_part(node.value):                            # k = IPKernelApp.instance().kernel
                self.imported[target.id] = f"{self.kernel_part(node.value)}.{ast.unparse(node.value)}"
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
        shell_attribute = self.shell_attribute(node.func)
        if shell_attribute in MAGIC_METHODS and isinstance(node.func, ast.Attribute) \
                and self.is_shell(node.func.value):
            self._check_magic(node, shell_attribute)
            for arg in node.args[1:] + [k.value for k in node.keywords]:
                self.visit(arg)
            return
        if shell_attribute in SHELL_MACHINERY:
            self.flag(node, f"changes the kernel's shell, get_ipython() ({ast.unparse(node.func)})", proven=True)
            for arg in node.args + [k.value for k in node.keywords]:
                self.visit(arg)
            return
        if shell_attribute:
            self.flag(node, f"uses the kernel's shell ({ast.unparse(node.func)})")
        elif name in {"getattr", "setattr", "delattr"} and node.args and self.is_shell(node.args[0]):
            attribute = node.args[1] if len(node.args) > 1 else None
            computed = not (isinstance(attribute, ast.Constant) and isinstance(attribute.value, str))
            self.flag(node, f"calls {name}() on the kernel's shell ({ast.unparse(node)})",
                      proven=computed or name != "getattr" or attribute.value in SHELL_MACHINERY)
        elif name in {"setattr", "delattr"} and node.args:
            target = node.args[0]
            module = self.module_path(_dotted(target))
            if isinstance(target, ast.Call) and _dotted(target.func) == "type":
                self.flag(node, f"calls {name}() on {ast.unparse(target)}", proven=True)
            elif module and not module.startswith(ALLOWED_MODULE_SETTINGS):
                self.flag(node, f"calls {name}() on {ast.unparse(target)}",
                          proven=module.split(".")[0] in TEST_MACHINERY)
            elif isinstance(target, ast.Call) or self.is_shell(target):
                self.flag(node, f"calls {name}() on {ast.unparse(target)}")
        elif name == "__import__" and node.args and isinstance(node.args[0], ast.Constant):
            pass                                   # a plain import, spelled as a call
        elif name in DYNAMIC_CALLS:
            self.flag(node, f"calls {name}()")
        elif name.startswith("sys.modules.") and name not in {"sys.modules.get", "sys.modules.keys"}:
            self.flag(node, f"changes sys.modules ({name})", proven=True)
        self.generic_visit(node)

    def _check_magic(self, node, method: str) -> None:
        if method in {"system", "getoutput"}:      # !ls, !nvidia-smi: shell commands
            return
        if not (node.args and isinstance(node.args[0], ast.Constant)):
            self.flag(node, "runs a magic chosen at run time")
            return
        magic = str(node.args[0].value).strip()
        argument = node.args[1].value if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) else None
        argument = argument.strip() if isinstance(argument, str) else ""
        if magic in TIMING_MAGICS:                 # their argument is code: scan it too
            for arg in node.args[1:]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    try:
                        tree = ast.parse(cell_python(arg.value))
                    except SyntaxError:
                        continue
                    _imports(tree, self.imported)
                    self.visit(tree)
        elif magic == "load_ext" and argument in HABIT_EXTENSIONS:
            pass
        elif magic == "config" and argument.startswith(HABIT_CONFIG):
            pass
        elif magic not in HABIT_MAGICS:
            self.flag(node, f"runs the %{magic} magic" + (f" ({argument})" if argument else ""))

    def visit_Attribute(self, node):
        name = _dotted(node)
        if name in LOW_LEVEL_NAMES or any(name.startswith(n + ".") for n in LOW_LEVEL_NAMES):
            self.flag(node, f"uses {name}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in {"__builtins__", "builtins"}:
            self.flag(node, f"uses {node.id}")
        elif node.id == "get_ipython" or (node.id in self.shells and isinstance(node.ctx, ast.Load)):
            self.flag(node, "uses the kernel's shell (get_ipython)")

    def _check_name(self, node, name: str, verb: str) -> None:
        """A name imported from the course's package (a check function) bound anew."""
        module = self.imported.get(name, "")
        if module.startswith("tlcourse."):
            self.flag(node, f"{verb} {name}, imported from {module.rsplit('.', 1)[0]}", proven=True)

    def visit_FunctionDef(self, node):
        self._check_name(node, node.name, "redefines")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._check_name(node, node.name, "redefines")
        self.generic_visit(node)


def cell_python(source: str) -> str:
    """A cell's source as plain Python, with IPython magics expanded the way IPython does."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def tampering_findings(sources: list[str], imported: dict[str, str] | None = None) -> list[Finding]:
    """Every construct in ``sources`` that could fool the tests, proven or for review.

    ``sources``: the code of the cells a student could edit, in notebook order;
    ``imported``: names other cells import (local name -> module), updated in place.
    Proven: rebinding an attribute of a module the tests use (torch, the course's
    checks, builtins, ...), an entry of sys.modules or a module's namespace, a type's
    attribute, ``__class__``/``__code__``, or the kernel shell's machinery for running
    cells and reporting errors. For review: what the scan cannot decide - exec, eval,
    compile, a computed ``__import__``, globals()/vars(), ctypes, gc, tracing,
    importlib, other uses of ``get_ipython()``, magics that run code the scan cannot
    read, settings of other libraries. Ordinary answers and notebook habits -
    ``net.fc = new_layer``, ``torch.manual_seed(0)``, ``%matplotlib inline``,
    ``%config InlineBackend...``, ``%load_ext autoreload``, ``%timeit``, ``!ls``,
    ``%pip install`` - are never flagged.
    """
    imported = {} if imported is None else imported
    trees = []
    for source in sources:
        try:
            trees.append(ast.parse(cell_python(source)))
        except SyntaxError:
            trees.append(None)                     # the cell fails on its own
    for tree in filter(None, trees):               # imports anywhere count everywhere
        _imports(tree, imported)
    findings: list[Finding] = []
    shells: set[str] = set()
    for position, tree in enumerate(trees):
        if tree is None:
            continue
        scanner = _Scanner(imported, shells)
        scanner.visit(tree)
        for line, what, proven in scanner.findings:
            finding = Finding(position, line, what, proven)
            if finding not in findings:
                findings.append(finding)
    return findings


class FlagTampering(Preprocessor):
    """After execution: graded cells that ran after tampering score 0; after doubtful code, review.

    Student code runs in the same Python process as the tests, so it could rebind
    what the tests use (a check function, ``torch.equal``, the shell's error
    handling). This preprocessor reads every cell the student could edit. From the
    first proven rebinding on, each graded test cell gets an error output naming
    the construct and the cell, so it scores 0 and the feedback says why. From the
    first construct the scan cannot decide (``exec``, ``ctypes``, unusual
    ``get_ipython()`` use, ...) on, each graded cell keeps its points, gets a note
    saying so, and is listed in ``resources`` for ``MarkForManualReview``, which
    sets nbgrader's ``needs_manual_grade`` on its grade: formgrader shows it to the
    instructor.
    """

    enabled = Bool(True, help="flag graded cells that ran after tampering code").tag(config=True)

    def preprocess(self, nb, resources):
        if not self.enabled:
            return nb, resources
        editable = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"
                    and not c.metadata.get("nbgrader", {}).get("locked", False)]
        imported: dict[str, str] = {}
        for cell in nb.cells:                      # names the course's own cells import
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("locked", False):
                tampering_findings([cell.source], imported)
        findings = tampering_findings([c.source for _, c in editable], imported)
        proven = next((f for f in findings if f.proven), None)
        doubtful = next((f for f in findings if not f.proven), None)
        zeroed_from = self._zero_after(nb, editable, proven) if proven else len(nb.cells)
        if doubtful:
            self._review_after(nb, editable, doubtful, zeroed_from, resources)
        return nb, resources

    @staticmethod
    def _where(editable, finding: Finding) -> tuple[int, str]:
        """The notebook index of the finding's cell and how the feedback names it."""
        index, cell = editable[finding.position]
        return index, cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"

    @staticmethod
    def _graded_after(nb, index: int, stop: int) -> list:
        return [cell for k, cell in enumerate(nb.cells) if index < k < stop and cell.cell_type == "code"
                and cell.metadata.get("nbgrader", {}).get("grade")]

    def _zero_after(self, nb, editable, finding: Finding) -> int:
        """Every graded cell after the proven rebinding scores 0, with the reason."""
        index, label = self._where(editable, finding)
        reason = (f"code in {label} (line {finding.line}) {finding.what}. Tests that run after it "
                  f"cannot be trusted, so they score 0; ask your instructor for a manual review.")
        self.log.warning("Tampering in %s: %s", label, reason)
        for graded in self._graded_after(nb, index, len(nb.cells)):
            graded.outputs.append(error_output("TamperingSuspected", reason))
        return index

    def _review_after(self, nb, editable, finding: Finding, stop: int, resources) -> None:
        """Graded cells between the doubtful construct and any proven rebinding: for the instructor."""
        index, label = self._where(editable, finding)
        reason = (f"Manual review: code in {label} (line {finding.line}) {finding.what}, which the "
                  f"automatic grading cannot judge. The points of this test are provisional until your "
                  f"instructor has looked at it.")
        self.log.warning("Manual review needed: %s", reason)
        review = resources.setdefault(REVIEW_RESOURCE, {"grades": {}, "comments": {}})
        for graded in self._graded_after(nb, index, stop):
            graded.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=reason + "\n"))
            review["grades"][graded.metadata["nbgrader"]["grade_id"]] = reason
        if editable[finding.position][1].metadata.get("nbgrader", {}).get("solution"):
            review["comments"][label] = reason
