"""The files a core ``ipywidgets.FileUpload`` holds, whatever its version: ipywidgets 7.x (Colab
ships 7.7) keeps a dict ``{name: {"metadata": {...}, "content": bytes}}``, ipywidgets 8.x a
tuple of dicts ``{"name": ..., "content": memoryview, ...}``."""

from __future__ import annotations

from typing import Any


def uploaded_files(value: Any) -> list[tuple[str, bytes]]:
    """``(file name, bytes)`` of every file in a FileUpload's ``value``, in upload order."""
    if not value:
        return []
    if isinstance(value, dict):  # ipywidgets 7.x
        return [(str(name), bytes(item["content"])) for name, item in value.items()]
    if isinstance(value, (tuple, list)):  # ipywidgets 8.x
        return [(str(item["name"]), bytes(item["content"])) for item in value]
    raise TypeError(f"A FileUpload value is a dict (ipywidgets 7) or a tuple (ipywidgets 8), not "
                    f"{type(value).__name__}; pass the widget's .value.")
