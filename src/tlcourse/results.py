"""Results of the scratch-vs-pretrained comparison: runs summed up over seeds into result
tables (a dict for JSON, Markdown for people), and the committed copy of them."""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from tlcourse.strategies import LABELS, count_params

#: The version of the results dict written by ``python -m tlcourse.experiments``.
RESULTS_FORMAT = 1


def mean_std(values: Sequence[float]) -> dict:
    """Mean, sample standard deviation (0 for a single value) and the values themselves."""
    values = [float(v) for v in values]
    return {"mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) > 1 else 0.0, "values": values}


def summary_row(run) -> dict:
    """One strategy's row of a run ``(net, history)``: last-epoch test accuracy, total seconds,
    parameter counts."""
    net, history = run
    return {"accuracy": history.test_acc[-1], "seconds": sum(history.seconds),
            "trainable_params": count_params(net, trainable=True), "total_params": count_params(net)}


def aggregate(runs_per_seed: dict[int, dict]) -> dict:
    """Per strategy: mean/std of accuracy and seconds over seeds, parameter counts, curves.
    ``runs_per_seed[seed][strategy]`` is a run ``(net, history)``."""
    seeds = sorted(runs_per_seed)
    strategies = list(runs_per_seed[seeds[0]])
    out = {}
    for s in strategies:
        rows = [summary_row(runs_per_seed[seed][s]) for seed in seeds]
        histories = [runs_per_seed[seed][s].history for seed in seeds]
        out[s] = {
            "accuracy": mean_std([r["accuracy"] for r in rows]),
            "seconds": mean_std([r["seconds"] for r in rows]),
            "trainable_params": rows[0]["trainable_params"],
            "total_params": rows[0]["total_params"],
            "curves": {k: [getattr(h, k) for h in histories] for k in ("train_loss", "train_acc", "test_acc")},
        }
    return out


def aggregate_sweep(per_seed: dict[int, dict[str, list[float]]], fractions: Sequence[float]) -> dict:
    """Per strategy and fraction: mean/std of the final test accuracy over seeds."""
    seeds = sorted(per_seed)
    strategies = list(per_seed[seeds[0]])
    return {"fractions": list(fractions),
            "strategies": {s: [mean_std([per_seed[seed][s][i] for seed in seeds])
                               for i in range(len(fractions))] for s in strategies}}


def _pm(cell: dict, digits: str) -> str:
    return f"{cell['mean']:{digits}} ± {cell['std']:{digits}}"


def strategies_table(results: dict) -> pd.DataFrame:
    """One row per strategy: accuracy and time (mean ± std over seeds), trainable parameters."""
    n = len(results.get("seeds", [])) or 1
    rows = [{"strategy": LABELS.get(s, s),
             f"test accuracy (mean ± std, {n} seeds)": _pm(row["accuracy"], ".3f"),
             "training time (s)": _pm(row["seconds"], ".0f"),
             "trainable parameters": f"{row['trainable_params']:,} of {row['total_params']:,}"}
            for s, row in results["strategies"].items()]
    return pd.DataFrame(rows)


def sweep_table(sweep_results: dict) -> pd.DataFrame:
    """One row per share of the training set: each strategy's accuracy and the gap between the
    first and the last strategy."""
    fractions = sweep_results["fractions"]
    counts = sweep_results.get("train_images", [""] * len(fractions))
    strategies = sweep_results["strategies"]
    rows = []
    for i, f in enumerate(fractions):
        cells = [strategies[s][i] for s in strategies]
        row = {"training images": f"{f:.0%}" + (f" ({counts[i]})" if counts[i] != "" else "")}
        row.update({LABELS.get(s, s): _pm(c, ".3f") for s, c in zip(strategies, cells)})
        row["gap"] = f"{cells[0]['mean'] - cells[-1]['mean']:+.3f}"
        rows.append(row)
    return pd.DataFrame(rows)


def markdown_table(table: pd.DataFrame) -> str:
    """``table`` (cells already text) as a GitHub Markdown table."""
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def results_markdown(results: dict) -> str:
    """The results as a Markdown table (and the sweep as a second table when present)."""
    text = markdown_table(strategies_table(results))
    if results.get("sweep"):
        text += "\n" + markdown_table(sweep_table(results["sweep"]))
    return text


def results_document(results: dict) -> str:
    """The Markdown file written next to the results JSON: how they were measured, then the tables."""
    b, machine = results["budget"], results["machine"]
    return (
        "# Scratch vs pretrained on FoodVision-7\n\n"
        f"Backbone: {results['backbone']} ({results['weights']}). Data: {results['data']}. "
        f"Budget for every strategy: {b['num_epochs']} epochs, batch size {b['batch_size']}, Adam "
        f"(new head lr {b['head_lr']:g}, fine-tuned pretrained layers lr {b['base_lr']:g}, scratch lr "
        f"{b['scratch_lr']:g}), weight decay {b['weight_decay']:g}. "
        + (f"Head first, then layer-wise lrs: the head alone for {b['head_epochs']} of the "
           f"{b['num_epochs']} epochs, then every layer, the head at {b['head_lr']:g} and the base's blocks "
           f"from {b['base_lr']:g} (next to the head) down to {b['base_lr'] / b['layer_lr_ratio']:g} (the stem). "
           if "head_epochs" in b and "head_then_unfreeze" in results["strategies"] else "")
        + "Seeds: "
        f"{', '.join(map(str, results['seeds']))}; std is the sample standard deviation over seeds. "
        f"Accuracy is the test accuracy after the last epoch. Times: {machine['device']}, "
        f"{machine['threads']} thread(s), torch {machine['torch']}; training times are "
        "wall-clock seconds, so on a shared machine they also vary with its load. The whole "
        f"command took {machine['wall_seconds']} s ({machine['cpu_seconds']} s of CPU). "
        "Where a strategy has a frozen front part (feature extraction, partial fine-tuning), it "
        "runs once per image and its outputs are cached; that time is included.\n\n"
        "Reproduce (measured with one thread): `python -m tlcourse.experiments --out "
        "data/results/scratch_vs_pretrained.json --threads 1`\n\n"
        + "".join(f"Added later: {', '.join(LABELS.get(x, x) for x in m['strategies'])}, by `{m['command']}` "
                  f"({m['machine']['wall_seconds']} s). {m.get('note', '')}".rstrip() + "\n\n"
                  for m in results.get("merged", []))
        + results_markdown(results)
    )


#: The committed results of ``python -m tlcourse.experiments``.
RESULTS_FILE = "scratch_vs_pretrained.json"


def results_path(name: str = RESULTS_FILE) -> Path | None:
    """A committed results file ``data/results/<name>`` in the course repository (None outside
    the repository)."""
    from tlcourse.data import find_repo_root

    root = find_repo_root()
    return root / "data" / "results" / name if root else None


def load_results(path: Path | None = None, name: str = RESULTS_FILE) -> dict | None:
    """The committed results (``path``, else ``data/results/<name>``), or None when the file is
    not there (e.g. on Colab)."""
    path = path or results_path(name)
    if path is None or not Path(path).is_file():
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))


def machine(start: float) -> dict:
    """Where and how long a command ran (``start``: its ``time.perf_counter()`` at the start)."""
    import torch

    from tlcourse import env

    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": str(env.device()),
            "python": platform.python_version(), "wall_seconds": round(time.perf_counter() - start),
            "cpu_seconds": round(time.process_time())}


def write_results(out: Path, results: dict, document: Callable[[dict], str]) -> None:
    """``results`` as JSON in ``out`` and ``document(results)`` as Markdown next to it (``.md``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(document(results), encoding="utf-8")
