"""Does the benchmark report say 'missed' when a budget is missed, and start notebooks cold?"""

import json

import pytest

from benchmarks import run as bench


def notebook_rows(offline_seconds, autograde_seconds=10.0, rss=2000):
    rows = []
    for name, seconds in offline_seconds.items():
        rows.append({"notebook": name, "mode": "autograde", "seconds": autograde_seconds,
                     "peak_rss_mib": rss, "errors": []})
        rows.append({"notebook": name, "mode": "offline", "seconds": seconds, "peak_rss_mib": rss,
                     "errors": []})
    return {"rows": rows, "offline_total_seconds": sum(offline_seconds.values()),
            "feature_cache": "cold at the start"}


def test_a_course_within_every_budget_is_reported_met():
    text = bench.report({"notebooks": notebook_rows({"01": 100.0, "02": 200.0})})
    assert "**300.0 s** (budget 1200 s: met)" in text
    assert "under 20 s: met" in text and "under 4 GiB: met" in text


@pytest.mark.parametrize("offline, autograde, rss, missed", [
    ({"01": 700.0, "02": 600.0}, 10.0, 2000, "budget 1200 s: **missed**"),
    ({"01": 100.0}, 25.0, 2000, "under 20 s: **missed**"),
    ({"01": 100.0}, 10.0, 5000, "under 4 GiB: **missed**"),
])
def test_each_budget_missed_is_reported_missed(offline, autograde, rss, missed):
    text = bench.report({"notebooks": notebook_rows(offline, autograde, rss)})
    assert missed in text
    assert text.count("**missed**") == 1


def test_a_notebook_that_crashed_misses_the_autograde_budget():
    results = {"notebooks": notebook_rows({"01": 100.0})}
    results["notebooks"]["rows"][0].update(seconds=None, peak_rss_mib=None, errors=["Traceback"])
    assert "under 20 s: **missed**" in bench.report(results)


def test_grading_speedup_below_target_is_missed():
    grading = {"16_submissions": {"submissions": 16, "serial_seconds": 100.0, "parallel_seconds": 80.0,
                                  "jobs": 2, "speedup": 1.25}}
    assert "Target >= 1.6x on 2 cores for 16 submissions: **missed**" in bench.report({"grading": grading})


def test_sections_never_measured_are_listed():
    text = bench.report({"notebooks": notebook_rows({"01": 1.0})})
    assert "## Not measured yet" in text and "features, throughput, grading" in text


def test_the_committed_report_is_the_committed_results_rendered():
    # BENCHMARKS.md must be regenerated from benchmarks/results.json, never edited by hand.
    results = json.loads(bench.RESULTS.read_text())
    assert bench.REPORT.read_text() == bench.report(results) + "\n", (
        "BENCHMARKS.md differs from benchmarks/results.json: run `python -m benchmarks.run --report-only`")


def test_notebooks_start_with_no_cached_features(tmp_path, monkeypatch):
    real = tmp_path / "real"
    (real / "features").mkdir(parents=True)
    (real / "features" / "resnet18-abc.pt").write_bytes(b"cached")
    (real / "foodvision7" / "train").mkdir(parents=True)
    (real / "pictures.tgz").write_bytes(b"archive")
    monkeypatch.setenv("TLCOURSE_DATA", str(real))
    cold = tmp_path / "cold"
    cold.mkdir()

    bench.cold_feature_cache(cold)

    assert sorted(p.name for p in cold.iterdir()) == ["foodvision7", "pictures.tgz"]
    assert (cold / "foodvision7" / "train").is_dir() and (cold / "pictures.tgz").read_bytes() == b"archive"
    assert (real / "features" / "resnet18-abc.pt").exists(), "the real feature cache must be left alone"


@pytest.mark.parametrize("sandbox, plain, verdict", [(110.0, 100.0, "met"), (120.0, 100.0, "**missed**")])
def test_the_sandbox_overhead_is_checked_against_its_target(sandbox, plain, verdict):
    results = {"sandbox": {"submissions": 12, "sandbox_seconds": sandbox, "no_sandbox_seconds": plain,
                           "overhead_percent": round(100 * (sandbox / plain - 1), 1)}}
    text = bench.report(results)
    assert f"(target under 15 %: {verdict})" in text


def test_each_section_says_when_it_was_measured_and_under_what_load():
    # Sections are re-measured one at a time (--only): one date for the whole report would be wrong.
    from benchmarks.run import report

    results = {"machine": {"cpu_count": 2},
               "sandbox": {"submissions": 2, "sandbox_seconds": 11.0, "no_sandbox_seconds": 10.0,
                           "overhead_percent": 10.0,
                           "measured": {"date": "2026-11-30", "load_average_1min_at_start": 6.9}},
               "throughput": {"batch": 32, "rows": [],
                              "measured": {"date": "2026-11-23", "load_average_1min_at_start": 0.62}}}
    text = report(results)
    assert "Measured 2026-11-30; 1-minute load average at the start: 6.9." in text
    assert "Measured 2026-11-23; 1-minute load average at the start: 0.62." in text


def warm_grading(nbgrader_s, warm_s, equal=True):
    return {"submissions": 6, "per_submission_s": {"nbgrader": nbgrader_s, "warm": warm_s},
            "throughput_per_min": {"1": 10.0, "2": 16.0}, "equal_grades": equal, "all_graded": True}


@pytest.mark.parametrize("warm_s, verdict", [(5.0, "met"), (6.0, "**missed**")])
def test_the_warm_cost_is_checked_against_one_third_of_nbgrader(warm_s, verdict):
    text = bench.report({"grading": warm_grading(15.0, warm_s)})
    assert f"(target at most one third: {verdict})" in text
    assert "grades equal cell by cell: yes" in text


def test_unequal_grades_are_said_and_the_class_estimates_come_from_the_best_throughput():
    text = bench.report({"grading": warm_grading(15.0, 4.0, equal=False)})
    assert "grades equal cell by cell: **no**" in text
    assert "800 submissions take about 0.8 h on this machine" in text   # 800 / 16 per min
    assert "10,000 submissions take about 10.4 h on this machine" in text


def test_the_committed_grading_section_has_the_warm_schema():
    grading = json.loads(bench.RESULTS.read_text())["grading"]
    assert set(grading["per_submission_s"]) == {"nbgrader", "warm"}
    assert set(grading["throughput_per_min"]) == {"1", "2"}
    assert isinstance(grading["equal_grades"], bool)
    assert {"date", "load_average_1min_at_start"} <= set(grading["measured"])
    assert all(v > 0 for v in [*grading["per_submission_s"].values(), *grading["throughput_per_min"].values()])


def test_a_class_graded_under_several_ids_says_so():
    assert "each under 3 student ids" in bench.report({"grading": {**warm_grading(15.0, 4.0), "copies": 3}})
    assert "student ids" not in bench.report({"grading": warm_grading(15.0, 4.0)})
