"""The read-only cache the grader prepares for sandboxed kernels.

A sandboxed kernel starts with an empty HOME, so what a kernel without the sandbox finds from
earlier students (the generated stand-in data, matplotlib's font list) it would make again for
every submission. A cache the kernels share and can write would let one submission change what
the next is graded on. So the grader builds these files itself, in a process of its own that runs
no student code (``python -m tlcourse.nbgrader_ext.kernel_cache FOLDER``), records a version
stamp and every file's SHA-256 in a manifest, checks both before every kernel start (a stale or
corrupt cache is built again, never used), and the sandbox binds each entry read-only where the
kernel's code looks for it (under its HOME).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from tlcourse.data.cache import file_digest

#: Moves the grader's kernel cache (default: ``~/.cache/tlcourse-kernel-cache``).
KERNEL_CACHE_VARIABLE = "TLCOURSE_KERNEL_CACHE"
#: Bump when what the cache holds or how it is made changes.
CACHE_FORMAT = 1
MANIFEST = "manifest.json"
#: What the cache holds: paths under the kernel's HOME, each bound read-only there (a pattern
#: may match several files). ``.cache/tlcourse`` is where the course's ``cache_dir()`` looks in a
#: sandbox (its working folder is outside any course); ``.cache/matplotlib`` is matplotlib's.
CONTENTS = (".cache/tlcourse/smoke/foodvision7", ".cache/tlcourse/smoke/hotdog",
            ".cache/matplotlib/fontlist-v*.json")


def default_root() -> Path:
    """Where the grader keeps the cache: ``$TLCOURSE_KERNEL_CACHE``, else ``~/.cache/tlcourse-kernel-cache``."""
    override = os.environ.get(KERNEL_CACHE_VARIABLE, "").strip()
    return Path(override).expanduser() if override else Path.home() / ".cache" / "tlcourse-kernel-cache"


def expected_stamp() -> dict:
    """What the cache must have been made for: this cache format, the stand-in sets' specs and
    generator version, matplotlib's and Python's versions (as the manifest's JSON reads back)."""
    from tlcourse.data import smoke

    return json.loads(json.dumps({"format": CACHE_FORMAT, "python": sys.version.split()[0],
            "matplotlib": metadata.version("matplotlib"),
            "stand_ins": [asdict(spec) for spec in (smoke.FOODVISION7_SPEC, smoke.HOTDOG_SPEC)]}))


def _files(home: Path) -> dict[str, str]:
    """Every file under ``home`` (relative path -> SHA-256)."""
    return {str(p.relative_to(home)): file_digest(p, "sha256") for p in sorted(home.rglob("*")) if p.is_file()}


def build_contents(home: Path) -> None:
    """Make every entry of CONTENTS under ``home`` (runs in the grader's build process)."""
    os.environ["MPLCONFIGDIR"] = str(home / ".cache" / "matplotlib")
    os.environ["TLCOURSE_DATA"] = str(home / ".cache" / "tlcourse")
    from matplotlib import font_manager  # noqa: F401  (importing it writes the font list)

    from tlcourse.data import smoke

    smoke.foodvision7_standin(home / ".cache" / "tlcourse")
    smoke.hotdog_standin(home / ".cache" / "tlcourse")


@dataclass
class KernelCache:
    """The grader's cache for sandboxed kernels at ``root``: ``ensure()`` verifies it (building
    it again when missing, stale or corrupt) and returns what to bind read-only into a sandbox."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    def problem(self) -> str | None:
        """Why the cache at ``root`` cannot be used (missing, stale, a file changed, added or
        removed), or None when every file matches the manifest made for this version."""
        try:
            manifest = json.loads((self.root / MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            return f"no readable manifest ({type(exc).__name__})"
        if manifest.get("stamp") != expected_stamp():
            return "made for another version"
        if not self.home.is_dir() or _files(self.home) != manifest.get("files"):
            return "its files do not match their checksums"
        if not manifest.get("mounts"):
            return "it holds nothing to bind"
        return None

    def build(self) -> None:
        """Build the cache in a new process that runs no student code, then put it in place."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.root.name}.", dir=self.root.parent))
        try:
            home = staging / "home"
            home.mkdir()
            env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME", "LANG")}
            proc = subprocess.run([sys.executable, "-m", "tlcourse.nbgrader_ext.kernel_cache", str(home)],
                                  env=env, capture_output=True, text=True, timeout=600)
            if proc.returncode != 0:
                raise RuntimeError(f"Building the grading kernels' cache in {self.root} failed: "
                                   f"{proc.stderr.strip()[-2000:]}")
            mounts = sorted(str(p.relative_to(home)) for pattern in CONTENTS for p in home.glob(pattern))
            for path in [staging, *staging.rglob("*")]:  # readable by the sandbox user, nobody's to write
                path.chmod(0o755 if path.is_dir() else 0o644)
            (staging / MANIFEST).write_text(json.dumps(
                {"stamp": expected_stamp(), "files": _files(home), "mounts": mounts}, indent=1))
            old = self.root.with_name(self.root.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.root.exists():
                self.root.rename(old)
            staging.rename(self.root)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def ensure(self) -> list[str]:
        """The cache's entries to bind (paths relative to HOME), after verifying it, or building it
        again when it is missing, stale or corrupt (one grader at a time: a lock beside it)."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        with open(self.root.with_name(self.root.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            problem = self.problem()
            if problem is not None:
                self.build()
                problem = self.problem()
                if problem is not None:
                    raise RuntimeError(f"The grading kernels' cache {self.root} was built but cannot be "
                                       f"used: {problem}. Remove the folder and grade again.")
            return json.loads((self.root / MANIFEST).read_text())["mounts"]


if __name__ == "__main__":
    build_contents(Path(sys.argv[1]))
