"""Fixtures shared by the quiz and inspector tests (run with ipywidgets 7.7 and 8.x)."""

from __future__ import annotations

import pytest
import yaml

from tests.quiz.helpers import QUESTIONS
from tlcourse.quiz import load


@pytest.fixture(scope="session")
def foodvision():
    """The FoodVision notebook's questions, loaded through the public loader."""
    return load("foodvision_head")


@pytest.fixture
def raw_foodvision() -> dict:
    """The FoodVision question file as plain data (a fresh copy to break on purpose)."""
    return yaml.safe_load((QUESTIONS / "foodvision_head.yaml").read_text("utf-8"))
