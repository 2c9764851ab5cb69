"""Does environment.yml describe the same environment as pyproject.toml?"""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"pytorch": "torch", "psycopg2": "psycopg2-binary"}  # conda-forge -> PyPI name
CONDA_ONLY = {"python", "pip", "nodejs"}    # not Python packages of the course


def name_and_spec(requirement: str) -> tuple[str, str]:
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", requirement)
    name = match.group(1).lower().replace("_", "-")
    spec = match.group(2).split("=cpu")[0].replace(" ", "")
    return CONDA_NAMES.get(name, name), spec


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(name_and_spec(r) for r in reqs)


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = [], []
    for dep in env["dependencies"]:
        (pip.extend(dep["pip"]) if isinstance(dep, dict) else conda.append(dep))
    reqs = dict(name_and_spec(d.replace("==", "==", 1)) for d in conda)
    reqs.update(name_and_spec(d) for d in pip if not d.startswith("-e"))
    return {name: spec for name, spec in reqs.items() if name not in CONDA_ONLY}


def test_same_packages_as_pyproject():
    assert set(environment_requirements()) == set(pyproject_requirements())


def test_same_version_bounds_as_pyproject():
    env, project = environment_requirements(), pyproject_requirements()
    differ = {name: (env[name], project[name]) for name in project if env.get(name) != project[name]}
    assert differ == {}


def test_pytorch_is_the_cpu_build_from_conda_forge():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"][0] == "conda-forge"
    assert any(str(d).startswith("pytorch") and "cpu" in str(d) for d in env["dependencies"])


def test_the_course_package_itself_is_installed():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
