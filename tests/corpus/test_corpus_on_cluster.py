"""Does ``autograder.grade`` with warm workers give the whole corpus the gradebook serial nbgrader gives?

Every submission of the corpus (each case and the witness of each assignment) is graded in a copy
of the ungraded corpus course by ``grade_class`` on ``local_cluster(2)`` with warm workers (what
``python -m autograder.grade ASSIGNMENT --warm`` does), and compared with the serial
``nbgrader autograde`` grading of test_corpus.py (the ``corpus`` fixture, graded once for both):
everything nbgrader records per submission (``autograder.report.recorded_submissions``), case by
case, and nbgrader's export CSV. Whether serial nbgrader itself grades each case as decided is
test_corpus.py's job. A submission the warm cluster is known to grade differently is named in
``KNOWN_DIFFERENT`` with the reason: its comparison is a strict expected failure (it fails as XPASS
once fixed, until removed there) and the export is compared without its rows.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import time

import pytest

from autograder.autograde import kernel_threads
from autograder.grade import grade_class, local_cluster
from tests.corpus.build import WITNESS
from tests.corpus.graded import ASSIGNMENTS, PAIRS, GradedCorpus, graded
from tlcourse.nbgrader_ext.sandbox_support import sandbox_problem

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0 or sandbox_problem() is not None,
                                 reason="warm grading forks sandboxes as root")]

#: Worker processes of the LocalCluster: the cores of this machine and of CI.
WORKERS = 2
#: Corpus cases the warm cluster grades differently from serial nbgrader (found by this test), and why.
KNOWN_DIFFERENT: dict[str, str] = {}


@pytest.fixture(scope="module")
def on_cluster(corpus_blank, tmp_path_factory) -> GradedCorpus:
    """A copy of the ungraded corpus course graded by ``autograder.grade``'s LocalCluster, warm workers."""
    from distributed import Client

    course = shutil.copytree(corpus_blank, tmp_path_factory.mktemp("cluster") / "course")
    threads = kernel_threads(WORKERS)
    runs = []
    start = time.perf_counter()
    with local_cluster(WORKERS) as cluster, Client(cluster) as client:
        for assignment in dict.fromkeys(a for _, a in PAIRS):
            students = [s for s, a in PAIRS if a == assignment]
            runs += grade_class(client, course, assignment, students, timeout=600, threads=threads,
                                warm=True, echo=lambda *a, **k: None, progress=io.StringIO())
    return graded(course, runs, time.perf_counter() - start)


def differences(got: dict | None, expected: dict | None) -> list[str]:
    """What differs between two recorded submissions, one line per notebook field or cell."""
    if got is None or expected is None:
        return [f"recorded on the cluster: {got is not None}, by serial nbgrader: {expected is not None}"]
    lines = []
    for notebook in sorted(set(got) | set(expected)):
        mine, theirs = got.get(notebook), expected.get(notebook)
        if mine is None or theirs is None:
            lines.append(f"{notebook}: on the cluster {mine is not None}, serial {theirs is not None}")
            continue
        if mine["late"] != theirs["late"]:
            lines.append(f"{notebook}: late penalty {mine['late']} on the cluster, {theirs['late']} serial")
        for field in ("grades", "comments"):
            for cell in sorted(set(mine[field]) | set(theirs[field])):
                if mine[field].get(cell) != theirs[field].get(cell):
                    lines.append(f"{notebook} {field[:-1]} {cell}: {mine[field].get(cell)!r} on the cluster, "
                                 f"{theirs[field].get(cell)!r} serial")
    return lines


def _compared(student: str, assignment: str):
    """A submission to compare, a strict expected failure where ``KNOWN_DIFFERENT`` names it."""
    known = KNOWN_DIFFERENT.get(student)
    return pytest.param(student, assignment, marks=[pytest.mark.xfail(strict=True, reason=known)] if known else [],
                        id=f"{student}-{assignment}" if student == WITNESS else student)


@pytest.mark.parametrize("student, assignment", [_compared(s, a) for s, a in PAIRS])
def test_each_submission_is_recorded_as_by_serial_nbgrader(corpus, on_cluster, student, assignment):
    pair = (student, assignment)
    expected = corpus.recorded[pair]
    assert expected is not None, f"serial nbgrader recorded nothing for {student}: {corpus.runs[pair].reason}"
    diff = differences(on_cluster.recorded[pair], expected)
    assert not diff, "\n".join([f"{student} / {assignment}: cells that differ (gradebook rows: (auto, manual, "
                                "needs manual grade))", *diff,
                                f"cluster run: ok={on_cluster.runs[pair].ok} {on_cluster.runs[pair].reason}",
                                f"serial run: ok={corpus.runs[pair].ok} {corpus.runs[pair].reason}"])


def test_the_export_is_the_serial_export(corpus, on_cluster):
    print(f"graded on the cluster in {on_cluster.seconds:.0f} s, serially in {corpus.seconds:.0f} s "
          f"({len(PAIRS)} submissions)")
    students = {s for s, _ in PAIRS}
    assert len(corpus.export) == len(students) * len(ASSIGNMENTS) + 1, (
        "the header and a row per student and assignment")

    def compared(lines: list[str]) -> list[str]:   # the column student_id: the header stays
        return [line for line in lines if next(csv.reader([line]))[3] not in KNOWN_DIFFERENT]

    mine, theirs = compared(on_cluster.export), compared(corpus.export)
    assert len(theirs) == len(corpus.export) - len(ASSIGNMENTS) * len(students & set(KNOWN_DIFFERENT))
    only_cluster = sorted(set(mine) - set(theirs))
    only_serial = sorted(set(theirs) - set(mine))
    assert mine == theirs, (
        "export lines only on the cluster:\n" + "\n".join(only_cluster)
        + "\nonly serial:\n" + "\n".join(only_serial))
