"""The corpus course, built once per session: as built, never graded (``corpus_blank``: each way
of grading grades a copy of it), and graded by serial ``nbgrader autograde`` (``corpus``), which
test_corpus.py checks against each case's expectations and test_corpus_on_cluster.py compares
with ``autograder.grade``."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from autograder.autograde import autograde_class
from autograder.nbgrader_cli import nbgrader
from tests.corpus.build import build_corpus
from tests.corpus.graded import ASSIGNMENTS, PAIRS, GradedCorpus, graded


@pytest.fixture(scope="session")
def corpus_blank(tmp_path_factory) -> Path:
    """The corpus course as built: the releases and every submission, nothing graded."""
    return build_corpus(tmp_path_factory.mktemp("corpus") / "blank")


@pytest.fixture(scope="session")
def corpus(corpus_blank, tmp_path_factory) -> GradedCorpus:
    """A copy of the corpus course graded by serial ``nbgrader autograde`` (two at a time), with feedback."""
    course = shutil.copytree(corpus_blank, tmp_path_factory.mktemp("serial") / "course")
    start = time.perf_counter()
    runs = autograde_class(course, PAIRS, jobs=2, timeout=600, echo=lambda *a, **k: None)
    seconds = time.perf_counter() - start
    for assignment in ASSIGNMENTS:
        nbgrader(course, "generate_feedback", assignment, "--force")
    return graded(course, runs, seconds)
