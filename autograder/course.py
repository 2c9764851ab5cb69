"""The course directory: what its nbgrader_config.py says (read once per directory), fresh copies of it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = "nbgrader_config.py"


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


@dataclass(frozen=True)
class CourseConfig:
    """What nbgrader_config.py says about the course: its id and its assignments in order."""

    course_id: str
    assignments: tuple[tuple[str, str], ...]


def course_config(root: Path = ROOT) -> CourseConfig:
    """What ``root``'s nbgrader_config.py says; the file is executed once per directory."""
    return _read_config(Path(root).resolve())


@lru_cache(maxsize=None)
def _read_config(root: Path) -> CourseConfig:
    """Execute ``root``'s nbgrader_config.py the way nbgrader does and keep what it says."""
    from traitlets.config import Config

    path = root / CONFIG_FILE
    namespace: dict = {"get_config": Config, "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102
    return CourseConfig(namespace["COURSE_ID"], tuple(namespace["ASSIGNMENTS"]))


def course_id(root: Path = ROOT) -> str:
    return course_config(root).course_id


def assignments(root: Path = ROOT) -> list[Assignment]:
    """The course's assignments in course order."""
    return [Assignment(aid, title, root) for aid, title in course_config(root).assignments]


def copy_course(root: Path, dest: Path) -> Path:
    """A new course directory at ``dest`` with ``root``'s nbgrader config and sources."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / CONFIG_FILE, dest)
    shutil.copytree(root / "source", dest / "source")
    return dest


def fresh_course_dir(out: Path, root: Path = ROOT) -> Path:
    """An empty course directory at ``out`` (emptied first) with ``root``'s config and sources."""
    if out.exists():
        shutil.rmtree(out)
    return copy_course(root, out)
