"""Does environment.yml describe the same environment as pyproject.toml, under conda-forge's names?

pyproject's dependencies and its grading and test extras, each under its conda-forge name
(constraints/conda-forge-names.txt says where the names differ), with the same version
bounds; packages conda-forge lacks in the pip section; d2l in the documented --no-deps
step, at the same version as everywhere else.
"""

import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NAME_MAP = ROOT / "constraints" / "conda-forge-names.txt"
NOT_PYTHON_PACKAGES = {"python", "pip", "nodejs"}   # conda-only: the interpreter, pip, npm


def normalize(name: str) -> str:
    return name.lower().replace("_", "-")


def pypi_to_conda() -> dict[str, str]:
    """PyPI name -> conda-forge name ("pip": not on conda-forge), where they differ."""
    rows = (line.split() for line in NAME_MAP.read_text().splitlines() if line.strip() and not line.startswith("#"))
    return {normalize(pypi): conda for pypi, conda in rows}


def split(requirement: str) -> tuple[str, str]:
    """A pip or conda requirement -> (name, version bounds without spaces)."""
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*?)\s*(#.*)?$", requirement)
    name, brackets, spec = match.group(1), match.group(2) or "", match.group(3)
    version = re.search(r"version='([^']*)'", brackets)
    return normalize(name), (version.group(1) if version else spec).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    """Every PyPI requirement of the course: dependencies, grading and test extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    reqs = [r for r in project["dependencies"] + extras["grading"] + extras["test"]
            if not r.startswith("tlcourse")]
    return dict(split(r) for r in reqs)


def environment() -> tuple[dict[str, str], list[str], dict]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep["pip"])
        else:
            conda.update([split(dep)])
    return conda, pip, env


def expected_conda() -> dict[str, str]:
    names = pypi_to_conda()
    return {names.get(name, name): spec for name, spec in pyproject_requirements().items()
            if names.get(name) != "pip"}


def test_every_course_package_is_in_the_environment_under_its_conda_forge_name():
    conda, _, _ = environment()
    assert set(expected_conda()) - set(conda) == set()


def test_the_environment_has_no_package_the_course_does_not_declare():
    conda, _, _ = environment()
    assert set(conda) - set(expected_conda()) - NOT_PYTHON_PACKAGES == set()


def test_same_version_bounds_as_pyproject():
    conda, _, _ = environment()
    differ = {name: (conda.get(name), spec) for name, spec in expected_conda().items() if conda.get(name) != spec}
    assert differ == {}


def test_packages_conda_forge_lacks_come_from_pip_with_the_same_pin():
    _, pip, _ = environment()
    from_pip = dict(split(r) for r in pip if not r.startswith("-e"))
    project = pyproject_requirements()
    assert from_pip == {name: project[name] for name, conda in pypi_to_conda().items() if conda == "pip"}
    assert "-e ." in [r.split("#")[0].strip() for r in pip]


def test_the_name_map_has_no_stale_entry():
    assert set(pypi_to_conda()) <= set(pyproject_requirements())


def test_pytorch_is_the_cpu_build_from_conda_forge():
    _, _, env = environment()
    assert env["channels"][0] == "conda-forge"
    assert any(str(d).startswith("pytorch[") and "build='cpu*'" in str(d) for d in env["dependencies"])


def test_d2l_is_installed_without_its_dependencies_at_the_course_pin():
    """A pip section cannot say --no-deps: environment.yml documents the step, with the same pin."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import install
    finally:
        sys.path.remove(str(ROOT / "tools"))
    from tlcourse.nbgrader_ext.colab_setup import D2L

    assert install.D2L == D2L
    text = (ROOT / "environment.yml").read_text()
    assert f"conda run -n tlcourse pip install --no-deps {D2L}" in text
    _, pip, _ = environment()
    assert not any(r.startswith("d2l") for r in pip)    # with its deps it would downgrade numpy & co.


def test_the_map_knows_the_names_the_issue_found_wrong():
    names = pypi_to_conda()
    assert names["playwright"] == "playwright-python" and names["torch"] == "pytorch"
