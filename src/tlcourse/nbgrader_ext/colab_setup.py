"""The Colab setup cell of each student notebook, written at ``generate_assignment``.

The repository address comes from the package metadata (pyproject.toml), so it
lives in one place.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from traitlets import Unicode

SETUP_TAG = "colab-setup"


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
