"""Zip archives built in memory for the data tests."""

from __future__ import annotations

import io
import zipfile


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip archive holding ``files`` (member name -> content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()
