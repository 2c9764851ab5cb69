"""Hidden tests start from freshly imported checks (with every course module the checks import).

Student code runs in the same kernel as the tests, so it can rebind a check
(``heads.check_linear = ...``) or a helper a check calls (``base.require``, a
function of a module the checks import). At ``autograde``, after the test cells
are restored from the gradebook and before execution, ``ReimportChecks`` puts at
the top of each hidden region a few lines that drop those modules from
``sys.modules``; the hidden tests' own ``import tlcourse.checks...`` lines then
load them anew from disk. Which modules to drop is read from the checks' source
(every ``tlcourse`` import, lazy ones too, followed through the modules they
import), so the list stays right when the checks' imports change. The source
notebooks carry none of this: run directly, their hidden tests import as usual.

A fresh import is only worth something if it reads the course's installed files: student
code can put a shadow copy of the checks first on ``sys.path``, on ``tlcourse.__path__`` or
behind a ``sys.meta_path`` finder. So the inserted lines import every one of those modules
at once and check that each was loaded by Python's own source loader from a file under the
installed package's folder, which the grader resolves here, outside the kernel, and writes
into the inserted code as a literal (the test cells come from the gradebook, so the
submission cannot change it; in the sandbox that folder is read-only). Otherwise the test
fails with ``TamperingSuspected``, naming the module and where it came from.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from traitlets import Unicode

ROOT_PACKAGE = "tlcourse"
CHECKS_PACKAGE = "tlcourse.checks"
#: Calls that import a module named by a string (counted when the name is written out).
DYNAMIC_IMPORTS = {"importlib.import_module", "import_module", "__import__"}
#: First line of the inserted code; the feedback hides it with the rest of the hidden region.
FRESH_IMPORT_NOTE = "# A fresh copy of the checks and their helpers, whatever a student rebound in this kernel."
#: The error a hidden test raises when the checks did not come from the installed package.
TAMPERING_ERROR = "TamperingSuspected"


def _package_dir() -> Path:
    """The installed ``tlcourse`` package's folder (found without importing anything below it)."""
    spec = importlib.util.find_spec(ROOT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the {ROOT_PACKAGE} package is not installed in this environment")
    return Path(next(iter(spec.submodule_search_locations)))


def _source_file(module: str, root: Path) -> Path | None:
    """The file that defines ``module`` (``tlcourse.a.b``) under ``root``; None if there is none."""
    path = root.joinpath(*module.split(".")[1:])
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The module a ``from ... import`` reads from, relative imports resolved inside ``package``."""
    if not node.level:
        return node.module or ""
    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{parent}.{node.module}" if node.module else parent


def _imported_modules(module: str, source: Path, root: Path) -> set[str]:
    """The course modules ``module``'s code imports anywhere (lazy imports and
    ``importlib.import_module("...")`` included), with the packages around them."""
    package = module if source.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names
                         if _source_file(f"{base}.{alias.name}", root) is not None)
        elif (isinstance(node, ast.Call) and ast.unparse(node.func) in DYNAMIC_IMPORTS and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    with_parents = set()
    for name in found:
        parts = name.split(".")
        with_parents.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
    return {name for name in with_parents if name.split(".")[0] == ROOT_PACKAGE
            and _source_file(name, root) is not None}


def checks_and_dependencies(checks: str = CHECKS_PACKAGE) -> list[str]:
    """Every module of ``checks`` and every course module they import, directly or through
    each other, sorted. The root package itself is never among them."""
    root = _package_dir()
    checks_dir = root.joinpath(*checks.split(".")[1:])
    pending = [checks] + [f"{checks}.{path.stem}" for path in sorted(checks_dir.glob("*.py"))
                         if path.stem != "__init__"]
    seen: set[str] = set()
    while pending:
        module = pending.pop()
        source = _source_file(module, root)
        if module in seen or source is None:
            continue
        seen.add(module)
        pending.extend(_imported_modules(module, source, root) - seen)
    return sorted(seen - {ROOT_PACKAGE})


def fresh_import_code(modules: list[str], package_dir: str | None = None) -> str:
    """Lines that drop ``modules`` from ``sys.modules``, import them anew and fail the test with
    ``TamperingSuspected`` unless Python's source loader read each from a file under
    ``package_dir`` (default: the installed package's folder, resolved in this process)."""
    prefix = str(Path(package_dir).resolve()) if package_dir else str(_package_dir().resolve())
    names = sorted(modules)
    return (f"{FRESH_IMPORT_NOTE}\n"
            "import sys as _sys\n"
            f"for _module in {names!r}:\n"
            "    _sys.modules.pop(_module, None)\n"
            "import importlib.machinery as _machinery, os as _os\n"
            f"_prefix = {prefix!r}\n"
            f"for _module in {names!r}:\n"
            "    __import__(_module)\n"
            "    _loaded = _sys.modules[_module]\n"
            "    _file = _os.path.realpath(getattr(_loaded, '__file__', None) or '?')\n"
            "    _loader = getattr(_loaded, '__loader__', None)\n"
            "    if not (_file.startswith(_prefix + _os.sep) and type(_loader) is _machinery.SourceFileLoader\n"
            "            and _os.path.realpath(_loader.path) == _file):\n"
            f"        raise type({TAMPERING_ERROR!r}, (Exception,), {{}})(\n"
            "            f'{_module} was not loaded from the course\\'s installed checks ({_prefix}) but from '\n"
            "            f'{_file} ({type(_loader).__name__}): code in this notebook redirected the import of the '\n"
            "            'checks, so this test scores 0; ask your instructor for a manual review.')\n")


class ReimportChecks(Preprocessor):
    """Put the fresh import of the checks at the top of every hidden-test region."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    checks_package = Unicode(CHECKS_PACKAGE, help="package whose modules hidden tests import anew").tag(config=True)

    def preprocess(self, nb, resources):
        self._code = fresh_import_code(checks_and_dependencies(self.checks_package))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and self.begin_test_delimeter in cell.source:
            cell.source = self.with_fresh_import(cell.source)
        return cell, resources

    def with_fresh_import(self, source: str) -> str:
        """``source`` with the fresh-import lines after each hidden-region marker, indented like it."""
        lines = []
        for line in source.split("\n"):
            lines.append(line)
            if self.begin_test_delimeter in line:
                indent = line[: len(line) - len(line.lstrip())]
                lines += [indent + code for code in self._code.splitlines()]
        return "\n".join(lines)
