"""The install tooling: make with a venv of its own, another venv, or an existing (conda) environment.

``make -n`` shows the commands a target would run; ``tools/install.py --existing`` is run
for real against this test's own environment and a bare one (it installs nothing).
"""

import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import install  # noqa: E402

sys.path.remove(str(ROOT / "tools"))


def make(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"CONDA_PREFIX", "VIRTUAL_ENV", "USE_ACTIVE_ENV"}}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=300)


def test_make_installs_the_instructor_and_test_extras_that_pyproject_declares():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(install.EXTRAS.split(",")) == {"grading", "test"} <= set(extras)
    plan = make("-n", "test", "VENV=/nonexistent/venv").stdout
    assert "tools/install.py --venv /nonexistent/venv --constraints constraints/tested.txt" in plan
    assert "/nonexistent/venv/bin/python -m pytest" in plan


def test_with_the_active_environment_make_only_checks_it_and_runs_its_python():
    proc = make("-n", "test", "USE_ACTIVE_ENV=1", env={"CONDA_PREFIX": "/opt/conda/envs/tlcourse"})
    assert proc.returncode == 0, proc.stderr
    assert "tools/install.py --venv /opt/conda/envs/tlcourse --existing" in proc.stdout
    assert "/opt/conda/envs/tlcourse/bin/python -m pytest" in proc.stdout
    assert ".venv" not in proc.stdout and "constraints" not in proc.stdout
    lab = make("-n", "lab", "USE_ACTIVE_ENV=1", env={"VIRTUAL_ENV": "/srv/venv"}).stdout
    assert "/srv/venv/bin/python -m autograder.lab student" in lab


def test_without_an_active_environment_make_says_what_to_do():
    proc = make("-n", "test", "USE_ACTIVE_ENV=1")
    assert proc.returncode != 0
    assert "conda activate tlcourse" in proc.stderr


def test_an_environment_with_everything_is_accepted_as_it_is():
    """This test's own environment (the course from this checkout, via PYTHONPATH where needed)."""
    env = {"CONDA_PREFIX": sys.prefix, "PYTHONPATH": str(ROOT / "src")}
    before = sorted(p.name for p in Path(sys.prefix, "bin").iterdir())
    proc = make("install", "USE_ACTIVE_ENV=1", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "it has the course and everything it needs" in proc.stdout
    assert sorted(p.name for p in Path(sys.prefix, "bin").iterdir()) == before


def test_a_bare_environment_is_refused_with_the_commands_that_fix_it_and_left_alone(tmp_path):
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(bare)
    contents = sorted(str(p.relative_to(bare)) for p in bare.rglob("*"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "install.py"), "--existing", "--venv", str(bare)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert "nothing was changed" in proc.stdout
    assert f"pip install --no-deps -e {ROOT}" in proc.stdout
    assert f"pip install --no-deps {install.D2L}" in proc.stdout
    assert sorted(str(p.relative_to(bare)) for p in bare.rglob("*")) == contents
