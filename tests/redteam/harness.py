"""The red team's course: build it, grade it next to honest students, and take its fingerprints.

One course directory holds the Concepts release, honest students (the instructor's answers,
and a partly right one whose answer carries a token no one else may see) and one student per
attack. ``grade_red_team`` grades the honest students first, then every attack with honest
students in between (two workers, so attacks run next to honest kernels), then the first honest
students again. Around the grading it records what must not change: the files of the course
outside nbgrader's outputs, the installed packages, the grader's IPython and Jupyter folders,
kernelspecs, /tmp and /dev/shm, and the processes that carry the run's token.
"""

from __future__ import annotations

import ast
import hashlib
import html
import json
import os
import site
import socket
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.autograde import GradingRun, autograde_class
from autograder.course import fresh_course_dir
from autograder.nbgrader_cli import nbgrader
from autograder.submissions import Student, answer_cells, solution_code, write_submission
from tests.corpus.build import drop_ungraded_tail, graded_test_cells
from tests.redteam.cases import ASSIGNMENT, ATTACKS, NOTEBOOK, SWAPPED_COUNTS, Attack

# The course's own nbgrader_config.py, per-cell limit included (180 s): on a loaded machine the
# first imports of a kernel took more than 120 s; the interrupt-proof attack outlasts any limit.

#: Honest students graded before the attacks and again after them.
BEFORE = ("honest_reference", "honest_partial")
#: Honest students graded between the attacks (in parallel with them).
DURING = ("honest_reference_2", "honest_partial_2", "honest_reference_3", "honest_partial_3")
#: Their expected scores (out of 10): ex2's counts swapped cost 2 points.
HONEST_SCORES = {"reference": 10, "partial": 8}


@dataclass
class RunSecrets:
    """What no attack may ever print: the grader's secrets and another student's answer."""

    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def secret(self) -> str:
        return f"grader-secret-{self.token}"

    @property
    def honest_answer(self) -> str:
        return f"honest-answer-{self.token}"

    @property
    def marker_path(self) -> str:
        """An entry added to the kernels' PYTHONPATH (a folder no one can create): every process
        a grading kernel starts carries it in its environment, so a survivor can be found."""
        return f"/nonexistent-redteam-{self.token}"

    def grader_environment(self) -> dict[str, str]:
        path = os.environ.get("PYTHONPATH", "")
        return {"PGPASSWORD": self.secret, "REDTEAM_GRADER_SECRET": self.secret,
                "PYTHONPATH": os.pathsep.join(filter(None, [path, self.marker_path]))}


def honest_student(student_id: str, secrets: RunSecrets) -> Student:
    if "partial" in student_id:
        return Student(student_id, edits={ASSIGNMENT: {
            "ex2_counts": f"# {secrets.honest_answer}\n{SWAPPED_COUNTS}"}})
    return Student(student_id)


def _names(source: str, ctx) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}
    if ctx is ast.Store:
        names |= {a.asname or a.name.split(".")[0] for n in ast.walk(tree)
                  if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        names |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return names


def _reads(source: str) -> set[str]:
    """Names a cell reads that it does not bind itself."""
    return _names(source, ast.Load) - _names(source, ast.Store)


def keep_what_the_tests_need(path: Path, source: Path) -> None:
    """Drop the course's own ungraded code cells (figures, data, quizzes) that bind nothing the
    graded and answer cells (as in ``source``, hidden tests and solutions included) read, directly
    or through a kept cell: they never change a grade and take most of a grading run."""
    graded = [c.source for c in nbformat.read(source, as_version=4).cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id")]
    needed = set().union(*map(_reads, graded))
    nb = nbformat.read(path, as_version=4)
    kept = []
    for cell in reversed(nb.cells):
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader"):
            if not _names(cell.source, ast.Store) & needed:
                continue
            needed |= _reads(cell.source)
        kept.append(cell)
    nb.cells = kept[::-1]
    nbformat.write(nb, path)


def trim(path: Path, course: Path) -> None:
    drop_ungraded_tail(path)
    keep_what_the_tests_need(path, course / "source" / ASSIGNMENT / NOTEBOOK)


def _answer(course: Path, grade_id: str, base: str) -> str:
    """The code the base submission has in answer cell ``grade_id``."""
    if base == "blank":
        return "# YOUR CODE HERE\nraise NotImplementedError()"
    if base == "swapped" and grade_id == "ex2_counts":
        return SWAPPED_COUNTS
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    code = solution_code(answer_cells(source)[grade_id].source)
    return code


def write_attack(course: Path, attack: Attack) -> Path:
    """The attack's submission: its base answers with the attack placed where it says."""
    (path,) = write_submission(course, Student(attack.id, solves=attack.base != "blank"), ASSIGNMENT)
    trim(path, course)
    nb = nbformat.read(path, as_version=4)
    kind, _, grade_id = attack.where.partition(":")
    if kind == "end":
        nb.cells.append(nbformat.v4.new_code_cell(attack.code))
    else:
        cell = answer_cells(nb)[grade_id]
        cell.source = attack.code if kind == "replace" else _answer(course, grade_id, attack.base) + "\n" + attack.code
    nbformat.write(nb, path)
    return path


def build_red_team(out: Path, secrets: RunSecrets, attacks: list[Attack] = ATTACKS) -> Path:
    course = fresh_course_dir(out)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for student_id in BEFORE + DURING:
        for path in write_submission(course, honest_student(student_id, secrets), ASSIGNMENT):
            trim(path, course)
    for attack in attacks:
        write_attack(course, attack)
    return course


def grading_order(attacks: list[Attack]) -> list[str]:
    """Attacks with an honest student after every few, so honest kernels run next to attacks."""
    order: list[str] = []
    every = max(1, len(attacks) // (len(DURING) + 1))
    honest = list(DURING)
    for i, attack in enumerate(attacks, 1):
        order.append(attack.id)
        if i % every == 0 and honest:
            order.append(honest.pop(0))
    return order + honest


# --- fingerprints of what must not change ------------------------------------------------------
NBGRADER_OUTPUTS = ("autograded", "feedback", "gradebook.db", "gradebook.db-journal", "gradebook.db-wal",
                    "gradebook.db-shm", "grades.csv", ".nbgrader.log")


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        return f"unreadable: {error}"


def _files(folder: Path, skip=()) -> dict[str, tuple]:
    """Every file under ``folder`` (``skip``: names at its top level left out): hash, mtime, mode."""
    found = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0] in skip or "__pycache__" in rel.parts or not path.is_file():
            continue
        stat = path.stat()
        found[str(path)] = (_digest(path), stat.st_mtime_ns, stat.st_mode)
    return found


def _top_level(folder: Path) -> dict[str, tuple]:
    """A folder's entries (no recursion): owner and mode; files also their mtime and, for .pth
    files, their hash. (A folder's own mtime changes whenever Python caches bytecode inside it.)"""
    found = {}
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        if path.name == "__pycache__":
            continue
        try:
            stat = path.lstat()
        except OSError:
            continue
        is_file = not path.is_dir()
        found[str(path)] = (stat.st_mtime_ns if is_file else 0, stat.st_uid, stat.st_mode,
                            _digest(path) if path.suffix == ".pth" else "")
    return found


def _kernelspec_dirs() -> list[Path]:
    from jupyter_core.paths import jupyter_path
    return [Path(p) / "kernels" for p in jupyter_path()]


def fingerprint(course: Path) -> dict[str, dict]:
    """What the sandbox must keep every attack away from."""
    import tlcourse
    home = Path.home()
    package = Path(tlcourse.__file__).resolve().parent
    return {
        "course": _files(course, skip=NBGRADER_OUTPUTS),
        "course package": _files(package),
        "site-packages": {k: v for d in site.getsitepackages() for k, v in _top_level(Path(d)).items()},
        "grader IPython": _files(home / ".ipython", skip=("profile_default",)) | _files(
            home / ".ipython" / "profile_default", skip=("history.sqlite", "db", "log", "security")),
        "grader Jupyter": _files(home / ".jupyter"),
        "kernelspecs": {k: v for d in _kernelspec_dirs() for k, v in _files(d).items()},
    }


#: Where an attack could leave files outside its sandbox.
OUTSIDE_FOLDERS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path.home())


def outside_entries() -> set[str]:
    """What the folders an attack could write to outside its sandbox hold now (taken before grading,
    so that files other programs on the machine had there already are not blamed on an attack)."""
    return {str(path) for folder in OUTSIDE_FOLDERS if folder.is_dir() for path in folder.iterdir()}


def left_behind(secrets: RunSecrets, present_before: set[str] = frozenset()) -> list[str]:
    """Files an attack could only have left outside its sandbox: named by the red team, or owned by
    the sandbox's user, in /tmp, /var/tmp, /dev/shm and the grader's HOME, and not there before."""
    from tlcourse.nbgrader_ext.sandbox_command import SANDBOX_UID
    found = []
    for folder in OUTSIDE_FOLDERS:
        for path in folder.iterdir() if folder.is_dir() else []:
            if str(path) in present_before:
                continue
            try:
                owner = path.lstat().st_uid
            except OSError:
                continue
            if "redteam" in path.name or (owner == SANDBOX_UID and not path.name.startswith("tlcourse-kernel-")):
                found.append(f"{path} (uid {owner})")
    return found


def marked_processes(secrets: RunSecrets) -> list[str]:
    """Processes started by a grading kernel of this run (they carry the run's marker) or named by
    the red team, still alive."""
    alive = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if secrets.marker_path.encode() in environ or b"redteam-" in cmdline:
            alive.append(f"{pid}: {cmdline.decode(errors='replace')[:200]}")
    return alive


class Listener:
    """A TCP server on the grader's loopback in the port range the network attack scans: any
    connection means a kernel reached the grader's network."""

    def __init__(self, ports=range(40000, 40040)):
        self.connections = 0
        self.sock = None
        for port in ports:
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            self.sock, self.port = sock, port
            break
        if self.sock is None:
            raise RuntimeError(f"no free port in {ports} for the loopback listener")
        self.sock.listen(16)
        self.sock.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


# --- what grading left ----------------------------------------------------------------------
def autograded_notebook(course: Path, student: str) -> Path:
    return course / "autograded" / student / ASSIGNMENT / NOTEBOOK


def comparable(path: Path) -> list:
    """An autograded notebook as far as grading decides it: every cell's source and, for graded
    cells, its outputs (consecutive stream pieces joined; timings and images of ungraded cells
    differ from run to run and are left out)."""
    nb = json.loads(path.read_text())
    cells = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        outputs = []
        if meta.get("grade"):
            for out in cell.get("outputs", []):
                text = "".join(out.get("text", "")) if out.get("output_type") == "stream" else None
                if text is not None and outputs and outputs[-1][0] == ("stream", out.get("name")):
                    outputs[-1] = (outputs[-1][0], outputs[-1][1] + text)
                elif text is not None:
                    outputs.append((("stream", out.get("name")), text))
                else:
                    outputs.append(((out.get("output_type"), None),
                                    json.dumps({k: v for k, v in out.items() if k != "execution_count"},
                                               sort_keys=True)))
        cells.append((cell.get("cell_type"), "".join(cell.get("source", "")), meta.get("grade_id"), outputs))
    return cells


def before_copy(course: Path, student: str) -> Path:
    """Where the first grading of an honest student is kept (outside the course directory)."""
    folder = course.parent / "before"
    folder.mkdir(exist_ok=True)
    return folder / f"{student}.json"


def cell_grades(course: Path, student: str) -> dict[str, tuple[float, bool]]:
    """The gradebook's grades of ``student``'s autograded test cells: grade id -> (score, needs manual
    grade). Answers graded by hand (ex3's written justification) are left out: they always wait for
    the instructor, attack or not."""
    from autograder.gradebook_records import open_gradebook
    tests = graded_test_cells(ASSIGNMENT)
    with open_gradebook(course) as gb:
        nb = gb.find_submission_notebook(Path(NOTEBOOK).stem, ASSIGNMENT, student)
        return {g.name: (g.score, bool(g.needs_manual_grade)) for g in nb.grades if g.name in tests}


def output_text(path: Path) -> str:
    """Everything a notebook's outputs say (text of every kind, errors included)."""
    if not path.exists():
        return ""
    nb = json.loads(path.read_text())
    return json.dumps([cell.get("outputs", []) for cell in nb["cells"]])


def cell_outputs(course: Path, student: str, grade_id: str) -> str:
    """What the outputs of ``student``'s graded cell ``grade_id`` say."""
    nb = json.loads(autograded_notebook(course, student).read_text())
    return json.dumps([cell.get("outputs", []) for cell in nb["cells"]
                       if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id])


def feedback_text(course: Path, student: str) -> str:
    pages = (course / "feedback" / student / ASSIGNMENT).glob("*.html")
    return "\n".join(html.unescape(page.read_text()) for page in pages)


def hidden_lines(course: Path) -> list[str]:
    """Lines of the hidden tests that no student notebook shows (long enough to be telling)."""
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4) \
        if (course / "release" / ASSIGNMENT / NOTEBOOK).exists() else \
        nbformat.read(course / "notebooks" / ASSIGNMENT / NOTEBOOK, as_version=4)
    shown = "\n".join(c.source for c in release.cells)
    lines, inside = [], False
    for cell in source.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) >= 30 and line.strip() not in shown:
                lines.append(line.strip())
    return lines


def grade_red_team(course: Path, secrets: RunSecrets, attacks: list[Attack] = ATTACKS,
                   echo=lambda *a, **k: None) -> dict[str, GradingRun]:
    """Honest students, then the attacks among honest students (2 workers), then the first honest
    students again (what grading decided the first time kept in ``before_copy``)."""
    saved = dict(os.environ)
    os.environ.update(secrets.grader_environment())
    try:
        runs = {r.student: r for r in autograde_class(course, [(s, ASSIGNMENT) for s in BEFORE], jobs=2,
                                                      timeout=600, echo=echo)}
        for student in BEFORE:
            before_copy(course, student).write_text(json.dumps(comparable(autograded_notebook(course, student))))
        runs.update({r.student: r for r in autograde_class(
            course, [(s, ASSIGNMENT) for s in grading_order(attacks)], jobs=2, timeout=600, echo=echo)})
        again = autograde_class(course, [(s, ASSIGNMENT) for s in BEFORE], jobs=2, timeout=600, echo=echo)
        runs.update({f"{r.student} again": r for r in again})
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return runs


if __name__ == "__main__":  # python -m tests.redteam.harness OUT [attack ids]: build and grade by hand
    secrets = RunSecrets()
    chosen = [a for a in ATTACKS if len(sys.argv) < 3 or a.id in sys.argv[2:]]
    course = build_red_team(Path(sys.argv[1]).resolve(), secrets, chosen)
    for run in grade_red_team(course, secrets, chosen, echo=print).values():
        print(run.student, run.ok, run.reason)
