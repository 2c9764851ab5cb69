"""Runtime facts: whether nbgrader runs the notebook, whether this is Colab, which device.

The run mode (online, offline or smoke) is a data decision: ``tlcourse.data.mode``.
"""

from __future__ import annotations

import os
import sys

#: Set by nbgrader in the kernel's environment during ``autograde`` and ``validate``.
NBGRADER_VARIABLE = "NBGRADER_EXECUTION"


def nbgrader_execution() -> str | None:
    """Return ``"autograde"`` or ``"validate"`` when nbgrader runs the notebook, else None."""
    return os.environ.get(NBGRADER_VARIABLE) or None


def under_nbgrader() -> bool:
    """True while nbgrader executes the notebook (heavy work must be skipped)."""
    return nbgrader_execution() is not None


def on_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def device():
    """The GPU when there is one, else the CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
