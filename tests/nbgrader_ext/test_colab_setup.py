"""Does the Colab cell get the repository address, pin what Colab ships, and do nothing outside Colab?

The cell really running in a Colab-pinned environment: tests/colab/test_colab_setup_cell.py.
"""

import subprocess
import sys
from importlib.metadata import version

from tests.cells import notebook
import pytest

from tlcourse.nbgrader_ext.colab_setup import (D2L, HOST_PACKAGES, KAGGLE_VARIABLE, PINS_FILE, ColabSetup,
                                               setup_cell_source)


def python_part(code: str) -> str:
    """The cell without its ``%pip`` lines (plain Python can run it)."""
    return "\n".join(line for line in code.splitlines() if "%pip" not in line) + "\n"


def test_the_colab_cell_gets_the_repository_address():
    from nbformat.v4 import new_code_cell

    cell = new_code_cell("placeholder", metadata={"tags": ["colab-setup"]})
    other = new_code_cell("x = 1")
    nb, _ = ColabSetup(url="https://example.org/course").preprocess(notebook(cell, other), {})
    assert '"tlcourse @ git+https://example.org/course"' in nb.cells[0].source
    assert "google.colab" in nb.cells[0].source
    assert nb.cells[1].source == "x = 1"


def test_the_course_is_installed_under_the_pins_and_d2l_without_its_dependencies():
    pip_lines = [line.strip() for line in setup_cell_source("PACKAGE").splitlines() if "%pip" in line]
    assert pip_lines == [f'%pip install --quiet --constraint {PINS_FILE} "PACKAGE"',
                         f"%pip install --quiet --no-deps {D2L}"]


def test_the_setup_code_does_nothing_outside_colab(monkeypatch):
    monkeypatch.delenv(KAGGLE_VARIABLE, raising=False)
    namespace = {}
    exec(compile(python_part(setup_cell_source("PACKAGE")), "setup", "exec"), namespace)  # noqa: S102
    assert "google.colab" not in sys.modules
    assert "pins" not in namespace


COLAB = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n"
KAGGLE = f"import os\nos.environ['{KAGGLE_VARIABLE}'] = 'Interactive'\n"


@pytest.mark.parametrize("host", [COLAB, KAGGLE], ids=["colab", "kaggle"])
def test_on_colab_or_kaggle_it_pins_every_installed_host_package_at_its_version(tmp_path, host):
    pins_file = tmp_path / "pins.txt"
    code = python_part(setup_cell_source("PACKAGE")).replace(PINS_FILE, str(pins_file))
    proc = subprocess.run([sys.executable, "-c", host + code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pins = dict(line.split("==") for line in pins_file.read_text().splitlines())
    for name in ("ipython", "ipykernel", "ipywidgets", "torch", "torchvision", "numpy", "traitlets"):
        assert pins[name] == version(name)
    assert set(pins) <= set(HOST_PACKAGES)
