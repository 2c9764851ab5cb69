"""The evidence format as the grader recognises it, without torch: its MIME type, its version,
the grader's caps, the error a rejected evidence raises, and which outputs claim to be evidence.

Every nbgrader command loads the course's preprocessors; only a cell decided in the grader needs
torch to read its evidence (``tlcourse.evidence.read_evidence``), so what every command needs
lives here.
"""

from __future__ import annotations

from tlcourse.checks.base import CheckFailed

#: The MIME type of an evidence output (its data is a JSON object).
EVIDENCE_MIME = "application/vnd.tlcourse.evidence+json"
#: Version of the evidence format.
FORMAT = 1
#: Caps the grader applies: the JSON of one evidence output, a network's parameters, the decoded
#: bytes of its exported tensors, a value's repr.
MAX_EVIDENCE_BYTES = 256_000
MAX_PARAMETERS = 1_000
MAX_TENSOR_BYTES = 128_000
MAX_REPR = 200


class EvidenceRejected(CheckFailed):
    """The evidence of a cell is missing, duplicated, malformed, too large or not this cell's (a
    ``CheckFailed``: found while reading or deciding, it scores the cell 0 with its reason)."""


def evidence_outputs(outputs) -> list:
    """The outputs that claim to be evidence."""
    return [o for o in outputs if o.get("output_type") in ("display_data", "execute_result")
            and EVIDENCE_MIME in o.get("data", {})]
