"""Result tables: aggregation over seeds, the Markdown tables and the committed results."""

import json
import statistics
from pathlib import Path

import pytest

from tests.networks import resnet
from tlcourse import results as rs
from tlcourse.checks.transfer import check_results_structure
from tlcourse.history import History, Run
from tlcourse.strategies import ALL_STRATEGIES, STRATEGIES, set_up

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "data" / "results" / "scratch_vs_pretrained.json"


def test_aggregate_and_markdown():
    def run(strategy, acc, seconds):
        net = set_up(strategy, resnet(), 7, seed=0)
        return Run(net, History([1.0, 0.5], [0.3, 0.6], [0.2, acc], [seconds, seconds]))

    per_seed = {seed: {s: run(s, acc, 1.0 + seed) for s, acc in zip(STRATEGIES, (0.8, 0.7, 0.6, 0.3 + seed / 10))}
                for seed in (0, 1, 2)}
    agg = rs.aggregate(per_seed)
    assert agg["scratch"]["accuracy"]["values"] == [0.3, 0.4, 0.5]
    assert agg["scratch"]["accuracy"]["std"] == pytest.approx(0.1)
    assert agg["full_finetune"]["seconds"]["mean"] == pytest.approx(4.0)
    assert agg["feature_extraction"]["curves"]["test_acc"][0] == [0.2, 0.8]
    sweep = rs.aggregate_sweep({0: {"a": [0.1, 0.9]}, 1: {"a": [0.3, 0.7]}}, [0.5, 1.0])
    assert sweep["strategies"]["a"][0]["mean"] == pytest.approx(0.2)
    table = rs.results_markdown({"seeds": [0, 1, 2], "strategies": agg})
    assert "| scratch (random init) | 0.400 ± 0.100 |" in table
    assert "3,591 of 11,180,103" in table


def test_committed_results_are_consistent_and_the_markdown_is_generated_from_them():
    results = json.loads(RESULTS.read_text())
    assert len(results["seeds"]) == 3
    rows = results["strategies"]
    flat = {s: {"accuracy": r["accuracy"]["mean"], "seconds": r["seconds"]["mean"],
                "trainable_params": r["trainable_params"], "total_params": r["total_params"]}
            for s, r in rows.items()}
    assert list(rows) == list(ALL_STRATEGIES)  # the four and, since issue 15, head first then layer-wise lrs
    check_results_structure(flat, ALL_STRATEGIES)
    for r in rows.values():
        values = r["accuracy"]["values"]
        assert len(values) == 3
        assert r["accuracy"]["mean"] == pytest.approx(statistics.fmean(values))
        assert r["accuracy"]["std"] == pytest.approx(statistics.stdev(values))
        assert [h[-1] for h in r["curves"]["test_acc"]] == pytest.approx(values)
    md = RESULTS.with_suffix(".md").read_text()
    assert rs.results_markdown(results) in md
    assert rs.results_document(results) == md  # the whole file, byte for byte
