"""Do hidden tests run the real checks, whatever a student rebound in the kernel?"""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys

import nbformat
import pytest

from tests.cells import create_grade_cell, notebook
from tlcourse.nbgrader_ext.hide_hidden_tests import HideHiddenTests
from tlcourse.nbgrader_ext.reimport_checks import (FRESH_IMPORT_NOTE, ReimportChecks,
                                                   checks_and_dependencies, fresh_import_code)

HIDDEN = """from tlcourse.checks.heads import check_linear

check_linear(new_layer)
### BEGIN HIDDEN TESTS
import tlcourse.checks.heads as _heads

_heads.check_linear(new_layer)
### END HIDDEN TESTS"""


def reimport(*cells):
    nb, _ = ReimportChecks().preprocess(notebook(*cells), {})
    return nb.cells


def test_the_fresh_import_goes_right_after_each_hidden_marker():
    [cell] = reimport(create_grade_cell(HIDDEN))
    lines = cell.source.splitlines()
    at = lines.index("### BEGIN HIDDEN TESTS")
    code = fresh_import_code(checks_and_dependencies()).splitlines()
    assert lines[:at + 1] == HIDDEN.splitlines()[:at + 1], "the visible test is left as it was"
    assert lines[at + 1:at + 1 + len(code)] == code
    assert lines[at + 1 + len(code):] == HIDDEN.splitlines()[at + 1:]


def test_an_indented_region_gets_an_indented_fresh_import():
    source = "if True:\n    ### BEGIN HIDDEN TESTS\n    import tlcourse.checks.heads as _h\n    ### END HIDDEN TESTS"
    [cell] = reimport(create_grade_cell(source))
    compile(cell.source, "cell", "exec")
    assert f"    {FRESH_IMPORT_NOTE}" in cell.source.splitlines()


def test_cells_without_hidden_tests_are_left_alone():
    visible = create_grade_cell("from tlcourse.checks.heads import check_linear\ncheck_linear(new_layer)")
    [cell] = reimport(visible)
    assert cell.source == "from tlcourse.checks.heads import check_linear\ncheck_linear(new_layer)"


def test_feedback_hides_the_fresh_import_with_the_hidden_tests():
    [cell] = reimport(create_grade_cell(HIDDEN))
    nb, _ = HideHiddenTests().preprocess(notebook(cell), {})
    shown = nb.cells[0].source
    assert FRESH_IMPORT_NOTE not in shown and "_sys" not in shown and "tlcourse.checks.base" not in shown
    assert "Hidden tests ran here" in shown


LOADED_BY_THE_CHECKS = """
import json, pkgutil, sys
import tlcourse.checks
for module in pkgutil.iter_modules(tlcourse.checks.__path__):
    __import__(f"tlcourse.checks.{module.name}")
print(json.dumps(sorted(n for n in sys.modules if n.startswith("tlcourse."))))
"""


def test_every_course_module_the_checks_load_is_imported_anew():
    loaded = json.loads(subprocess.run([sys.executable, "-c", LOADED_BY_THE_CHECKS], capture_output=True,
                                       text=True, check=True).stdout)
    fresh = checks_and_dependencies()
    assert "tlcourse.checks.base" in loaded and "tlcourse.checks.heads" in loaded
    assert set(loaded) <= set(fresh), f"loaded by the checks but not imported anew: {set(loaded) - set(fresh)}"
    assert "tlcourse" not in fresh and "tlcourse.nbgrader_ext" not in fresh


TAMPERED_KERNEL = """
import importlib, sys
from torch import nn
import tlcourse.checks.base as base
base.require = lambda *args, **kwargs: None              # a helper of every check, made a no-op
import tlcourse.checks.heads as heads
heads.check_linear = lambda *args, **kwargs: None       # a check made a no-op
for name in FRESH:                                       # and every module the checks import, marked
    importlib.import_module(name).TAMPERED = True
heads.check_linear(nn.Linear(1000, 7))                  # passes: the tampering works
exec(CODE)
import tlcourse.checks.heads as _heads
left = [name for name in FRESH if hasattr(importlib.import_module(name), "TAMPERED")]
assert left == [], left
try:
    _heads.check_linear(nn.Linear(1000, 7), in_features=512, num_classes=7)
except AssertionError as err:
    print(f"{type(err).__name__}:", str(err).splitlines()[0])
"""


def test_after_the_fresh_import_no_rebound_check_or_helper_is_left():
    fresh = checks_and_dependencies()
    program = f"FRESH = {fresh!r}\nCODE = {fresh_import_code(fresh)!r}\n" + TAMPERED_KERNEL
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("CheckFailed: Expected:"), proc.stdout


# --- under real nbgrader autograde --------------------------------------------------------------

FOOD = "02_foodvision_head"


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    """Two students whose wrong answer passes its visible check: one rebinds the check, one
    makes its helper ``require`` a no-op before any check is imported. The tampering scan is
    switched off, so only the fresh import in the hidden tests can catch them."""
    from autograder.autograde import autograde_one
    from autograder.course import fresh_course_dir
    from autograder.nbgrader_cli import nbgrader
    from autograder.submissions import Student, write_submission
    from tests.corpus.build import drop_ungraded_tail

    course = fresh_course_dir(tmp_path_factory.mktemp("reimport") / "course")
    nbgrader(course, "generate_assignment", FOOD, "--force")
    for student, (answer_id, code, *_) in {**TAMPERING, **SHADOWED}.items():
        for path in write_submission(course, Student(student, edits={FOOD: {answer_id: code}}), FOOD):
            drop_ungraded_tail(path)
        run = autograde_one(course, FOOD, student, "--FlagTampering.enabled=False")
        assert run.ok, run.reason
    nbgrader(course, "generate_feedback", FOOD, "--force")
    return course


#: student -> (answer cell, its code, what the visible test printed, what the hidden check said)
TAMPERING = {
    "rebinds_check": ("ex5_optimizer", "optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)\n"
                      "import tlcourse.checks.heads as h\nh.check_optimizer = lambda *args, **kwargs: None",
                      "Correct: Adam", "including base tensors"),
    "rebinds_helper": ("ex1_in_features", "import tlcourse.checks.base as b\n"
                       "b.require = lambda *args, **kwargs: None\nin_features = net.fc.out_features",
                       "Correct: ResNet-18", "OLD head's out_features"),
}


#: A copy of the course package in the kernel's /tmp whose require() passes everything, put first
#: on sys.path with the real package dropped from sys.modules: the visible check and the hidden
#: tests' fresh import would both load it.
SHADOW_ON_SYS_PATH = """import os, shutil, sys, tlcourse
shutil.copytree(os.path.dirname(tlcourse.__file__), "/tmp/shadow/tlcourse")
with open("/tmp/shadow/tlcourse/checks/base.py", "a") as handle:
    handle.write("\\ndef require(*args, **kwargs):\\n    return None\\n")
sys.path.insert(0, "/tmp/shadow")
for name in [n for n in sys.modules if n == "tlcourse" or n.startswith("tlcourse.")]:
    sys.modules.pop(name)
in_features = net.fc.out_features"""
#: student -> (answer cell, its code, what the visible test printed, what the hidden test said)
SHADOWED = {"shadow_on_sys_path": ("ex1_in_features", SHADOW_ON_SYS_PATH, "Correct: ResNet-18",
                                   " was not loaded from the course's installed checks")}


@pytest.mark.slow
def test_checks_imported_from_a_shadow_copy_fail_the_hidden_test_as_tampering(autograded):
    answer_id, _, visible, hidden = SHADOWED["shadow_on_sys_path"]
    nb = nbformat.read(autograded / "autograded" / "shadow_on_sys_path" / FOOD / "foodvision_head.ipynb",
                       as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{answer_id}_tests")
    printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert visible in printed, "the visible check ran the shadow copy"
    assert [e.ename for e in errors] == ["TamperingSuspected"], errors
    # The first course module the fresh import verifies is named (the checks or a module they import).
    assert re.search(r"tlcourse[.\w]* was not loaded", errors[0].evalue), errors[0].evalue
    assert hidden in errors[0].evalue and "/tmp/shadow/tlcourse/" in errors[0].evalue
    html = (autograded / "feedback" / "shadow_on_sys_path" / FOOD / "foodvision_head.html").read_text()
    assert "TamperingSuspected" in html


SHADOW_KERNEL = """
import os, shutil, sys, tlcourse
shutil.copytree(os.path.dirname(tlcourse.__file__), SHADOW + "/tlcourse")
sys.path.insert(0, SHADOW)
for name in [n for n in sys.modules if n == "tlcourse" or n.startswith("tlcourse.")]:
    sys.modules.pop(name)
exec(CODE)
"""


@pytest.mark.parametrize("where", ["tmp", "home"])
def test_the_fresh_import_refuses_checks_from_anywhere_but_the_installed_package(tmp_path, where):
    shadow = tmp_path / where
    code = fresh_import_code(checks_and_dependencies())
    program = f"SHADOW = {str(shadow)!r}\nCODE = {code!r}\n" + SHADOW_KERNEL
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          env={**os.environ, "HOME": str(tmp_path / "home")})
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    # The first course module verified is named: a check module or a course module the checks import.
    assert re.match(r"TamperingSuspected: tlcourse[.\w]* was not loaded from the course's installed checks", last), last
    assert str(shadow) in last
    clean = subprocess.run([sys.executable, "-c", f"exec({code!r})"], capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_the_visible_check_is_fooled_and_the_hidden_one_is_not(autograded, student):
    answer_id, _, visible, hidden = TAMPERING[student]
    nb = nbformat.read(autograded / "autograded" / student / FOOD / "foodvision_head.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{answer_id}_tests")
    printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert visible in printed, "the visible check ran the student's no-op"
    assert [e.ename for e in errors] == ["CheckFailed"], errors
    assert hidden in errors[0].evalue


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_the_feedback_shows_neither_the_hidden_tests_nor_the_fresh_import(autograded, student):
    html = (autograded / "feedback" / student / FOOD / "foodvision_head.html").read_text()
    assert TAMPERING[student][3] in html.replace("&#39;", "'")
    assert "A fresh copy of the checks" not in html and "_sys.modules" not in html
    assert "Hidden tests ran here" in html


def test_lazy_and_spelled_out_imports_count_too(tmp_path, monkeypatch):
    package = tmp_path / "tlcourse"
    (package / "checks").mkdir(parents=True)
    for name in ("__init__", "helpers", "lazy", "by_name", "unused"):
        (package / f"{name}.py").write_text("")
    (package / "checks" / "__init__.py").write_text("")
    (package / "checks" / "one.py").write_text(
        "from tlcourse import helpers\n"
        "def f():\n    from tlcourse.lazy import x\n"
        "def g():\n    import importlib\n    return importlib.import_module('tlcourse.by_name')\n")
    (package / "helpers.py").write_text("from . import lazy\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n == "tlcourse" or n.startswith("tlcourse.")]:
        monkeypatch.delitem(sys.modules, name)
    assert checks_and_dependencies() == ["tlcourse.by_name", "tlcourse.checks", "tlcourse.checks.one",
                                         "tlcourse.helpers", "tlcourse.lazy"]
