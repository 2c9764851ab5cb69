"""`make bench`: measure the course on this machine and write the report.

    python -m benchmarks.run [--only features,throughput,notebooks,grading,sandbox]

Writes benchmarks/results.json (sections merged, so one section can be re-run)
and BENCHMARKS.md. Each ratio is measured within one run, on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
REPORT = ROOT / "BENCHMARKS.md"
SECTIONS = ("features", "throughput", "notebooks", "grading", "sandbox")

# Budgets (issue: fast on a laptop CPU). Checked here, not in timed tests.
TARGETS = {"cached_speedup": 20.0, "accuracy_gap_points": 1.0, "parallel_speedup": 1.6,
           "course_offline_seconds": 20 * 60, "autograde_seconds": 20, "peak_rss_mib": 4096,
           "sandbox_overhead_percent": 15.0, "warm_fraction_of_nbgrader": 1 / 3}
#: The grading section grades each demo-class submission under this many student ids: a class
#: larger than the demo's 3 students, so that what a worker does once per assignment (build its
#: course copy) weighs on the mean per submission about as little as in a class (still more).
GRADING_COPIES = 3
#: Class sizes the grading section turns into time estimates (one course term; a MOOC's term).
CLASS_SIZES = (800, 10_000)


def machine() -> dict:
    import timm
    import torchvision

    return {"cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "torch": torch.__version__,
            "torchvision": torchvision.__version__, "timm": timm.__version__,
            "platform": platform.platform()}


def measured_now() -> dict:
    """When a section is measured and how busy the machine is as it starts (kept per section:
    sections of one report may come from different runs)."""
    return {"date": time.strftime("%Y-%m-%d"), "load_average_1min_at_start": round(os.getloadavg()[0], 2)}


# --- head training: recomputed base vs cached features -------------------------------------


def bench_features(num_epochs: int = 3, seed: int = 0) -> dict:
    from tlcourse import data, engine
    from tlcourse.backbones import first_available
    from tlcourse.features import base_of, cached_features

    backbone = first_available(["resnet18", "efficientnet_lite0"], verbose=False)
    net = backbone.net
    net.requires_grad_(False)
    torch.manual_seed(seed)
    head = nn.Linear(backbone.feature_size, 7)
    init = {k: v.clone() for k, v in head.state_dict().items()}
    setattr(net, backbone.head_attr, head)
    train_ds, test_ds = data.FOODVISION7.load(transform=backbone.transform, mode="offline", verbose=False)
    loss = nn.CrossEntropyLoss()

    def loaders(train, test):
        return (DataLoader(train, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(seed)),
                DataLoader(test, batch_size=32))

    slow = engine.train(net, *loaders(train_ds, test_ds), loss,
                        torch.optim.Adam(head.parameters(), lr=1e-3), num_epochs, verbose=False)
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        base = base_of(net, backbone.head_attr)
        train_f = cached_features(backbone.name, base, train_ds, cache=Path(cache), verbose=False)
        test_f = cached_features(backbone.name, base, test_ds, cache=Path(cache), verbose=False)
        extract_seconds = time.perf_counter() - start
    fast_head = nn.Linear(backbone.feature_size, 7)
    fast_head.load_state_dict(init)
    fast = engine.train(fast_head, *loaders(train_f, test_f), loss,
                        torch.optim.Adam(fast_head.parameters(), lr=1e-3), num_epochs, verbose=False)
    slow_epoch = sum(slow.seconds) / num_epochs
    fast_epoch = sum(fast.seconds) / num_epochs
    return {
        "backbone": backbone.name, "data": "FoodVision-7 photos", "train_images": len(train_ds),
        "test_images": len(test_ds), "epochs": num_epochs, "image_size": backbone.input_size,
        "recomputed_epoch_seconds": round(slow_epoch, 3), "cached_epoch_seconds": round(fast_epoch, 4),
        "feature_extraction_seconds": round(extract_seconds, 2),
        "speedup_per_epoch": round(slow_epoch / fast_epoch, 1),
        "recomputed_test_acc": round(slow.test_acc[-1], 4), "cached_test_acc": round(fast.test_acc[-1], 4),
        "accuracy_gap_points": round(abs(slow.test_acc[-1] - fast.test_acc[-1]) * 100, 2),
    }


# --- throughput -------------------------------------------------------------------------------


def images_per_second(net: nn.Module, size: int, backward: bool, batch: int = 32, steps: int = 3) -> float:
    X = torch.randn(batch, 3, size, size)
    net.train(backward)
    net.requires_grad_(backward)

    def step():
        if backward:
            net.zero_grad()
            net(X).sum().backward()
        else:
            with torch.no_grad():
                net(X)

    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


def bench_throughput() -> dict:
    from tlcourse.backbones import random_init

    rows = []
    for name in ("resnet18", "resnet34", "efficientnet_lite0"):
        net = random_init(name).net  # speed does not depend on the weights' values
        for size in (224, 160):
            rows.append({"backbone": name, "size": size,
                         "forward_img_s": round(images_per_second(net, size, False), 1),
                         "train_step_img_s": round(images_per_second(net, size, True), 1)})
    return {"batch": 32, "rows": rows}


# --- notebooks --------------------------------------------------------------------------------


def cold_feature_cache(folder: Path) -> Path:
    """A data cache in ``folder`` that shares the downloaded files of the real one (symlinks)
    but has no cached features, so every notebook runs as it would the first time."""
    from tlcourse.data import cache_dir

    for entry in cache_dir().iterdir():
        if entry.name != "features":
            (folder / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return folder


def run_notebook(path: Path, autograde: bool, data_cache: Path) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.notebook_run", str(path)] + (["--autograde"] if autograde else [])
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
               TLCOURSE_DATA=str(data_cache))
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"seconds": None, "peak_rss_mib": None, "errors": [proc.stderr[-300:]]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_notebooks() -> dict:
    """Each solution notebook top to bottom, as nbgrader's autograde runs it and in full
    offline mode, one fresh kernel per run, starting without cached features."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data_cache = cold_feature_cache(Path(tmp))
        for path in sorted((ROOT / "source").rglob("*.ipynb")):
            for mode in ("autograde", "offline"):
                result = run_notebook(path, autograde=(mode == "autograde"), data_cache=data_cache)
                rows.append({"notebook": path.parent.name, "mode": mode, **result})
                print(f"  {path.parent.name} {mode}: {result}", flush=True)
    offline = [r["seconds"] for r in rows if r["mode"] == "offline" and r["seconds"] is not None]
    return {"rows": rows, "offline_total_seconds": round(sum(offline), 1), "feature_cache": "cold at the start"}


# --- grading: serial nbgrader vs parallel workers ----------------------------------------------


def grade_warm_on_cluster(course: Path, pairs, workers: int) -> tuple[float, list]:
    """The class graded by ``autograder.grade`` on a fresh LocalCluster of ``workers`` warm
    workers: (seconds from the cluster's start to the last result, per-submission runs)."""
    from distributed import Client

    from autograder.autograde import kernel_threads
    from autograder.grade import grade_class, local_cluster
    from autograder.warm_worker import warm_parent

    start = time.perf_counter()
    runs = []
    with local_cluster(workers) as cluster, Client(cluster) as client:
        threads = kernel_threads(workers)
        client.run(lambda: warm_parent(threads).process.pid)   # each worker's one warm-up
        for assignment in dict.fromkeys(a for _, a in pairs):
            students = [s for s, a in pairs if a == assignment]
            runs += grade_class(client, course, assignment, students, threads=threads, warm=True,
                                echo=lambda *a, **k: None, progress=open(os.devnull, "w"))
    return time.perf_counter() - start, runs


def bench_grading() -> dict:
    """Per-submission cost of serial `nbgrader autograde --student` vs a warm worker, and class
    throughput with 1 and 2 warm workers, over the same submissions in one run, grades compared
    cell by cell."""
    from dataclasses import replace

    from autograder.autograde import autograde_class
    from autograder.classroom import prepare_course
    from autograder.demo_class import CLASS

    assignments = ["01_concepts", "02_foodvision_head"]
    students = [replace(s, id=f"{s.id}-{n}") for n in range(1, GRADING_COPIES + 1) for s in CLASS]
    pairs = [(s.id, a) for a in assignments for s in students]
    with tempfile.TemporaryDirectory() as tmp:
        serial = prepare_course(Path(tmp) / "serial", students)
        courses = {n: shutil.copytree(serial, Path(tmp) / f"warm{n}") for n in (1, 2)}
        serial_runs = autograde_class(serial, pairs, timeout=600, echo=lambda *a, **k: None)
        timed = {n: grade_warm_on_cluster(courses[n], pairs, n) for n in (1, 2)}
        from autograder.report import recorded_submissions

        expected = recorded_submissions(serial, pairs)
        equal = all(recorded_submissions(courses[n], pairs) == expected for n in (1, 2)) and all(expected.values())
    cold = [r.seconds for r in serial_runs]
    warm = [r.seconds for r in timed[1][1]]
    result = {"submissions": len(pairs), "copies": GRADING_COPIES,
              "per_submission_s": {"nbgrader": round(sum(cold) / len(cold), 2),
                                   "warm": round(sum(warm) / len(warm), 2)},
              "throughput_per_min": {str(n): round(len(pairs) * 60 / timed[n][0], 2) for n in (1, 2)},
              "equal_grades": bool(equal),
              "all_graded": all(r.ok for r in serial_runs) and all(r.ok for n in (1, 2) for r in timed[n][1])}
    print(f"  {result}", flush=True)
    return result


# --- grading with and without the kernel sandbox ---------------------------------------------


def bench_sandbox() -> dict:
    """The demo class graded serially twice in one run, each submission once in the sandbox and
    once without it, the two back to back (which goes first alternates) so that load drifts
    cancel out."""
    from autograder.autograde import autograde_one
    from autograder.classroom import prepare_course
    from autograder.course import assignments
    from autograder.demo_class import CLASS
    from tlcourse.nbgrader_ext.sandbox_support import NO_SANDBOX_VARIABLE

    graded = [a.id for a in assignments() if a.has_content]
    seconds = {"sandbox": [], "no_sandbox": []}
    with tempfile.TemporaryDirectory() as tmp:
        sandboxed = prepare_course(Path(tmp) / "sandbox", CLASS)
        plain = Path(tmp) / "no-sandbox"
        shutil.copytree(sandboxed, plain)
        pairs = [(s.id, a) for s in CLASS for a in graded]
        for i, (student, assignment) in enumerate(pairs):
            runs = [("sandbox", sandboxed, {}), ("no_sandbox", plain, {NO_SANDBOX_VARIABLE: "1"})]
            for mode, course, env in (runs if i % 2 == 0 else runs[::-1]):
                run = autograde_one(course, assignment, student, timeout=600, env=env)
                if not run.ok:
                    raise RuntimeError(f"{student}/{assignment} could not be graded ({mode}): {run}")
                seconds[mode].append(run.seconds)
    total = {mode: round(sum(v), 1) for mode, v in seconds.items()}
    result = {"submissions": len(pairs), "sandbox_seconds": total["sandbox"],
              "no_sandbox_seconds": total["no_sandbox"],
              "overhead_percent": round(100 * (total["sandbox"] / total["no_sandbox"] - 1), 1)}
    print(f"  sandbox: {result}", flush=True)
    return result


# --- report -----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def when(results: dict, section: str) -> str:
    """The line saying when ``section`` was measured, and under what load."""
    at = results[section].get("measured", {})
    return (f"Measured {at.get('date', 'on an unrecorded date')}; 1-minute load average at the start: "
            f"{at.get('load_average_1min_at_start', 'not recorded')}.")


def grading_report(results: dict) -> list[str]:
    """The grading section: warm workers vs serial nbgrader, and any older serial-vs-parallel rows."""
    g = {k: v for k, v in results["grading"].items() if isinstance(v, dict) and "speedup" in v}
    out = []
    if g:
        out += ["## Autograde: serial nbgrader vs parallel workers", "",
                when(results, "grading"), "",
                "| class | submissions | serial (s) | parallel (s) | workers | speed-up |", "|---|---|---|---|---|---|"]
        out += [f"| {k} | {v['submissions']} | {v['serial_seconds']} | {v['parallel_seconds']} | {v['jobs']} | "
                f"{v['speedup']}x |" for k, v in g.items()]
        best = max(v["speedup"] for v in g.values())
        out += ["", f"Target >= {TARGETS['parallel_speedup']}x on 2 cores for 16 submissions: "
                f"{verdict(g.get('16_submissions', {}).get('speedup', 0) >= TARGETS['parallel_speedup'])} "
                f"(best {best}x).", ""]
        per = g.get("demo_class", {}).get("serial_seconds_per_submission")
        if per:
            out += ["One whole `nbgrader autograde --student` command in the serial run (process start, "
                    "database, kernel start, the notebook, writing the gradebook), seconds per submission:", "",
                    "| assignment | mean | largest |", "|---|---|---|"]
            out += [f"| {a} | {v['mean']} | {v['max']} |" for a, v in per.items()]
            out.append("")
    w = results["grading"]
    if "per_submission_s" in w:
        cost, per_min = w["per_submission_s"], w["throughput_per_min"]
        fraction = cost["warm"] / cost["nbgrader"]
        out += ["## Autograde: serial nbgrader vs warm workers", "", when(results, "grading"), "",
                f"The same {w['submissions']} submissions (the demo class's, notebooks 1 and 2"
                + (f", each under {w['copies']} student ids" if w.get("copies", 1) > 1 else "")
                + ") graded by one "
                "whole `nbgrader autograde --student` command each, and by `python -m autograder.grade` "
                "with warm workers (nbgrader and every sandboxed kernel forked from a parent that imported "
                "nbgrader and torch once; a worker's first submission of an assignment also builds its "
                "course copy, and that is in the mean):", "",
                "| | seconds per submission (mean) |", "|---|---|",
                f"| nbgrader autograde --student | {cost['nbgrader']} |", f"| warm worker | {cost['warm']} |", "",
                f"Warm cost: **{fraction:.2f}** of nbgrader's (target at most one third: "
                f"{verdict(fraction <= TARGETS['warm_fraction_of_nbgrader'])}); grades equal cell by cell: "
                f"{'yes' if w['equal_grades'] else '**no**'}.", "",
                "| warm workers | submissions per minute (the class, cluster start included) |", "|---|---|"]
        out += [f"| {n} | {v} |" for n, v in per_min.items()]
        best = max(per_min.values())
        out += ["", "Estimate (on paper, from the throughput above; not measured): "
                + "; ".join(f"{size:,} submissions take about {size / best / 60:.1f} h on this machine, "
                            f"{size / best / 60 / 10:.1f} h on 10 such machines and "
                            f"{size / best / 60 / 100 * 60:.0f} min on 100" for size in CLASS_SIZES)
                + " (N machines: divide by N while the coordinator and the gradebook keep up).", ""]
    return out


def report(results: dict) -> str:
    m = results.get("machine", {})
    out = ["# Benchmarks", "",
           "Measured by `make bench` (`python -m benchmarks.run`) on one machine; `--only SECTION` "
           "measures a section again, so sections may come from different runs. Each ratio compares "
           "runs made minutes apart within one section's run. Raw numbers: "
           "`benchmarks/results.json`.", "",
           f"Machine: {m.get('cpu_count')} cores, torch threads {m.get('torch_threads')}, "
           f"Python {m.get('python')}, torch {m.get('torch')}, torchvision {m.get('torchvision')}, "
           f"timm {m.get('timm')}. Each section says when it was measured and how loaded the machine "
           "was as it started.", ""]
    if "features" in results:
        f = results["features"]
        out += ["## Head training: base recomputed each epoch vs cached features", "",
                when(results, "features"), "",
                f"{f['backbone']} at {f['image_size']} px, {f['data']}: {f['train_images']} train / "
                f"{f['test_images']} test images, {f['epochs']} epochs, same initial head and batch order.", "",
                "| | seconds per epoch | test accuracy |", "|---|---|---|",
                f"| base recomputed | {f['recomputed_epoch_seconds']} | {f['recomputed_test_acc']} |",
                f"| cached features | {f['cached_epoch_seconds']} (+ {f['feature_extraction_seconds']} s once) "
                f"| {f['cached_test_acc']} |", "",
                f"Speed-up per epoch: **{f['speedup_per_epoch']}x** (target >= {TARGETS['cached_speedup']:g}x: "
                f"{verdict(f['speedup_per_epoch'] >= TARGETS['cached_speedup'])}); accuracy gap "
                f"{f['accuracy_gap_points']} points (target <= 1: "
                f"{verdict(f['accuracy_gap_points'] <= TARGETS['accuracy_gap_points'])}).", "",
                f"With the one-off extraction counted, {f['epochs']} epochs take "
                f"{f['recomputed_epoch_seconds'] * f['epochs']:.1f} s recomputed vs "
                f"{f['feature_extraction_seconds'] + f['cached_epoch_seconds'] * f['epochs']:.1f} s cached; the "
                f"extraction costs about {f['feature_extraction_seconds'] / f['recomputed_epoch_seconds']:.1f} "
                "recomputed epochs (it also runs the test images), so caching pays from the second epoch on "
                "and every later epoch, learning-rate try or re-run with a warm cache is nearly free.", ""]
    if "throughput" in results:
        t = results["throughput"]
        out += ["## Throughput (images per second, batch %d)" % t["batch"], "",
                when(results, "throughput"), "",
                "| backbone | size | forward | forward + backward |", "|---|---|---|---|"]
        out += [f"| {r['backbone']} | {r['size']} | {r['forward_img_s']} | {r['train_step_img_s']} |"
                for r in t["rows"]]
        out.append("")
    if "notebooks" in results:
        n = results["notebooks"]
        out += ["## Notebooks: wall time and peak memory of the kernel", "",
                when(results, "notebooks"), "",
                "Each solution notebook top to bottom in a fresh kernel: *autograde* as `nbgrader autograde` "
                "runs it (`NBGRADER_EXECUTION` set: stand-in data, tiny budgets), *offline* as a student "
                "runs it with no network (real photos and EfficientNet-Lite0 weights from the data cache, "
                f"ResNet weights absent); feature cache {n.get('feature_cache', 'as found')}.", "",
                "| notebook | mode | seconds | peak RSS (MiB) | errors |", "|---|---|---|---|---|"]
        out += [f"| {r['notebook']} | {r['mode']} | {r['seconds']} | {r['peak_rss_mib']} | {len(r['errors'])} |"
                for r in n["rows"]]
        graded_ok = all(r["seconds"] is not None and r["seconds"] <= TARGETS["autograde_seconds"]
                        for r in n["rows"] if r["mode"] == "autograde")
        rss_ok = all(r["peak_rss_mib"] is not None and r["peak_rss_mib"] <= TARGETS["peak_rss_mib"]
                     for r in n["rows"])
        out += ["", f"Full offline course: **{n['offline_total_seconds']} s** (budget 1200 s: "
                f"{verdict(n['offline_total_seconds'] <= TARGETS['course_offline_seconds'])}); each notebook "
                f"in autograde mode under 20 s: {verdict(graded_ok)}; peak RSS under 4 GiB: {verdict(rss_ok)}.", ""]
    if "grading" in results:
        out += grading_report(results)
    if "sandbox" in results:
        b = results["sandbox"]
        out += ["## Autograde in the kernel sandbox vs without it", "",
                when(results, "sandbox"), "",
                f"The demo class ({b['submissions']} submissions), each graded serially by one whole "
                "`nbgrader autograde --student` command in the sandbox and without it, back to back:", "",
                "| | total (s) |", "|---|---|",
                f"| sandbox | {b['sandbox_seconds']} |", f"| no sandbox | {b['no_sandbox_seconds']} |", "",
                f"Overhead: **{b['overhead_percent']} %** (target under {TARGETS['sandbox_overhead_percent']:g} %: "
                f"{verdict(b['overhead_percent'] < TARGETS['sandbox_overhead_percent'])}).", ""]
    missing = [name for name in SECTIONS if name not in results]
    if missing:
        out += ["## Not measured yet", "",
                "Sections of `make bench` with no committed result (run `python -m benchmarks.run "
                f"--only {','.join(missing)}`): {', '.join(missing)}.", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to (re)measure")
    parser.add_argument("--report-only", action="store_true", help="rewrite BENCHMARKS.md from results.json")
    args = parser.parse_args(argv)
    if args.report_only:
        REPORT.write_text(report(json.loads(RESULTS.read_text())) + "\n")
        print(REPORT.read_text())
        return 0
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["machine"] = machine()
    runners = {"features": bench_features, "throughput": bench_throughput,
               "notebooks": bench_notebooks, "grading": bench_grading, "sandbox": bench_sandbox}
    for name in wanted:
        print(f"- {name}", flush=True)
        at = measured_now()
        results[name] = {**runners[name](), "measured": at}
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        REPORT.write_text(report(results) + "\n")
    print(REPORT.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
