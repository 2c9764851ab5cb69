"""Does the Colab cell get the repository address, and does it do nothing outside Colab?"""

from tests.cells import notebook
from tlcourse.nbgrader_ext.colab_setup import ColabSetup, setup_cell_source


def test_the_colab_cell_gets_the_repository_address():
    from nbformat.v4 import new_code_cell

    cell = new_code_cell("placeholder", metadata={"tags": ["colab-setup"]})
    other = new_code_cell("x = 1")
    nb, _ = ColabSetup(url="https://example.org/course").preprocess(notebook(cell, other), {})
    assert "git+https://example.org/course" in nb.cells[0].source
    assert "google.colab" in nb.cells[0].source
    assert nb.cells[1].source == "x = 1"


def test_the_setup_code_does_nothing_outside_colab():
    namespace = {}
    code = setup_cell_source("https://example.org/course")
    # The %pip lines sit inside the Colab branch; outside Colab that branch never runs.
    runnable = "\n".join(line for line in code.splitlines() if "%pip" not in line) + "\n    pass\n"
    exec(compile(runnable, "setup", "exec"), namespace)  # noqa: S102
    assert "google.colab" not in __import__("sys").modules
