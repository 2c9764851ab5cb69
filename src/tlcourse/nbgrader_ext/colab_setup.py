"""The Colab setup cell of each student notebook, written at ``generate_assignment``.

The repository address comes from the package metadata (pyproject.toml), so it
lives in one place.
"""

from __future__ import annotations

import textwrap

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


# What the Colab runtime ships and the setup cell must never change: its notebook front end
# and kernel (upgrading them asks for a restart and can crash-loop the runtime) and its
# deep-learning stack (a CUDA build matched to the machine). The cell pins whichever of them
# are installed, at their installed versions, while pip installs the course.
HOST_PACKAGES = (
    "ipython", "ipykernel", "notebook", "ipywidgets", "widgetsnbextension", "jupyterlab-widgets",
    "jupyter-client", "jupyter-core", "jupyter-server", "tornado", "traitlets", "pyzmq",
    "matplotlib-inline", "torch", "torchvision", "numpy", "scipy", "pandas", "matplotlib", "pillow",
)
# d2l 1.0.3 pins old numpy/pandas/matplotlib that break current Python: installed without them.
D2L = "d2l==1.0.3"
PINS_FILE = "/tmp/tlcourse-colab-pins.txt"
# Set in every Kaggle notebook kernel (Kaggle has no google.colab module loaded).
KAGGLE_VARIABLE = "KAGGLE_KERNEL_RUN_TYPE"


def course_requirement(url: str) -> str:
    """What pip installs for the course on Colab: the package from the repository."""
    return f"tlcourse @ git+{url}"


def setup_cell_source(package: str) -> str:
    """The code of a student notebook's first cell: installs ``package`` (a pip requirement) on Colab
    and Kaggle (whose image is built on Colab's) only."""
    keep = textwrap.wrap(" ".join(HOST_PACKAGES), 76, break_on_hyphens=False)
    keep_lines = "".join(f'            "{line} "\n' for line in keep).rstrip(' "\n') + '").split()\n'
    return (
        "# Course setup. On Google Colab (and Kaggle) this installs the course package and d2l and\n"
        "# changes nothing already there (IPython, notebook, ipywidgets, torch, ...): no restart needed.\n"
        "# Anywhere else it does nothing (install the course with `make install` instead).\n"
        "import os\n"
        "import sys\n"
        "\n"
        f"if \"google.colab\" in sys.modules or \"{KAGGLE_VARIABLE}\" in os.environ:\n"
        "    from importlib.metadata import PackageNotFoundError, version\n"
        "\n"
        "    # What the runtime installed stays at its version (pip gets these as constraints).\n"
        "    keep = (" + keep_lines.lstrip() +
        "    pins = []\n"
        "    for name in keep:\n"
        "        try:\n"
        "            pins.append(f\"{name}=={version(name)}\\n\")\n"
        "        except PackageNotFoundError:\n"
        "            pass  # not on this runtime: pip may install it\n"
        f"    with open(\"{PINS_FILE}\", \"w\") as file:\n"
        "        file.writelines(pins)\n"
        f"    %pip install --quiet --constraint {PINS_FILE} \"{package}\"\n"
        f"    %pip install --quiet --no-deps {D2L}\n"
    )


class ColabSetup(Preprocessor):
    """Fill the cell tagged ``colab-setup`` with the generated setup code."""

    url = Unicode("", help="Repository address; empty means: read it from the package metadata").tag(config=True)

    def preprocess(self, nb, resources):
        url = self.url or repository_url()
        for cell in nb.cells:
            if cell.cell_type == "code" and SETUP_TAG in cell.get("metadata", {}).get("tags", []):
                cell.source = setup_cell_source(course_requirement(url))
        return nb, resources
