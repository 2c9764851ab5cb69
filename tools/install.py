"""Create or update the course's virtual environment, idempotently.

    python3 tools/install.py [--venv .venv] [--constraints constraints/tested.txt]
    python3 tools/install.py --existing --venv $CONDA_PREFIX    # check an environment made elsewhere

Installs the course package with its instructor extras (``grading``: nbgrader,
JupyterLab) and ``test`` extras, then d2l with --no-deps
(d2l 1.0.3 pins versions that break current Python). Does nothing when the
environment already matches pyproject.toml and the constraints. On failure it
names the package that could not be installed and exits 1.

With ``--existing`` (``make USE_ACTIVE_ENV=1``) the environment was made elsewhere, e.g.
from environment.yml with conda: nothing is installed into it (pip would replace conda's
packages); it is only checked for the course (installed from this checkout) and every
package the course declares, and what is missing is named with the command that adds it.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
D2L = "d2l==1.0.3"
STAMP_NAME = ".tlcourse-installed"
# Students need only the package's own dependencies; make, CI and graders need all of it.
EXTRAS = "grading,test"
# Fail fast without network instead of retrying for minutes.
PIP_FAST = ["--retries", "1", "--timeout", "30", "--progress-bar", "off"]


def fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256(D2L.encode())
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def failing_package(output: str) -> str | None:
    """The requirement pip could not install, read from its output."""
    for pattern in (r"No matching distribution found for ([^\s]+)",
                    r"Could not find a version that satisfies the requirement ([^\s]+)",
                    r"Failed to build ([^\s]+)",
                    r"ERROR: Could not install packages due to an OSError.*?'([^']+)'"):
        match = re.search(pattern, output)
        if match:
            return match.group(1)
    return None


def pip(python: Path, *args: str) -> None:
    cmd = [str(python), "-m", "pip", "install", *PIP_FAST, *args]
    print("+ pip install " + " ".join(args), flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        name = failing_package(output) or " ".join(args)
        tail = "\n".join(output.strip().splitlines()[-6:])
        raise SystemExit(
            f"\nCould not install {name}.\n{tail}\n\n"
            "pip needs the package registry: check the network connection (or your pip "
            "configuration's index), then run the same command again. Nothing else was changed."
        )


# Distributions that stand in for a declared one under another name (conda-forge's psycopg2
# is the same driver as PyPI's psycopg2-binary).
STAND_INS = {"psycopg2-binary": "psycopg2"}

CHECK = r"""
import json, re, sys
from importlib.metadata import PackageNotFoundError, distribution, requires
extras, stand_ins = set(sys.argv[1].split(",")), json.loads(sys.argv[2])
report = {"course": None, "missing": []}
try:
    import tlcourse
    report["course"] = tlcourse.__file__
    declared = requires("tlcourse") or []
except (ImportError, PackageNotFoundError):
    declared = []
for req in declared:
    name = re.match(r"[A-Za-z0-9_.-]+", req).group(0)
    extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)", req)
    if name.lower() == "tlcourse" or (extra and extra.group(1) not in extras):
        continue
    for candidate in (name, stand_ins.get(name.lower(), name)):
        try:
            distribution(candidate)
            break
        except PackageNotFoundError:
            pass
    else:
        report["missing"].append(name)
for name in sys.argv[3:]:
    try:
        distribution(name)
    except PackageNotFoundError:
        report["missing"].append(name)
print(json.dumps(report))
"""


def check_existing(venv_dir: Path) -> int:
    """Check an environment made elsewhere; install nothing. 0 when it has all the course needs."""
    import json

    python = venv_dir / "bin" / "python"
    if not python.exists():
        print(f"No Python in {venv_dir}: activate the environment first (conda activate tlcourse), "
              "or leave USE_ACTIVE_ENV unset to let make create .venv.")
        return 1
    d2l_name = D2L.split("==")[0]
    proc = subprocess.run([str(python), "-c", CHECK, EXTRAS, json.dumps(STAND_INS), d2l_name],
                          capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        print(f"Could not check {venv_dir}:\n{proc.stderr.strip()}")
        return 1
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    problems = []
    if report["course"] is None:
        problems.append(f"the course package is not installed: {python} -m pip install --no-deps -e {ROOT}")
    elif not Path(report["course"]).resolve().is_relative_to(ROOT / "src"):
        problems.append(f"the course package comes from {Path(report['course']).parent}, not this checkout: "
                        f"{python} -m pip install --no-deps -e {ROOT}")
    missing = [m for m in report["missing"] if m != d2l_name]
    if missing:
        problems.append(f"missing: {', '.join(missing)} (conda env update -f environment.yml, "
                        f"or {python} -m pip install {' '.join(missing)})")
    if d2l_name in report["missing"]:
        problems.append(f"d2l is missing (notebook 3): {python} -m pip install --no-deps {D2L}")
    if problems:
        print(f"The environment {venv_dir} cannot run the course yet; nothing was changed:\n  - "
              + "\n  - ".join(problems))
        return 1
    print(f"Using the environment {venv_dir}: it has the course and everything it needs.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv")
    parser.add_argument("--constraints", type=Path, default=ROOT / "constraints" / "tested.txt")
    parser.add_argument("--existing", action="store_true",
                        help="the environment was made elsewhere (conda): check it, install nothing")
    args = parser.parse_args(argv)
    venv_dir = args.venv if args.venv.is_absolute() else ROOT / args.venv
    if args.existing:
        return check_existing(venv_dir)
    constraints = args.constraints if args.constraints.is_absolute() else ROOT / args.constraints
    python = venv_dir / "bin" / "python"
    stamp = venv_dir / STAMP_NAME
    wanted = fingerprint(ROOT / "pyproject.toml", constraints)
    if stamp.exists() and stamp.read_text().strip() == wanted and python.exists():
        print(f"Environment {venv_dir.name} is up to date.")
        return 0
    start = time.perf_counter()
    if not python.exists():
        print(f"Creating the virtual environment {venv_dir} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(venv_dir)
    pip(python, "--upgrade", "pip", "setuptools", "wheel")
    pip(python, "-c", str(constraints), "-e", f"{ROOT}[{EXTRAS}]")
    pip(python, "--no-deps", D2L)
    stamp.write_text(wanted + "\n")
    print(f"Environment ready in {time.perf_counter() - start:.0f} s: {venv_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
