"""What the course is: read from nbgrader_config.py, the one place it is written."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Assignment:
    """One nbgrader assignment of the course."""

    id: str
    title: str
    root: Path = ROOT

    @property
    def source_dir(self) -> Path:
        return self.root / "source" / self.id

    @property
    def notebooks(self) -> list[Path]:
        """The source notebooks of this assignment (empty while it has no content)."""
        return sorted(self.source_dir.glob("*.ipynb")) if self.source_dir.is_dir() else []

    @property
    def has_content(self) -> bool:
        return bool(self.notebooks)


def _read_config(root: Path = ROOT) -> dict:
    """Execute nbgrader_config.py the way nbgrader does and return its globals."""
    from traitlets.config import Config

    namespace: dict = {"get_config": Config, "__file__": str(root / "nbgrader_config.py")}
    code = (root / "nbgrader_config.py").read_text()
    exec(compile(code, str(root / "nbgrader_config.py"), "exec"), namespace)  # noqa: S102
    return namespace


def course_id(root: Path = ROOT) -> str:
    return _read_config(root)["COURSE_ID"]


def assignments(root: Path = ROOT) -> list[Assignment]:
    """The course's assignments in course order."""
    return [Assignment(aid, title, root) for aid, title in _read_config(root)["ASSIGNMENTS"]]


def copy_course(root: Path, dest: Path) -> Path:
    """A new course directory at ``dest`` with ``root``'s nbgrader config and sources."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "nbgrader_config.py", dest)
    shutil.copytree(root / "source", dest / "source")
    return dest
