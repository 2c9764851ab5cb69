"""The submission corpus: every case is a student notebook, its expected score and why.

A case starts from the released student notebook with the instructor's solutions
filled in (``solves=True``) or left blank, replaces answer cells by grade_id
(``edits``), and may then post-process the written file (``transform``, see
tamper.py). ``score`` is what real nbgrader must give; ``graded=False`` means
nbgrader must refuse the file and say why (``reason_contains``), while every
other student is still graded. ``feedback`` lists phrases the generated feedback
must show, so a student learns which mistake cost the points.

One module per assignment holds its cases (``CASES`` there); this package joins them.
"""

from __future__ import annotations

from tests.corpus.cases import concepts, foodvision, hotdog, scratch
from tests.corpus.cases.case import EVERY_CELL, Case

CASES: list[Case] = foodvision.CASES + concepts.CASES + hotdog.CASES + scratch.CASES

__all__ = ["CASES", "EVERY_CELL", "Case"]
