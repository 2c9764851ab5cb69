"""Every figure the notebooks' markdown and the quiz banks quote is traced to a committed result
(``data/results/*.json``, rounded as quoted) or listed as not a measured result.

The finder is a regex over the prose (``FIGURE``): decimals (0.742, 11.2 million), learning rates
written as ``1e-3``, whole numbers with a unit (42 s, 73 %, 9 points, 10x) and whole-number ranges
(16 to 34). Each figure it finds must lie in a phrase of ``tests/quoted_numbers.QUOTES``, which
names its source; a learning rate written as ``1e-N`` may also be one that the committed runs used.
So a rerun that changes a results file fails here until the text quoting it is updated, and a new
figure in a notebook or a quiz fails until it is added to the table with its source.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
import yaml

from tests.quoted_numbers import NOT_FIGURES, QUOTES, RESULTS, ROOT, Marker, Quote, ResultsData

#: Where the quoted prose lives: the source notebooks (``notebooks/`` is built from them, and
#: ``autograder.build --check`` keeps it in step) and the quiz banks.
NOTEBOOKS = ROOT / "source"
QUIZ_BANKS = ROOT / "src" / "tlcourse" / "quiz" / "questions"

_UNIT = r"\s?(?:%|s\b|seconds?\b|points?\b)|x\b"
FIGURE = re.compile(
    r"(?<![\w.,:])(?:"
    r"\d+(?:\.\d+)?e-\d+"                    # a rate: 1e-3, 5e-5
    r"|\d*\.\d+"                             # a decimal: 0.742, 11.2 (million)
    r"|\d+(?=" + _UNIT + r")"                # a whole number with a unit: 42 s, 73 %, 9 points, 10x
    r"|\d+(?=\s(?:to|-)\s?\d)"               # the start of a range: 16 to 34
    r"|(?<=\d\sto\s)\d+"                     # the end of a range
    r")(?![^\W\dx]|\d|[.:]\d)")          # not followed by more of a word or a number
_NOT_FIGURES = re.compile("|".join(f"(?:{p})" for p in NOT_FIGURES.values()))

HOW_TO_FIX = (
    "Add the figure to QUOTES in tests/quoted_numbers.py: the phrase that quotes it, and its source "
    "(a path into a data/results/*.json file, or a derivation of such values) - or, if it is not a "
    "measured result, mark it (Live, Setting, Fact, Cited) and say why.")


def documents() -> dict[str, list[str]]:
    """Each document's prose, whitespace collapsed: a notebook's markdown cells (key: its folder,
    e.g. ``04_scratch_vs_pretrained``), a quiz bank's strings (key: ``quiz/<name>``)."""
    docs = {}
    for path in sorted(NOTEBOOKS.glob("*/*.ipynb")):
        cells = json.loads(path.read_text("utf-8"))["cells"]
        docs[path.parent.name] = [" ".join("".join(c["source"]).split())
                                  for c in cells if c["cell_type"] == "markdown"]
    for path in sorted(QUIZ_BANKS.glob("*.yaml")):
        docs[f"quiz/{path.stem}"] = [" ".join(s.split()) for s in _strings(yaml.safe_load(path.read_text("utf-8")))]
    return docs


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def figures(text: str) -> list[re.Match]:
    """The quoted figures of a text (grading points and other ``NOT_FIGURES`` left out)."""
    skip = [m.span() for m in _NOT_FIGURES.finditer(text)]
    return [m for m in FIGURE.finditer(text) if not any(a <= m.start() < b for a, b in skip)]


def phrase_pattern(phrase: str) -> re.Pattern:
    """The phrase with each of its figures standing for any number: a phrase whose figures changed is
    still found, and its new figures are compared with their sources."""
    parts, last = [], 0
    for m in figures(phrase):
        parts += [re.escape(phrase[last:m.start()]), r"\d*\.?\d+(?:e-\d+)?"]
        last = m.end()
    return re.compile("".join(parts) + re.escape(phrase[last:]))


def check(docs: dict[str, list[str]], quotes: list[Quote], results: ResultsData) -> list[str]:
    """Every problem: a figure no entry covers, an entry whose phrase is gone or does not fit its
    figures, a traced figure that does not match its source as quoted."""
    problems = []
    covered = set()
    for q in quotes:
        if q.doc not in docs:
            problems.append(f"{q}: no document {q.doc!r} (one of {sorted(docs)})")
            continue
        found = False
        for i, text in enumerate(docs[q.doc]):
            for match in phrase_pattern(q.phrase).finditer(text):
                found = True
                start, end = match.span()
                inside = [m for m in figures(text) if start <= m.start() and m.end() <= end]
                sources = q.sources * len(inside) if len(q.sources) == 1 and isinstance(q.sources[0], Marker) \
                    else q.sources
                if len(inside) != len(sources):
                    problems.append(f"{q}: the phrase quotes {len(inside)} figure(s) "
                                    f"({', '.join(m.group() for m in inside)}) but names {len(sources)} source(s)")
                    continue
                for m, source in zip(inside, sources):
                    covered.add((q.doc, i, m.start()))
                    if not isinstance(source, Marker):
                        problems.extend(_compare(q, m.group(), source, results))
        if not found:
            problems.append(f"{q}: the phrase is no longer in {q.doc}: the text changed, so update the "
                            "entry (phrase and source) or remove it")
    rates = results.rates()
    for doc, texts in docs.items():
        for i, text in enumerate(texts):
            for m in figures(text):
                if (doc, i, m.start()) in covered:
                    continue
                if "e-" in m.group() and Decimal(m.group()) in rates:
                    continue  # a learning rate that the committed runs used (RESULTS' budgets and sweep)
                context = text[max(0, m.start() - 60):m.end() + 40]
                problems.append(f"{doc}: {m.group()!r} is quoted but not listed (... {context} ...). {HOW_TO_FIX}")
    return problems


def _compare(q: Quote, quoted: str, source, results: ResultsData) -> list[str]:
    value = source.value(results)
    shown = Decimal(quoted)
    if source.bound == "above":
        ok = float(shown) >= value
    elif source.bound == "below":
        ok = float(shown) <= value
    elif "e-" in quoted:
        ok = abs(float(shown) - value) <= 1e-9 * abs(value)
    else:
        half_unit = Decimal(1).scaleb(shown.as_tuple().exponent) / 2
        ok = abs(float(shown) - value) <= float(half_unit) + 1e-9
    if ok:
        return []
    return [f"{q}: {quoted} does not match {source} = {value!r}"
            f"{'' if source.bound is None else f' (it must be a bound {source.bound} it)'}: "
            f"update the text to the committed result (or, if the results file is wrong, rerun the command "
            f"its .md names)"]


def test_every_quoted_figure_is_traced_or_marked_and_matches_its_result():
    problems = check(documents(), QUOTES, RESULTS)
    assert not problems, f"{len(problems)} problem(s) with quoted figures:\n" + "\n".join(problems)


def test_the_finder_sees_figures_in_prose():
    text = ("Scratch ends at 0.44 ± 0.06, about 30 points lower; it took 42 s (73 % of it), 16 to 34 "
            "and 8-10x, at `1e-3`. Exercise 1 (2 points) on ResNet-18: 2,565 of 11.2 million, 224 x 224, "
            "3:4 to 4:3, version 2.14.1, scores 0.258.")
    assert [m.group() for m in figures(text)] == [
        "0.44", "0.06", "30", "42", "73", "16", "34", "10", "1e-3", "11.2", "0.258"]


def test_a_new_unlisted_figure_fails_and_says_what_to_do():
    docs = documents()
    docs["04_scratch_vs_pretrained"] = docs["04_scratch_vs_pretrained"] + ["Scratch now reaches 0.512 here."]
    problems = check(docs, QUOTES, RESULTS)
    assert len(problems) == 1 and "'0.512' is quoted but not listed" in problems[0]
    assert "tests/quoted_numbers.py" in problems[0]


def test_a_changed_result_fails_where_it_is_quoted():
    changed = RESULTS.copy()
    changed.data["scratch_vs_pretrained"]["strategies"]["scratch"]["accuracy"]["mean"] = 0.512
    problems = check(documents(), QUOTES, changed)
    assert problems and all("strategies/scratch/accuracy/mean" in p for p in problems)
    assert any("0.44" in p for p in problems) and any("0.438" in p for p in problems)


def test_a_changed_quote_fails():
    docs = documents()
    docs["quiz/foodvision_head"] = [t.replace("(0.54, mean of three seeds)", "(0.57, mean of three seeds)")
                                    for t in docs["quiz/foodvision_head"]]
    problems = check(docs, QUOTES, RESULTS)
    assert len(problems) == 1
    assert "0.57 does not match scratch_vs_pretrained:sweep/strategies/feature_extraction/0/mean = 0.539" in problems[0]


def test_a_reworded_phrase_fails():
    docs = documents()
    docs["quiz/foodvision_head"] = [t.replace("(0.54, mean of three seeds)", "(0.54, the mean of three seeds)")
                                    for t in docs["quiz/foodvision_head"]]
    problems = check(docs, QUOTES, RESULTS)
    assert len(problems) == 2  # the entry's phrase is gone, and its figure is no longer listed
    assert any("no longer in quiz/foodvision_head" in p for p in problems)
    assert any("'0.54' is quoted but not listed" in p for p in problems)


def test_results_files_are_all_read():
    """The table reads every committed results file, so none can change unseen."""
    assert set(RESULTS.data) >= {p.stem for p in (ROOT / "data" / "results").glob("*.json")}


def test_sources_name_real_values():
    """A path that names no value (a typo, a renamed key) is an error, not a silent pass."""
    with pytest.raises(KeyError, match="no_such_strategy"):
        RESULTS.get("scratch_vs_pretrained:strategies/no_such_strategy/accuracy/mean")
    with pytest.raises(KeyError, match="3 values, not one"):
        RESULTS.get("scratch_vs_pretrained:strategies/scratch/accuracy/values/*")


def test_a_bound_that_no_longer_holds_fails():
    docs = documents()
    docs["04_scratch_vs_pretrained"] = [t.replace("it stays between 0.30 and 0.40", "it stays between 0.31 and 0.40")
                                        for t in docs["04_scratch_vs_pretrained"]]
    problems = check(docs, QUOTES, RESULTS)
    assert len(problems) == 1 and "0.31 does not match lowest(" in problems[0] and "a bound below it" in problems[0]
