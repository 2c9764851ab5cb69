"""What the student is told about the data, the weights and the connection: one plain sentence
per event, with the details behind it (exceptions, paths, checksums, the probe's answer) kept
for ``tlcourse.why()`` instead of printed.

    >>> import tlcourse
    >>> tlcourse.why()    # every detail set aside so far in this kernel, oldest first
"""

from __future__ import annotations

from typing import Callable, Iterable

#: Added to a sentence that has details behind it.
WHY_HINT = "(Details: run `tlcourse.why()`.)"
_details: list[str] = []


def keep(details: Iterable[str]) -> None:
    """Set ``details`` aside for :func:`why` (each once)."""
    for detail in details:
        if detail and detail not in _details:
            _details.append(detail)


def tell(sentence: str, details: Iterable[str] = (), say: Callable[[str], None] | None = print,
         hint: bool = True) -> None:
    """Print ``sentence`` (with the hint when it has details and ``hint``) and keep the details.
    ``say=None`` prints nothing and still keeps them."""
    details = [d for d in details if d]
    keep(details)
    if say is not None:
        say(f"{sentence} {WHY_HINT}" if details and hint else sentence)


def details() -> list[str]:
    """The details kept so far, oldest first."""
    return list(_details)


def why() -> None:
    """Print the details behind the course's messages so far."""
    if not _details:
        print("Nothing to add: the messages so far said everything there is.")
        return
    print("Details behind the messages above, oldest first:")
    for detail in _details:
        print(f"- {detail}")
