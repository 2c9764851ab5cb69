"""Does everything a student notebook imports work without the grading tools installed?

The course's runtime dependencies (pyproject's ``dependencies``) are what a student's
install gets (Colab, Kaggle, a laptop); nbgrader, JupyterLab and the test tools come only
with the ``grading``/``test`` extras. Each test runs a fresh interpreter in which a
meta-path finder makes those tools impossible to import, as if they were not installed.
"""

import json
import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import tlcourse

ROOT = Path(__file__).resolve().parent.parent
# Import names of the grading and test tools (and the Jupyter server side they bring).
NOT_INSTALLED = ["nbgrader", "jupyterlab", "jupyterlab_server", "jupyter_server", "notebook", "nbclassic",
                 "nbclient", "nbconvert", "nbformat", "pytest", "playwright", "psycopg2", "psycopg", "sqlalchemy"]
# Modules only instructors and graders use: nbgrader's extensions.
GRADING_ONLY = ("tlcourse.nbgrader_ext",)

BLOCKER = """
import importlib.abc, sys
BLOCKED = set({blocked!r})
class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: not a runtime dependency)", name=name)
        return None
sys.meta_path.insert(0, NotInstalled())
"""


def student_modules() -> list[str]:
    """Every module of the course package except the grading-only ones."""
    names = [info.name for info in pkgutil.walk_packages(tlcourse.__path__, "tlcourse.")]
    return sorted(n for n in names if not n.startswith(GRADING_ONLY))


def run_without_grading_tools(code: str) -> subprocess.CompletedProcess:
    program = BLOCKER.format(blocked=NOT_INSTALLED) + code
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)


def test_the_blocker_really_blocks_nbgrader():
    proc = run_without_grading_tools("import tlcourse.nbgrader_ext")
    assert proc.returncode != 0
    assert "No module named 'nbgrader" in proc.stderr


def test_every_student_module_imports_without_grading_tools():
    modules = student_modules()
    assert "tlcourse.quiz.widgets" in modules and "tlcourse.checks.heads" in modules
    code = f"""
import importlib, json
failed = {{}}
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except Exception as err:
        failed[name] = f"{{type(err).__name__}}: {{err}}"
print(json.dumps(failed))
"""
    proc = run_without_grading_tools(code)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {}


def test_a_quiz_and_the_inspector_build_without_grading_tools():
    code = """
import torch
from tlcourse.inspector import ParameterInspector
from tlcourse.quiz import views
view = views("foodvision_head")[0]
inspector = ParameterInspector(torch.nn.Linear(3, 2))
print(len(view.questions), type(view.box).__name__, type(inspector.make_widget()).__name__, inspector.total)
"""
    proc = run_without_grading_tools(code)
    assert proc.returncode == 0, proc.stderr
    questions, box, widget, total = proc.stdout.split()
    assert int(questions) > 0 and box == "VBox" and widget == "VBox" and total == "8"


def test_runtime_dependencies_name_no_grading_tool():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {re.match(r"[A-Za-z0-9_.\-]+", r).group(0).lower() for r in project["dependencies"]}
    assert not runtime & {"nbgrader", "jupyterlab", "notebook", "jupyter-server", "pytest", "playwright"}
    grading = {re.match(r"[A-Za-z0-9_.\-]+", r).group(0).lower()
               for r in project["optional-dependencies"]["grading"]}
    assert {"nbgrader", "jupyterlab"} <= grading
