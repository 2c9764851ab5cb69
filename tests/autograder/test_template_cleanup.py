"""Does a Dask worker remove its throwaway course templates (autograder.task) when it closes?

A real loopback cluster (`dask scheduler` and a `dask worker` in an empty folder) grades one
submission, which makes the worker build its template; the worker is then stopped as an
operator stops it (SIGTERM), and the folder must be gone.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from autograder.course import fresh_course_dir
from autograder.grade import grade_class
from autograder.nbgrader_cli import nbgrader
from autograder.task import templates
from tests.autograder.loopback_cluster import LoopbackCluster
from tests.corpus.build import write_case
from tests.corpus.cases import CASES

FOOD = "02_foodvision_head"
#: A submission without a notebook: the cheapest one that still makes the worker build its template.
NO_NOTEBOOK = next(c for c in CASES if c.id == "food_missing")


@pytest.mark.slow
def test_no_template_folder_outlives_the_worker_that_made_it(tmp_path):
    from distributed import Client

    course = fresh_course_dir(tmp_path / "course")
    nbgrader(course, "generate_assignment", FOOD, "--force")
    write_case(course, NO_NOTEBOOK)
    with LoopbackCluster(tmp_path / "cluster", workers=1) as cluster:
        with Client(cluster.address) as client:
            client.wait_for_workers(1, timeout=180)
            [run] = grade_class(client, course, FOOD, [NO_NOTEBOOK.id], echo=lambda *a: None,
                                progress=io.StringIO())
            [made] = client.run(templates).values()
        assert made and all(Path(folder).name.startswith("tlcourse-template-") for folder in made)
        assert all(Path(folder).is_dir() for folder in made), "the template lives while its worker does"
        cluster.stop()
        assert cluster.workers[0].returncode is not None, "the worker stopped on SIGTERM"
    assert "recorded as 0 points" in run.reason, run.reason  # graded as serial nbgrader grades it
    left = [folder for folder in made if Path(folder).exists()]
    assert not left, f"template folders outlived their worker: {left}"
