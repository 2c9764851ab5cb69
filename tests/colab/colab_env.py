"""A virtual environment with Colab's recorded pins (colab-packages.txt), made once and reused.

The environment lives under build/ (git-ignored), keyed by the pins' hash: a
changed list makes a new one, an unchanged list reuses the last (``make test`` does not
rebuild it; CI's clean clone builds it once). A half-built environment is never reused.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = Path(__file__).with_name("colab-packages.txt")
COLAB_PYTHON = "3.12"
DONE = ".tlcourse-colab-complete"   # written last: holds the environment's package list as built
QUIET = ["--quiet", "--progress-bar", "off", "--disable-pip-version-check"]


def pins(path: Path = PACKAGES) -> dict[str, str]:
    """The recorded packages: normalized name -> version."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            found[normalize(name)] = version
    return found


def normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def colab_python() -> tuple[str, str]:
    """An interpreter of Colab's Python version, else this one; and a note saying which."""
    candidates = [os.environ.get("TLCOURSE_COLAB_PYTHON", ""), shutil.which(f"python{COLAB_PYTHON}") or "",
                  *sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{COLAB_PYTHON}*/bin/python{COLAB_PYTHON}"))),
                  f"/usr/bin/python{COLAB_PYTHON}", f"/usr/local/bin/python{COLAB_PYTHON}"]
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run([candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.strip() == COLAB_PYTHON:
            return candidate, f"Python {COLAB_PYTHON} (as on Colab): {candidate}"
    here = "%d.%d" % sys.version_info[:2]
    return sys.executable, f"no Python {COLAB_PYTHON} on this machine: using Python {here} ({sys.executable})"


def freeze(venv: Path) -> dict[str, str]:
    """What is installed in ``venv``: normalized name -> version."""
    out = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json", *QUIET[2:]],
                         capture_output=True, text=True, check=True)
    return {normalize(p["name"]): p["version"] for p in json.loads(out.stdout)}


def pip_install(venv: Path, *args: str) -> None:
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", *QUIET, *args],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(args)} failed in {venv}:\n{proc.stdout[-3000:]}\n"
                           f"{proc.stderr[-3000:]}")


def environment(log=print) -> Path:
    """A Colab-pinned environment with only what it was built with (minutes the first time).

    A reused environment is put back as built: packages a test installed are removed; if a
    built package changed version, it is made anew.
    """
    python, note = colab_python()
    digest = hashlib.sha256(json.dumps([sorted(pins().items()), python]).encode()).hexdigest()[:12]
    venv = ROOT / "build" / f"venv-colab-{digest}"
    if (venv / DONE).exists():
        built = json.loads((venv / DONE).read_text())["packages"]
        now = freeze(venv)
        extra = sorted(set(now) - set(built))
        if extra:
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "--yes", "--quiet", *extra],
                           check=True, capture_output=True)
            now = freeze(venv)
        if now == built:
            return venv
        log(f"{venv} changed since it was built: making it anew")
    log(f"Making {venv} with Colab's pins (minutes; reused afterwards); {note}")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip_install(venv, "--upgrade", "pip")
    pip_install(venv, "-r", str(PACKAGES))
    (venv / DONE).write_text(json.dumps({"note": note, "packages": freeze(venv)}, indent=1) + "\n")
    return venv


if __name__ == "__main__":
    print(environment())
