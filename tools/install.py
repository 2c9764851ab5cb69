"""Create or update the course's virtual environment, idempotently.

    python3 tools/install.py [--venv .venv] [--constraints constraints/tested.txt]

Installs the course package with its instructor extras (``grading``: nbgrader,
JupyterLab) and ``test`` extras, then d2l with --no-deps
(d2l 1.0.3 pins versions that break current Python). Does nothing when the
environment already matches pyproject.toml and the constraints. On failure it
names the package that could not be installed and exits 1.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv")
    parser.add_argument("--constraints", type=Path, default=ROOT / "constraints" / "tested.txt")
    args = parser.parse_args(argv)
    venv_dir = args.venv if args.venv.is_absolute() else ROOT / args.venv
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
